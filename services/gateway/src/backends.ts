// How the gateway reaches a verifier service: in process (the kit's runBatch, no network) or over gRPC to every
// replica of it: a stage's items cut into chunks spread over the replicas, a chunk that failed for a reason another
// replica may not share retried once elsewhere, failing replicas ejected for a while (replicas.ts), traced.
import { setMaxListeners } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import {
  DeadlineError,
  UnavailableError,
  describeService,
  expired,
  fromStatus,
  lazy,
  messageOf,
  outgoingDeadline,
  noopLogger,
  runBatch,
  timeoutMsUntil,
  type Logger,
  type ServiceDef,
} from '@verimesh/kit';
import { type DescribeResponse, type ServiceName, type VerifyItem, type VerifyResult } from '@verimesh/proto';
import { addressAttributes, rpcAttributes, withClientSpan } from '@verimesh/telemetry';
import { DEFAULT_REPLICA_OPTIONS, ReplicaSet, type Health, type Replica } from './replicas.js';
import { parseTarget } from './targets.js';

export interface VerifyOptions {
  /** Each item's absolute deadline (ms since epoch, Date.now() clock): items[k] is due by deadlines[k]. */
  deadlines: readonly number[];
  signal?: AbortSignal;
}

/** What became of one chunk: the service's results (in any order, matched by key), or the error that ended it. */
export type ChunkOutcome = { ok: true; results: readonly (VerifyResult | undefined)[] } | { ok: false; error: unknown };

/** Called exactly once per chunk, for items[from, to). */
export type ChunkHandler = (from: number, to: number, outcome: ChunkOutcome) => void;

/** Why a chunk was sent again: the replica was unreachable, overloaded, or answered something unreadable. */
export const RETRY_REASONS = ['unavailable', 'overloaded', 'malformed'] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];

export interface BackendStats {
  /** The replicas' addresses now ("ip:port"). */
  addresses: readonly string[];
  replicas: number;
  ejected: number;
  retries: Readonly<Record<RetryReason, number>>;
}

/** One verifier service as the gateway sees it; failures arrive as kit errors (UnavailableError, DeadlineError, ...). */
export interface VerifierBackend {
  readonly service: ServiceName;
  /** Verifies items in one or more chunks, reporting each through onChunk; resolves after the last. Never rejects. */
  verify(items: VerifyItem[], opts: VerifyOptions, onChunk: ChunkHandler): Promise<void>;
  describe(): Promise<DescribeResponse>;
  close(): void;
  /** Replicas and retries, for /metrics (remote backends). */
  stats?(): BackendStats;
}

/**
 * Sets items[from, to)'s wire timeout_ms for a call made now and returns the call's deadline (the latest of theirs):
 * an item carries its own timeout only when it must end before the call does, so a service starts a per-item timer
 * only where it is needed.
 */
function stampTimeouts(items: VerifyItem[], deadlines: readonly number[], from: number, to: number, now = Date.now()): number {
  let deadline = 0;
  for (let k = from; k < to; k++) if (deadlines[k]! > deadline) deadline = deadlines[k]!;
  for (let k = from; k < to; k++) items[k]!.timeout_ms = deadlines[k]! < deadline ? timeoutMsUntil(deadlines[k]!, now) : 0;
  return deadline;
}

/**
 * A service run in this process through the kit's runBatch: the same code path as serve(), without the network, in
 * one chunk. `service.start()` runs once, on first use; if it fails, the next call tries again.
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
    async verify(items, opts, onChunk) {
      const deadline = stampTimeouts(items, opts.deadlines, 0, items.length);
      let outcome: ChunkOutcome;
      try {
        if (service.start) await start();
        outcome = { ok: true, results: await runBatch(service, items, { deadline, signal: opts.signal, log }) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      onChunk(0, items.length, outcome);
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
  /** Most items in one VerifyBatch (default DEFAULT_CHUNK_ITEMS). */
  chunkItems?: number;
  /** Chunks in flight on one replica at once (default 2). */
  chunksPerReplica?: number;
  /** How often names are resolved again (default 10,000 ms). */
  resolveIntervalMs?: number;
  /** Consecutive failed calls that eject a replica (default 3), and the first ejection time (default 10,000 ms). */
  ejectAfter?: number;
  ejectMs?: number;
  log?: Logger;
}

/** Most items per VerifyBatch by default: bench/RESULTS.md (gateway, 'Scale-out') measured the choice. */
export const DEFAULT_CHUNK_ITEMS = 512;

