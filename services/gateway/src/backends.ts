// How the gateway reaches a verifier service: in-process (the kit's runBatch, no network) or over gRPC (round_robin, deadlines, traced).
import * as grpc from '@grpc/grpc-js';
import {
  UnavailableError,
  describeService,
  fromStatus,
  lazy,
  messageOf,
  outgoingDeadline,
  noopLogger,
  runBatch,
  type Logger,
  type ServiceDef,
} from '@verimesh/kit';
import {
  loadPackage,
  type DescribeResponse,
  type ServiceName,
  type VerifierServiceClient,
  type VerifyItem,
  type VerifyResult,
} from '@verimesh/proto';
import { withClientSpan } from '@verimesh/telemetry';

export interface VerifyBatchOptions {
  /** Absolute deadline (ms since epoch, Date.now() clock). */
  deadline: number;
  signal?: AbortSignal;
}

/** One verifier service as the gateway sees it; errors are thrown as kit errors (UnavailableError, DeadlineError, ...). */
export interface VerifierBackend {
  readonly service: ServiceName;
  verifyBatch(items: VerifyItem[], opts: VerifyBatchOptions): Promise<VerifyResult[]>;
  describe(): Promise<DescribeResponse>;
  close(): void;
}

/**
 * A service run in this process through the kit's runBatch: the same code path as serve(), without the network.
 * `service.start()` runs once, on first use; if it fails, the next call tries again.
 */
export function inProcessBackend(service: ServiceDef, log: Logger = noopLogger): VerifierBackend {
  const start = lazy(async () => {
    try {
      await service.start?.();
    } catch (e) {
      throw new UnavailableError(`service ${service.name} failed to start: ${messageOf(e)}`);
    }
  });
  return {
    service: service.name as ServiceName,
    async verifyBatch(items, opts) {
      if (service.start) await start();
      return runBatch(service, items, { deadline: opts.deadline, signal: opts.signal, log });
    },
    async describe() {
      return describeService(service);
    },
    close() {
      void Promise.resolve(service.stop?.()).catch(() => undefined);
    },
  };
}

export interface GrpcBackendOptions {
  /** Extra grpc-js channel options (tests shorten the reconnect backoff). */
  channelOptions?: grpc.ChannelOptions;
}

/** Channel options: round_robin over every address DNS returns (a Kubernetes headless service), large messages, quick reconnects. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 256 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
  // A service that comes back is noticed within about two seconds rather than grpc-js's default two minutes.
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 2_000,
  'grpc.enable_retries': 0,
};

/** A failed call to a service as the kit error its code stands for (ERROR_MODEL), keeping the remote reason and field. */
function fromGrpcError(err: grpc.ServiceError, service: string, target: string): Error {
  const where = `${service} at ${target}`;
  const what: Partial<Record<grpc.status, string>> = {
    [grpc.status.UNAVAILABLE]: `${where} is unavailable: ${err.details}`,
    [grpc.status.DEADLINE_EXCEEDED]: `${where} did not answer before the deadline`,
    [grpc.status.RESOURCE_EXHAUSTED]: `${where} is overloaded: ${err.details}`,
    [grpc.status.INVALID_ARGUMENT]: `${where} refused the batch: ${err.details}`,
  };
  return fromStatus(err, what[err.code] ?? `${where} failed: ${grpc.status[err.code] ?? err.code} ${err.details}`);
}

/**
 * A service over gRPC. `target` is `host:port` or `dns:///host:port`; calls carry a deadline always and fail fast
 * (waitForReady false) when the channel is known to be failing, so a dead service costs nothing but a status.
 */
export function grpcBackend(service: ServiceName, target: string, opts: GrpcBackendOptions = {}): VerifierBackend {
  const Ctor = loadPackage().verimesh.v1.VerifierService;
  const client: VerifierServiceClient = new Ctor(target, grpc.credentials.createInsecure(), { ...CHANNEL_OPTIONS, ...opts.channelOptions });
  const attrs = { 'rpc.system': 'grpc', 'rpc.service': 'verimesh.v1.VerifierService', 'rpc.method': 'VerifyBatch', 'verimesh.service': service, 'server.address': target };
  return {
    service,
    verifyBatch(items, o) {
      // getConnectivityState(true) also starts connecting an idle channel; a failing one is answered at once.
      if (client.getChannel().getConnectivityState(true) === grpc.connectivityState.TRANSIENT_FAILURE) {
        return Promise.reject(new UnavailableError(`${service} at ${target} is unreachable (its connection is failing)`));
      }
      return withClientSpan('verimesh.v1.VerifierService/VerifyBatch', new grpc.Metadata(), { ...attrs, 'verimesh.items': items.length }, (md) =>
        new Promise<VerifyResult[]>((resolve, reject) => {
          const callOpts: grpc.CallOptions = { deadline: outgoingDeadline(o.deadline, 60_000) };
          const onAbort = (): void => call.cancel();
          const call = client.VerifyBatch({ items }, md, callOpts, (err, res) => {
            o.signal?.removeEventListener('abort', onAbort);
            if (err) reject(fromGrpcError(err, service, target));
            else resolve(res?.results ?? []);
          });
          o.signal?.addEventListener('abort', onAbort, { once: true });
        }),
      );
    },
    describe() {
      return new Promise<DescribeResponse>((resolve, reject) =>
        client.Describe({}, { deadline: Date.now() + 5_000 }, (err, res) => (err ? reject(fromGrpcError(err, service, target)) : resolve(res!))),
      );
    },
    close() {
      client.close();
    },
  };
}
