// Warm HiGHS worker threads with a hard time limit: a worker that overruns is terminated and replaced.
import { Worker } from 'node:worker_threads';
import { WaitQueue, abortReason, atDeadline, deadlineAfter } from '@verimesh/kit';

export interface LpSolveResult {
  status: string;
  objective?: number;
  sense?: 'min' | 'max';
  rows?: number;
  cols?: number;
  error?: string;
}

const WORKER_URL = new URL('./worker.mjs', import.meta.url);

class LpWorker {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  constructor() {
    this.worker = new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: 512 } });
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m: { ready?: boolean }): void => {
        if (m.ready) {
          this.worker.off('message', onMsg);
          resolve();
        }
      };
      this.worker.on('message', onMsg);
      this.worker.once('error', reject);
    });
    this.ready.catch(() => {});
  }
}

/**
 * A fixed number of warm HiGHS workers. A solve takes an idle worker or waits for one in a bounded, abort-aware queue
 * (the kit's WaitQueue): a full queue refuses at once with ResourceExhaustedError (component status `unavailable`,
 * PLAN D3), and an item whose signal fires leaves the queue.
 */
export class LpPool {
  private readonly idle: LpWorker[] = [];
  private readonly waiting: WaitQueue<LpWorker>;
  private created = 0;
  private nextId = 0;
  private stopped = false;
  replaced = 0;

  constructor(
    private readonly size: number,
    queue: number,
  ) {
    this.waiting = new WaitQueue(queue, (q, c) => `overloaded: ${this.size} HiGHS workers busy and ${q} solves waiting (limit ${c}); retry with backoff`);
  }

  /** Solves waiting for a worker now (metrics: verimesh_pool_queued{pool="lp_worker"}). */
  get queued(): number {
    return this.waiting.length;
  }

  get busy(): number {
    return this.created - this.idle.length;
  }

  warm(): void {
    while (this.created < this.size) {
      this.created++;
      this.idle.push(new LpWorker());
    }
  }

  async solve(text: string, format: 'lp' | 'mps', timeLimitMs: number, signal?: AbortSignal): Promise<LpSolveResult> {
    if (signal?.aborted) throw abortReason(signal);
    this.warm();
    const w = this.idle.pop() ?? (await this.waiting.wait(signal));
    let next: LpWorker | undefined = w;
    try {
      const r = await this.runOn(w, text, format, timeLimitMs, signal);
      next = r.keep ? w : this.replace(w);
      return r.result;
    } catch (e) {
      next = this.replace(w);
      throw e;
    } finally {
      if (next && !this.stopped && !this.waiting.wake(next)) this.idle.push(next);
    }
  }

  private replace(w: LpWorker): LpWorker {
    void w.worker.terminate();
    this.replaced++;
    return new LpWorker();
  }

  /** One solve on a worker; `keep` is false when the worker must be replaced (overran, died, or threw inside HiGHS). */
  private async runOn(w: LpWorker, text: string, format: 'lp' | 'mps', timeLimitMs: number, signal?: AbortSignal): Promise<{ result: LpSolveResult; keep: boolean }> {
    try {
      await w.ready;
    } catch (e) {
      throw new Error(`HiGHS worker failed to start: ${(e as Error).message}`);
    }
    if (signal?.aborted) throw abortReason(signal, 'aborted while solving');
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      // HiGHS gets the time limit itself; the worker is cut a little later if it does not come back (a stuck parse).
      const cancel = atDeadline(deadlineAfter(timeLimitMs + 1000), () => {
        cleanup();
        resolve({ result: { status: 'timeout', error: `no answer within ${timeLimitMs} ms` }, keep: false });
      });
      const onAbort = (): void => {
        cleanup();
        reject(abortReason(signal!, 'aborted while solving'));
      };
      const onMsg = (m: LpSolveResult & { id?: number }): void => {
        if (m.id !== id) return;
        cleanup();
        // An exception inside the WebAssembly module may leave it broken: start a fresh one.
        resolve({ result: m, keep: !m.error });
      };
      const onExit = (): void => {
        cleanup();
        resolve({ result: { status: 'error', error: 'HiGHS worker exited' }, keep: false });
      };
      const cleanup = (): void => {
        cancel();
        signal?.removeEventListener('abort', onAbort);
        w.worker.off('message', onMsg);
        w.worker.off('exit', onExit);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      w.worker.on('message', onMsg);
      w.worker.once('exit', onExit);
      w.worker.postMessage({ id, text, format, timeLimitS: timeLimitMs / 1000 });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.rejectAll(new Error('the HiGHS pool is stopping'));
    const all = this.idle.splice(0);
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
}