/** Channel options of one replica's channel: large messages, keepalive, quick reconnects, retries our own. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 256 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
  // A replica that comes back is noticed within about two seconds rather than grpc-js's default two minutes.
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

/** A reply whose results are not exactly the chunk's keys (the service is broken or not a verimesh service). */
class MalformedReply extends Error {
  constructor(
    message: string,
    readonly results: readonly VerifyResult[],
  ) {
    super(message);
  }
}

/** True when `results` hold each of the items' keys exactly once. */
function sameKeys(items: readonly VerifyItem[], results: readonly VerifyResult[]): boolean {
  if (results.length !== items.length) return false;
  let inOrder = true;
  for (let k = 0; inOrder && k < items.length; k++) inOrder = results[k]?.key === items[k]!.key;
  if (inOrder) return true;
  const keys = new Set(items.map((it) => it.key));
  for (const r of results) if (!r || !keys.delete(r.key)) return false;
  return true;
}

type Attempt =
  | { ok: true; results: readonly VerifyResult[] }
  | { ok: false; error: Error; retry: RetryReason | undefined; health: Health; results?: readonly VerifyResult[] };

/** What a failed call means: whether another replica may succeed, and whether it counts against this replica. */
function classify(err: unknown, service: string, replica: string): Attempt {
  if (err instanceof MalformedReply) return { ok: false, error: err, retry: 'malformed', health: 'failure', results: err.results };
  const e = err as Partial<grpc.ServiceError>;
  if (typeof e.code !== 'number') return { ok: false, error: err instanceof Error ? err : new Error(messageOf(err)), retry: undefined, health: 'neutral' };
  const error = fromGrpcError(err as grpc.ServiceError, service, replica);
  switch (e.code) {
    case grpc.status.UNAVAILABLE:
      return { ok: false, error, retry: 'unavailable', health: 'failure' };
    case grpc.status.RESOURCE_EXHAUSTED:
      return { ok: false, error, retry: 'overloaded', health: 'neutral' };
    case grpc.status.INTERNAL:
      // grpc-js reports a reply it could not decode as INTERNAL "Response message parsing error".
      return { ok: false, error, retry: /parsing error/i.test(e.details ?? '') ? 'malformed' : undefined, health: 'failure' };
    case grpc.status.UNKNOWN:
    case grpc.status.UNIMPLEMENTED:
    case grpc.status.DATA_LOSS:
      return { ok: false, error, retry: undefined, health: 'failure' };
    default:
      return { ok: false, error, retry: undefined, health: 'neutral' };
  }
}

interface Chunk {
  from: number;
  to: number;
  /** The replica its last attempt failed on (a retry goes elsewhere when it can). */
  avoid?: Replica;
  retried: boolean;
}

/**
 * A service over gRPC at `target`: one or more addresses (targets.ts; `host:port`, `ipv4:a:p,b:p`,
 * `dns:[//server/]name:port`), every IP they resolve to one replica with its own channel. A call's items are cut
 * into chunks of at most `chunkItems` (smaller when that is what spreads them over every usable replica),
 * sent in parallel, at most `chunksPerReplica` per replica across calls (waiting in arrival order, so concurrent
 * requests interleave). A chunk that failed as unavailable, overloaded or malformed is sent once more, to another
 * replica when there is one, while its deadline allows. Calls always carry a deadline and never wait for a
 * connection that is known to be failing.
 */
