// The math_worker pool: a fixed number of worker threads behind a bounded queue. An item that overruns its deadline (a
// pathological answer the engine cannot finish) has its worker terminated and replaced; the service keeps serving.
import { Worker } from 'node:worker_threads';
import { BoundedPool, DeadlineError, InternalError, UnavailableError, atDeadline, deadlineAfter, minDeadline, type Deadline } from '@verimesh/kit';
import type { Job, Verdict } from './judge.js';
import type { Reply, Request } from './worker.js';

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

export interface PoolOptions {
  /** Worker threads (items judged at once). */
  workers: number;
  /** Items waiting for a worker beyond which more are refused as overloaded. */
  queue: number;
  /** V8 old-generation limit of each worker (MiB): an answer that would take more kills only its worker. */
  memoryMb: number;
}

class Slot {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  dead = false;
  constructor(memoryMb: number) {
    this.worker = new Worker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: memoryMb } });
    this.worker.once('exit', () => {
      this.dead = true;
    });
    // A worker never keeps the process alive (the CLI exits when its work is done).
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }): void => {
        if (!m.ready) return;
        this.worker.off('message', onMessage);
        resolve();
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`exited with code ${code} while starting`)));
    });
    this.ready.catch(() => {});
  }
}

export class MathPool {
  private readonly gate: BoundedPool;
  private readonly idle: Slot[] = [];
  private readonly all = new Set<Slot>();
  private nextId = 0;
  private stopped = false;
  /** Workers terminated for overrunning a deadline or dying (for Describe and, later, metrics). */
  replaced = 0;

  constructor(private readonly opts: PoolOptions) {
    this.gate = new BoundedPool(opts.workers, opts.queue);
  }

  get busy(): number {
    return this.gate.active;
  }
  get capacity(): number {
    return this.opts.workers;
  }
  get queued(): number {
    return this.gate.queued;
  }
  get refusals(): number {
    return this.gate.refusals;
  }

  /** Starts every worker and waits until each has loaded the engine. */
  async warm(): Promise<void> {
    while (this.idle.length < this.opts.workers - this.gate.active) this.idle.push(this.spawn());
    await Promise.all(this.idle.map((s) => s.ready));
  }

  /**
   * Judges one item on a worker within `budgetMs` of the worker taking it (a worker's start is not charged) and before
   * `deadline` (ms since epoch, the call's or the item's). Overrun or cancelled (`signal`): the worker is
   * terminated and replaced, and the item fails with DeadlineError (status timeout). A full queue: the kit's
   * ResourceExhaustedError "overloaded" (status unavailable, PLAN D3).
   */
  run(job: Job, budgetMs: number, deadline: Deadline, signal: AbortSignal): Promise<Verdict> {
    if (this.stopped) return Promise.reject(new UnavailableError('the math service is stopping'));
    return this.gate.run(() => this.onWorker(job, budgetMs, deadline, signal), signal);
  }

  private async onWorker(job: Job, budgetMs: number, deadline: Deadline, signal: AbortSignal): Promise<Verdict> {
    let slot = this.idle.pop();
    while (slot?.dead) {
      this.all.delete(slot);
      slot = this.idle.pop();
    }
    slot ??= this.spawn();
    try {
      await slot.ready;
    } catch (e) {
      this.all.delete(slot);
      void slot.worker.terminate();
      throw new InternalError(`a math worker failed to start: ${e instanceof Error ? e.message : String(e)}`);
    }
    const id = ++this.nextId;
    return new Promise<Verdict>((resolve, reject) => {
      const done = (): void => {
        cancelTimer();
        slot.worker.off('message', onMessage);
        slot.worker.off('exit', onExit);
        signal.removeEventListener('abort', onAbort);
      };
      const kill = (err: Error): void => {
        done();
        this.replaced++;
        this.all.delete(slot);
        void slot.worker.terminate();
        if (!this.stopped) this.idle.push(this.spawn());
        reject(err);
      };
      const onMessage = (m: Reply): void => {
        if (m.id !== id) return;
        done();
        this.idle.push(slot);
        if (m.verdict) resolve(m.verdict);
        else reject(new InternalError(`math worker failed: ${m.error ?? 'no verdict'}`));
      };
      const onExit = (code: number): void => kill(new InternalError(`a math worker died (exit code ${code}; memory limit ${this.opts.memoryMb} MiB?)`));
      const onAbort = (): void => kill(signal.reason instanceof Error ? signal.reason : new DeadlineError('math.equiv was cancelled'));
      const cancelTimer = atDeadline(minDeadline(deadline, deadlineAfter(budgetMs)), () =>
        kill(new DeadlineError('math.equiv did not finish before its deadline; its worker was replaced')),
      );
      slot.worker.on('message', onMessage);
      slot.worker.once('exit', onExit);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      slot.worker.postMessage({ id, job } satisfies Request);
    });
  }

  private spawn(): Slot {
    const slot = new Slot(this.opts.memoryMb);
    this.all.add(slot);
    return slot;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.idle.length = 0;
    const all = [...this.all];
    this.all.clear();
    await Promise.all(all.map((s) => s.worker.terminate()));
  }
}
