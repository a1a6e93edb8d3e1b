// `verimesh serve` traced end to end over OTLP/gRPC: a trainer's request is one trace across the gateway and a
// service behind it, and SIGTERM exports what was still pending before the process exits.
import { startOtlpReceiver, type OtlpReceiver } from '@verimesh/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type Served } from './helpers.js';

let receiver: OtlpReceiver;
let served: Served;
beforeAll(async () => {
  receiver = await startOtlpReceiver('grpc');
  served = await startServe(['--only', 'gateway,vision-iou', '--host', '127.0.0.1', '--port', '0', '--http-port', '0'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    // Ten minutes: only the flush at SIGTERM can deliver the spans.
    OTEL_BSP_SCHEDULE_DELAY: '600000',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=cli-test',
  });
});
afterAll(async () => {
  await receiver?.close();
});

describe('verimesh serve tracing', () => {
  it('one request = one trace through the gateway and vision-iou, exported at SIGTERM', async () => {
    const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
    const res = await fetch(`http://${served.http}/v1/score`, {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ samples: [{ id: 's', response: '[40, 60, 200, 180]', reference: { box: [40, 60, 200, 180] }, reward: { components: [{ name: 'iou', verifier: 'vision.box_iou' }] } }] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: { reward: number }[] }).results[0]!.reward).toBe(1);
    expect(receiver.spans).toHaveLength(0);
    expect((await served.stop()).code).toBe(0);
    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    expect(spans.map((s) => `${s.kind} ${s.name}`).sort()).toEqual([
      'CLIENT verimesh.v1.VerifierService/VerifyBatch',
      'INTERNAL call vision-iou',
      'INTERNAL verify vision.box_iou',
      'SERVER POST /v1/score',
      'SERVER verimesh.v1.VerifierService/VerifyBatch',
    ]);
    for (const s of spans) {
      expect(s.resource).toMatchObject({ 'service.name': 'verimesh', 'deployment.environment.name': 'cli-test' });
      expect(s.status.code).toBe('UNSET');
    }
    expect(spans.find((s) => s.name === 'POST /v1/score')!.attributes['http.response.status_code']).toBe(200);
  });
});
