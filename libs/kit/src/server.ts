// Starting a gRPC server the one way every service does: handlers, health, reflection, bind, graceful shutdown.
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import { componentStatusFromProto, loadDefinition, loadPackage, type DescribeResponse, type VerifyBatchRequest__Output, type VerifyBatchResponse, type DescribeRequest__Output } from '@verimesh/proto';
import { OutcomeTally, addressAttributes, extractMetadata, recordError, rpcAttributes, withServerSpan } from '@verimesh/telemetry';
import { Admission } from './admission.js';
import { callDeadline } from './deadline.js';
import { InvalidArgumentError, UnavailableError } from './errors.js';
import { createLogger, type Logger, type LogLevel } from './log.js';
import { serveMetrics, type MetricsServer } from './metrics-server.js';
import { ServiceMetrics } from './service-metrics.js';
import { toStatus } from './status.js';
import { describeVerifiers, runBatch, type ServiceDef } from './verifier.js';

export interface ServerOptions {
  /** Service name for logs and health. */
  name: string;
  host?: string;
  port?: number;
  log?: Logger;
  /** On shutdown: how long in-flight calls may drain before forceShutdown. (Signals: drainOnSignal, via runMain.) */
  shutdownGraceMs?: number;
  /** Adds the service's handlers; health and reflection are added by startServer. */
  register: (server: grpc.Server) => void;
  /** Fully qualified service names reported by health (besides ""). */
  healthServices?: string[];
  /** Runs after the server stopped accepting and drained (close pools, flush). */
  onShutdown?: () => Promise<void>;
  serverOptions?: grpc.ServerOptions;
}

export interface RunningServer {
  server: grpc.Server;
  health: HealthImplementation;
  port: number;
  address: string;
  /** Graceful: NOT_SERVING, drain in-flight calls (forced after the grace period), then onShutdown. Idempotent. */
  shutdown(graceMs?: number): Promise<void>;
}

