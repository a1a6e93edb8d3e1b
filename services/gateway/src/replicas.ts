// The replicas of one remote service: resolved from its addresses (and re-resolved on a period and after failures),
// one gRPC channel per replica, at most `window` chunks in flight on each, failing replicas ejected for a while.
import * as grpc from '@grpc/grpc-js';
import { UnavailableError, abortReason, messageOf, noopLogger, type Logger } from '@verimesh/kit';
import { loadPackage, type ServiceName, type VerifierServiceClient } from '@verimesh/proto';
import { grpcTargetOf, isDynamic, resolveAddresses, type Address, type ReplicaAddress } from './targets.js';

export interface ReplicaOptions {
  /** Chunks in flight on one replica at once (across requests). */
  window: number;
  /** How often names are resolved again (ms). */
  resolveIntervalMs: number;
  /** Consecutive failed calls after which a replica is ejected. */
  ejectAfter: number;
  /** First ejection time (ms); doubles with each ejection in a row, at most 32 times. */
  ejectMs: number;
  channelOptions: grpc.ChannelOptions;
  log: Logger;
}

export const DEFAULT_REPLICA_OPTIONS: Omit<ReplicaOptions, 'channelOptions'> = {
  window: 2,
  resolveIntervalMs: 10_000,
  ejectAfter: 3,
  ejectMs: 10_000,
  log: noopLogger,
};

/** What a finished call says about the replica's health (outlier ejection counts `failure`s in a row). */
export type Health = 'ok' | 'failure' | 'neutral';

export class Replica {
  readonly client: VerifierServiceClient;
  /** Chunks in flight now. */
  inFlight = 0;
  /** Failed calls in a row. */
  failures = 0;
  /** Ejections in a row (reset by a success). */
  ejections = 0;
  ejectedUntil = 0;
  removed = false;
  constructor(
    readonly address: ReplicaAddress,
    channelOptions: grpc.ChannelOptions,
  ) {
    const Ctor = loadPackage().verimesh.v1.VerifierService;
    this.client = new Ctor(grpcTargetOf(address), grpc.credentials.createInsecure(), channelOptions);
  }
  get key(): string {
    return this.address.key;
  }
  ejected(now: number): boolean {
    return this.ejectedUntil > now;
  }
  /** The channel is known to be failing (a call now would fail at once). Also starts connecting an idle channel. */
  failing(): boolean {
    return this.client.getChannel().getConnectivityState(true) === grpc.connectivityState.TRANSIENT_FAILURE;
  }
}

interface Waiter {
  avoid: Replica | undefined;
  resolve: (r: Replica) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * The replica set. `acquire` hands out a replica with room in its window (waiting, in arrival order, while every
 * usable one is full), preferring replicas that are neither ejected nor failing and, for a retry, another replica
 * than the one that failed; `release` returns the slot and records the call's health.
 *
 * Ejection rule: `ejectAfter` failed calls in a row (unreachable, malformed replies, internal errors: not overload,
 * not deadlines, not the caller's own errors) eject a replica for ejectMs · 2^(k-1) (k = ejections in a row, at most
 * 32 · ejectMs), unless it is the last replica not ejected. Back from ejection, one more failure ejects it again; a
 * success clears the record. Ejected replicas still serve when nothing else can.
 */
export class ReplicaSet {
  private replicas: Replica[] = [];
  private readonly waiters: Waiter[] = [];
  private rotation = 0;
  private lastResolve = 0;
  private resolving: Promise<void> | undefined;
  private lastError = '';
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Settles after the first resolution (whatever its outcome). */
  readonly ready: Promise<void>;

  constructor(
    readonly service: ServiceName,
    readonly target: string,
    private readonly addresses: readonly Address[],
    private readonly opts: ReplicaOptions,
  ) {
    this.ready = this.resolve();
    if (isDynamic(addresses)) {
      this.timer = setInterval(() => void this.resolve(), opts.resolveIntervalMs);
      this.timer.unref();
    }
  }

  get size(): number {
    return this.replicas.length;
  }

  /** Replicas that would be picked first now (not ejected, not failing); at least 1 for chunk sizing. */
  usable(now = Date.now()): number {
    return this.replicas.filter((r) => !r.ejected(now) && !r.failing()).length;
  }

  ejectedCount(now = Date.now()): number {
    return this.replicas.filter((r) => r.ejected(now)).length;
  }

  /** Every replica, the ones a call would pick first first (for Describe). */
  describeOrder(): Replica[] {
    const now = Date.now();
    const rank = (r: Replica): number => (r.ejected(now) ? 2 : r.failing() ? 1 : 0);
    return [...this.replicas].sort((a, b) => rank(a) - rank(b));
  }

  /** Replica keys now (tests, logs). */
  keys(): string[] {
    return this.replicas.map((r) => r.key);
  }

