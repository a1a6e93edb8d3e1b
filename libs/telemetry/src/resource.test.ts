// buildResource: the SDK's detectors, the Kubernetes downward-API variables, OTEL_RESOURCE_ATTRIBUTES over all.
import { afterEach, describe, expect, it } from 'vitest';
import { buildResource } from './resource.js';

const VARS = ['OTEL_RESOURCE_ATTRIBUTES', 'OTEL_SERVICE_NAME', 'K8S_POD_NAME', 'K8S_NAMESPACE_NAME', 'K8S_NODE_NAME', 'K8S_POD_UID', 'K8S_CONTAINER_NAME'];
const saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
afterEach(() => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
});

describe('buildResource', () => {
  it('names the service, its version and this process, host and pod', async () => {
    for (const v of VARS) delete process.env[v];
    Object.assign(process.env, { K8S_POD_NAME: 'vision-iou-7d9f-abc12', K8S_NAMESPACE_NAME: 'rl', K8S_NODE_NAME: 'node-3' });
    const r = buildResource('vision-iou', '1.2.3');
    await r.waitForAsyncAttributes?.();
    const a = r.attributes;
    expect(a).toMatchObject({
      'service.name': 'vision-iou',
      'service.version': '1.2.3',
      'k8s.pod.name': 'vision-iou-7d9f-abc12',
      'k8s.namespace.name': 'rl',
      'k8s.node.name': 'node-3',
      'process.pid': process.pid,
      'process.runtime.name': 'nodejs',
      'telemetry.sdk.language': 'nodejs',
    });
    expect(a['service.instance.id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(typeof a['host.name']).toBe('string');
    expect(a['k8s.pod.uid']).toBeUndefined();
  });

  it('lets OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override what was detected', () => {
    for (const v of VARS) delete process.env[v];
    Object.assign(process.env, { K8S_POD_NAME: 'from-downward-api', OTEL_SERVICE_NAME: 'renamed', OTEL_RESOURCE_ATTRIBUTES: 'k8s.pod.name=from-otel,deployment.environment.name=staging,service.version=9' });
    const a = buildResource('vision-iou', '1.2.3').attributes;
    expect(a).toMatchObject({ 'service.name': 'renamed', 'k8s.pod.name': 'from-otel', 'deployment.environment.name': 'staging', 'service.version': '9' });
  });
});