export const DEFAULT_SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 256 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_permit_without_calls': 1,
  // Clients re-resolve DNS only when a connection ends: cycling connections lets new replicas get traffic.
  'grpc.max_connection_age_ms': 5 * 60_000,
  'grpc.max_connection_age_grace_ms': 60_000,
};

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.log ?? createLogger(opts.name);
  const server = new grpc.Server({ ...DEFAULT_SERVER_OPTIONS, ...opts.serverOptions });
  opts.register(server);
  const statuses: Record<string, 'NOT_SERVING'> = { '': 'NOT_SERVING' };
  for (const s of opts.healthServices ?? []) statuses[s] = 'NOT_SERVING';
  const health = new HealthImplementation(statuses);
  health.addToServer(server);
  new ReflectionService(loadDefinition()).addToServer(server);
  const host = opts.host ?? '0.0.0.0';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const setAll = (s: 'SERVING' | 'NOT_SERVING'): void => {
    for (const name of Object.keys(statuses)) health.setStatus(name, s);
  };
  let stopping: Promise<void> | undefined;
  const shutdown = (graceMs = opts.shutdownGraceMs ?? 25_000): Promise<void> =>
    (stopping ??= (async () => {
      setAll('NOT_SERVING');
      log.info('draining', { grace_ms: graceMs });
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          log.warn('grace period over: cutting remaining calls');
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await opts.onShutdown?.();
      log.info('stopped');
    })());

  setAll('SERVING');
  log.info('serving', { port, host });
  return { server, health, port, address: `${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, shutdown };
}

export interface VerifierServerOptions {
  host?: string;
  port?: number;
  maxInFlight?: number;
  shutdownGraceMs?: number;
  logLevel?: LogLevel | string;
  log?: Logger;
  /** Serves GET /metrics on this HTTP port (0 = any free port) on `host`; undefined: no endpoint (metrics still kept). */
  metricsPort?: number;
}

/** A served verifier service: the server, its admission (items in flight now, refusals) and its metrics (PLAN D6). */
export interface RunningService extends RunningServer {
  admission: Admission;
  metrics: ServiceMetrics;
  /** The /metrics endpoint's port, when one was asked for. */
  metricsPort?: number;
}

const VERIFY_BATCH_ATTRIBUTES = rpcAttributes('verimesh.v1.VerifierService', 'VerifyBatch');

/**
 * Serves a verifier service over gRPC: VerifyBatch (admission-controlled, deadline-honouring, traced) and
 * Describe, plus health and reflection. runMain serves a service's main.ts through it.
 */
export async function serve(service: ServiceDef, opts: VerifierServerOptions = {}): Promise<RunningService> {
  const log = opts.log ?? createLogger(service.name, (opts.logLevel as LogLevel | undefined) ?? undefined);
  const admission = new Admission(opts.maxInFlight || service.maxInFlight || 20_000);
  const metrics = new ServiceMetrics(service.name, admission, () => service.pools?.() ?? []);
  let draining = false;
  await service.start?.();
  const pkg = loadPackage();
  let port = 0; // known once bound; spans read it at call time
  const running = await startServer({
    name: service.name,
    host: opts.host,
    port: opts.port,
    log,
    shutdownGraceMs: opts.shutdownGraceMs,
    healthServices: ['verimesh.v1.VerifierService'],
    onShutdown: async () => service.stop?.(),
    register: (server) => {
      server.addService(pkg.verimesh.v1.VerifierService.service, {
        VerifyBatch: (
          call: grpc.ServerUnaryCall<VerifyBatchRequest__Output, VerifyBatchResponse>,
          callback: grpc.sendUnaryData<VerifyBatchResponse>,
        ) => {
          const items = call.request.items ?? [];
          const controller = new AbortController();
          call.once('cancelled', () => controller.abort(new Error('call cancelled by the client')));
          const attrs = { ...VERIFY_BATCH_ATTRIBUTES, ...addressAttributes('network.peer', call.getPeer()), 'server.port': port, 'verimesh.service': service.name, 'verimesh.items': items.length };
          // The reply is sent inside the span, so whatever is logged on the way carries the caller's trace.
          void withServerSpan('verimesh.v1.VerifierService/VerifyBatch', extractMetadata(call.metadata), attrs, async (span) => {
            try {
              if (draining) {
                // A call that slipped in after the drain began: refused as retryable, so a gateway sends it elsewhere.
                metrics.draining();
                throw new UnavailableError(`${service.name} is draining (shutting down); retry on another replica`);
              }
              const seen = new Set<string>();
              for (const it of items) {
                if (seen.has(it.key)) throw new InvalidArgumentError('items.key', `items.key "${it.key}" appears twice in one batch`);
                seen.add(it.key);
              }
              admission.acquire(items.length);
              metrics.admitted(items.length);
              let started = 0;
              let results;
              try {
                results = await runBatch(service, items, {
                  deadline: callDeadline(call),
                  signal: controller.signal,
                  log,
                  onStart: () => {
                    started++;
                    metrics.started();
                  },
                  onResult: (verifier, r) => metrics.result(verifier, r),
                });
              } finally {
                metrics.finished(items.length, started);
                admission.release(items.length);
              }
              if (span.isRecording()) {
                const tally = new OutcomeTally('components');
                for (const r of results) tally.add(componentStatusFromProto(r.result?.status as string | undefined), r.result?.detail, r.result?.flags);
                tally.apply(span, service.name);
              }
              span.setAttribute('rpc.grpc.status_code', grpc.status.OK);
              callback(null, { results });
            } catch (err) {
              const status = toStatus(err);
              span.setAttribute('rpc.grpc.status_code', status.code ?? grpc.status.UNKNOWN);
              recordError(span, err);
              callback(status);
            }
          });
        },
        Describe: (_call: grpc.ServerUnaryCall<DescribeRequest__Output, DescribeResponse>, callback: grpc.sendUnaryData<DescribeResponse>) => {
          try {
            callback(null, describeService(service));
          } catch (err) {
            callback(toStatus(err));
          }
        },
      });
    },
  });
  let endpoint: MetricsServer | undefined;
  try {
    if (opts.metricsPort !== undefined) endpoint = await serveMetrics(() => metrics.render(), { host: opts.host, port: opts.metricsPort });
  } catch (e) {
    await running.shutdown(0);
    throw e;
  }
  if (endpoint) log.info('metrics', { port: endpoint.port, path: '/metrics' });
  port = running.port;
  return {
    ...running,
    admission,
    metrics,
    metricsPort: endpoint?.port,
    // The endpoint stays up while the drain runs (a scraper sees the in-flight items go), then closes.
    shutdown: async (graceMs?: number) => {
      draining = true;
      await running.shutdown(graceMs);
      await endpoint?.close();
    },
  };
}

export function describeService(service: ServiceDef): DescribeResponse {
  return {
    service: service.name,
    version: service.version,
    verifiers: describeVerifiers(service),
    info_json: JSON.stringify(service.info?.() ?? {}),
  };
}