  /** Resolves the addresses again unless that was done less than `minGapMs` ago; failures keep the current set. */
  resolve(minGapMs = 0): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.resolving) return this.resolving;
    if (Date.now() - this.lastResolve < minGapMs) return Promise.resolve();
    this.lastResolve = Date.now();
    this.resolving = resolveAddresses(this.addresses)
      .then(
        (found) => {
          this.lastError = '';
          this.update(found);
        },
        (e: unknown) => {
          const msg = messageOf(e);
          if (msg !== this.lastError) this.opts.log.warn('service address did not resolve; keeping the replicas it had', { service: this.service, target: this.target, error: msg, replicas: this.replicas.length });
          this.lastError = msg;
        },
      )
      .finally(() => {
        this.resolving = undefined;
        this.dispatch();
      });
    return this.resolving;
  }

  /** After a failure: resolve again soon (at most once a second, or once per period when that is shorter). */
  resolveSoon(): void {
    void this.resolve(Math.min(1_000, this.opts.resolveIntervalMs));
  }

  private update(found: readonly ReplicaAddress[]): void {
    if (this.closed) return;
    const keep = new Map(this.replicas.map((r) => [r.key, r]));
    const next: Replica[] = [];
    for (const a of found) {
      const had = keep.get(a.key);
      keep.delete(a.key);
      if (had) next.push(had);
      else {
        const r = new Replica(a, this.opts.channelOptions);
        r.failing(); // starts connecting now, so the first chunk does not wait for it
        next.push(r);
      }
    }
    const added = next.filter((r) => !this.replicas.includes(r)).map((r) => r.key);
    for (const r of keep.values()) {
      r.removed = true;
      if (r.inFlight === 0) r.client.close();
    }
    if (added.length || keep.size) {
      this.opts.log.info('service replicas', { service: this.service, replicas: next.map((r) => r.key), added, removed: [...keep.keys()] });
    }
    this.replicas = next;
  }

  /**
   * A replica with room for one more chunk, for a chunk that last failed on `avoid` (if any). Rejects with
   * UnavailableError when the service has no replica at all, or with the signal's reason when it fires while waiting.
   */
  acquire(avoid?: Replica, signal?: AbortSignal): Promise<Replica> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.replicas.length === 0) return Promise.reject(this.noReplica());
    const r = this.waiters.length === 0 ? this.pick(avoid) : undefined;
    if (r) {
      r.inFlight++;
      return Promise.resolve(r);
    }
    return new Promise<Replica>((resolve, reject) => {
      const w: Waiter = { avoid, resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiters.push(w);
    });
  }

  /** Returns a slot; `health` feeds outlier ejection. */
  release(r: Replica, health: Health): void {
    r.inFlight--;
    const now = Date.now();
    if (health === 'ok') {
      r.failures = 0;
      r.ejections = 0;
    } else if (health === 'failure') {
      r.failures++;
      if (r.failures >= this.opts.ejectAfter && !r.ejected(now) && this.replicas.some((o) => o !== r && !o.removed && !o.ejected(now))) {
        r.ejections++;
        const ms = this.opts.ejectMs * 2 ** Math.min(r.ejections - 1, 5);
        r.ejectedUntil = now + ms;
        // Back from ejection on probation: one more failure ejects it again, for longer.
        r.failures = this.opts.ejectAfter - 1;
        this.opts.log.warn('replica ejected', { service: this.service, replica: r.key, ejected_ms: ms, ejections: r.ejections });
      }
      this.resolveSoon();
    }
    if (r.removed && r.inFlight === 0) r.client.close();
    this.dispatch();
  }

  /** The replica the next call should go to, or undefined when every usable one is full. */
  private pick(avoid: Replica | undefined): Replica | undefined {
    const now = Date.now();
    let pool = this.replicas;
    if (avoid && pool.some((r) => r !== avoid)) pool = pool.filter((r) => r !== avoid);
    // Tiers: healthy; then not ejected (its channel is failing); then anything (every replica is ejected).
    let tier = pool.filter((r) => !r.ejected(now) && !r.failing());
    if (tier.length === 0) tier = pool.filter((r) => !r.ejected(now));
    if (tier.length === 0) tier = pool;
    let best: Replica | undefined;
    const n = tier.length;
    const start = this.rotation++ % n;
    for (let i = 0; i < n; i++) {
      const r = tier[(start + i) % n]!;
      if (r.inFlight < this.opts.window && (!best || r.inFlight < best.inFlight)) best = r;
    }
    return best;
  }

  private dispatch(): void {
    if (this.replicas.length === 0) {
      for (const w of this.waiters.splice(0)) this.settle(w).reject(this.noReplica());
      return;
    }
    while (this.waiters.length) {
      const w = this.waiters[0]!;
      const r = this.pick(w.avoid);
      if (!r) return;
      this.waiters.shift();
      r.inFlight++;
      this.settle(w).resolve(r);
    }
  }

  private settle(w: Waiter): Waiter {
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
    return w;
  }

  private noReplica(): UnavailableError {
    this.resolveSoon();
    return new UnavailableError(`${this.service} at ${this.target} has no replica (the address resolved to none${this.lastError ? `: ${this.lastError}` : ''})`);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of this.waiters.splice(0)) this.settle(w).reject(new UnavailableError(`${this.service}: the gateway is closing`));
    for (const r of this.replicas) r.client.close();
    this.replicas = [];
  }
}
