// Warm HiGHS worker threads with a hard time limit: a worker that overruns is terminated and replaced.
import { Worker } from 'node:worker_threads';

export interface LpSolveResult {
  status: string;
  objective?: number;
  sense?: 'min' | 'max';
  rows?: number;
  cols?: number;
  error?: string;
}

interface Job {
  id: number;
  text: string;
  format: 'lp' | 'mps';
  timeLimitMs: number;
  resolve: (r: LpSolveResult) => void;
  reject: (e: Error) => void;
}

const WORKER_URL = new URL('./worker.mjs', import.meta.url);

class LpWorker {
  worker: Worker;
  ready: Promise<void>;
  busy = false;
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

/** A fixed number of warm HiGHS workers; jobs queue (bounded by the caller's admission) and each has a deadline. */
export class LpPool {
  private readonly workers: LpWorker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  replaced = 0;

  constructor(private readonly size: number) {}

  warm(): void {
    while (this.workers.length < this.size) this.workers.push(new LpWorker());
  }

  solve(text: string, format: 'lp' | 'mps', timeLimitMs: number): Promise<LpSolveResult> {
    this.warm();
    return new Promise((resolve, reject) => {
      this.queue.push({ id: ++this.nextId, text, format, timeLimitMs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (let i = 0; i < this.workers.length && this.queue.length; i++) {
      const w = this.workers[i]!;
      if (w.busy) continue;
      const job = this.queue.shift()!;
      w.busy = true;
      void this.runOn(i, w, job);
    }
  }

  private replace(i: number, w: LpWorker): void {
    void w.worker.terminate();
    this.replaced++;
    this.workers[i] = new LpWorker();
  }

  private async runOn(i: number, w: LpWorker, job: Job): Promise<void> {
    try {
      await w.ready;
    } catch (e) {
      this.replace(i, w);
      job.reject(new Error(`HiGHS worker failed to start: ${(e as Error).message}`));
      this.pump();
      return;
    }
    const result = await new Promise<LpSolveResult>((resolve) => {
      // HiGHS gets the time limit itself; the worker is cut a little later if it does not come back (a stuck parse).
      const timer = setTimeout(() => {
        cleanup();
        this.replace(i, w);
        resolve({ status: 'timeout', error: `no answer within ${job.timeLimitMs} ms` });
      }, job.timeLimitMs + 1000);
      const onMsg = (m: LpSolveResult & { id?: number }): void => {
        if (m.id !== job.id) return;
        cleanup();
        // An exception inside the WebAssembly module may leave it broken: start a fresh one.
        if (m.error) this.replace(i, w);
        else w.busy = false;
        resolve(m);
      };
      const onExit = (): void => {
        cleanup();
        this.replace(i, w);
        resolve({ status: 'error', error: 'HiGHS worker exited' });
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        w.worker.off('message', onMsg);
        w.worker.off('exit', onExit);
      };
      w.worker.on('message', onMsg);
      w.worker.once('exit', onExit);
      w.worker.postMessage({ id: job.id, text: job.text, format: job.format, timeLimitS: job.timeLimitMs / 1000 });
    });
    job.resolve(result);
    this.pump();
  }

  async stop(): Promise<void> {
    const all = this.workers.splice(0);
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
}