export function grpcBackend(service: ServiceName, target: string, opts: GrpcBackendOptions = {}): VerifierBackend {
  const log = opts.log ?? noopLogger;
  const set = new ReplicaSet(service, target, parseTarget(target, service), {
    window: opts.chunksPerReplica ?? DEFAULT_REPLICA_OPTIONS.window,
    resolveIntervalMs: opts.resolveIntervalMs ?? DEFAULT_REPLICA_OPTIONS.resolveIntervalMs,
    ejectAfter: opts.ejectAfter ?? DEFAULT_REPLICA_OPTIONS.ejectAfter,
    ejectMs: opts.ejectMs ?? DEFAULT_REPLICA_OPTIONS.ejectMs,
    channelOptions: { ...CHANNEL_OPTIONS, ...opts.channelOptions },
    log,
  });
  const maxChunk = Math.max(1, opts.chunkItems ?? DEFAULT_CHUNK_ITEMS);
  const retries: Record<RetryReason, number> = { unavailable: 0, overloaded: 0, malformed: 0 };
  const attrs = { ...rpcAttributes('verimesh.v1.VerifierService', 'VerifyBatch'), 'verimesh.service': service };

  /** One VerifyBatch to one replica; never rejects. */
  const attempt = (r: Replica, items: VerifyItem[], deadline: number, signal: AbortSignal | undefined): Promise<Attempt> =>
    withClientSpan('verimesh.v1.VerifierService/VerifyBatch', new grpc.Metadata(), { ...attrs, ...addressAttributes('server', r.key), 'verimesh.items': items.length }, (md, span) =>
      new Promise<Attempt>((resolve, reject) => {
        const onAbort = (): void => call.cancel();
        const call = r.client.VerifyBatch({ items }, md, { deadline: outgoingDeadline(deadline, 60_000) }, (err, res) => {
          signal?.removeEventListener('abort', onAbort);
          span.setAttribute('rpc.grpc.status_code', err ? err.code : grpc.status.OK);
          if (err) return reject(err);
          const results = res?.results ?? [];
          if (sameKeys(items, results)) resolve({ ok: true, results });
          else reject(new MalformedReply(`${service} at ${r.key} answered ${results.length} results that do not match the ${items.length} items sent`, results));
        });
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ).catch((err: unknown) => classify(err, service, r.key));

  return {
    service,
    async verify(items, o, onChunk) {
      await set.ready;
      // Every chunk in flight or waiting for a replica listens on the request's signal (each removes its listener).
      if (o.signal) setMaxListeners(0, o.signal);
      const n = items.length;
      const size = Math.max(1, Math.min(maxChunk, Math.ceil(n / Math.max(1, set.usable()))));
      const queue: Chunk[] = [];
      for (let from = 0; from < n; from += size) queue.push({ from, to: Math.min(n, from + size), retried: false });
      let open = queue.length;
      let pumping = false;
      let finished!: () => void;
      const allDone = new Promise<void>((resolve) => (finished = resolve));
      const finish = (c: Chunk, outcome: ChunkOutcome): void => {
        onChunk(c.from, c.to, outcome);
        if (--open === 0) finished();
      };
      const send = async (c: Chunk, r: Replica): Promise<void> => {
        const deadline = stampTimeouts(items, o.deadlines, c.from, c.to);
        if (expired(deadline)) {
          set.release(r, 'neutral');
          return finish(c, { ok: false, error: new DeadlineError('the deadline passed while the chunk waited for a replica') });
        }
        const a = await attempt(r, items.slice(c.from, c.to), deadline, o.signal);
        set.release(r, a.ok ? 'ok' : a.health);
        if (a.ok) return finish(c, a);
        if (a.retry && !c.retried && !expired(deadline) && !o.signal?.aborted) {
          c.retried = true;
          c.avoid = r;
          retries[a.retry]++;
          log.debug('chunk sent again', { service, replica: r.key, reason: a.retry, items: c.to - c.from, error: a.error.message });
          queue.unshift(c);
          void pump();
          return;
        }
        // A malformed reply, twice: what it holds is matched by key and the rest reported missing (scoring.ts).
        finish(c, a.results ? { ok: true, results: a.results } : { ok: false, error: a.error });
      };
      const pump = async (): Promise<void> => {
        if (pumping) return;
        pumping = true;
        while (queue.length) {
          const c = queue.shift()!;
          let r: Replica;
          try {
            r = await set.acquire(c.avoid, o.signal);
          } catch (error) {
            for (const rest of [c, ...queue.splice(0)]) finish(rest, { ok: false, error });
            break;
          }
          void send(c, r);
        }
        pumping = false;
      };
      void pump();
      await allDone;
    },
    async describe() {
      await set.ready;
      let last: unknown = new UnavailableError(`${service} at ${target} has no replica`);
      for (const r of set.describeOrder()) {
        try {
          return await new Promise<DescribeResponse>((resolve, reject) =>
            r.client.Describe({}, { deadline: Date.now() + 5_000 }, (err, res) => (err ? reject(fromGrpcError(err, service, r.key)) : resolve(res!))),
          );
        } catch (e) {
          last = e;
        }
      }
      throw last;
    },
    close() {
      set.close();
    },
    stats: () => ({ addresses: set.keys(), replicas: set.size, ejected: set.ejectedCount(), retries }),
  };
}
