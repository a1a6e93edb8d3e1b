// The resource every span of this process carries: who sent it (service, version, instance), from where (host,
// process, Kubernetes pod), with OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME overriding anything detected.
import { detectResources, defaultResource, envDetector, hostDetector, osDetector, processDetector, resourceFromAttributes, serviceInstanceIdDetector, type Resource } from '@opentelemetry/resources';

/**
 * The Kubernetes downward-API variables read into k8s.* resource attributes (the chart sets them from fieldRef:
 * metadata.name, metadata.uid, metadata.namespace, spec.nodeName; the container name as a literal).
 */
export const K8S_ENV = {
  'k8s.pod.name': 'K8S_POD_NAME',
  'k8s.pod.uid': 'K8S_POD_UID',
  'k8s.namespace.name': 'K8S_NAMESPACE_NAME',
  'k8s.node.name': 'K8S_NODE_NAME',
  'k8s.container.name': 'K8S_CONTAINER_NAME',
} as const;

/**
 * Lowest to highest precedence: the SDK's defaults (telemetry.sdk.*); service.name = `serviceName`, service.version
 * = `version`, and the k8s.* attributes of K8S_ENV; then the SDK's detectors: host (host.name, host.arch, host.id),
 * os, process (pid, executable, command, runtime), service.instance.id (a random UUID: unique per process, so two
 * pods or two processes of one service are told apart), and last the environment (OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_SERVICE_NAME).
 */
export function buildResource(serviceName: string, version: string): Resource {
  const own: Record<string, string> = { 'service.name': serviceName, 'service.version': version };
  for (const [attr, name] of Object.entries(K8S_ENV)) {
    const v = process.env[name]?.trim();
    if (v) own[attr] = v;
  }
  const detected = detectResources({ detectors: [hostDetector, osDetector, processDetector, serviceInstanceIdDetector, envDetector] });
  return defaultResource().merge(resourceFromAttributes(own)).merge(detected);
}
