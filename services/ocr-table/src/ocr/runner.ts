// Images decoded for OCR (@verimesh/media's bounded decode), and the service's one OCR engine: created on first use, shared, its runs bounded.
import { UnavailableError, WaitQueue, lazy, messageOf, type Lazy, type Waiter } from '@verimesh/kit';
import type { Config } from '../config.js';
import type { Box } from '@verimesh/geometry';
import { decodeImage } from '@verimesh/media';
import { OcrEngine, type OcrResult, type RgbImage } from './paddle.js';

/** An image decoded for OCR: RGB, transparency flattened onto white, cropped to `region` (clipped to the image). */
async function decodeRgb(buf: Buffer, maxPixels: number, region?: Box): Promise<RgbImage> {
  const img = await decodeImage(buf, { maxPixels, colour: 'rgb', background: '#ffffff', ...(region ? { region } : {}) });
  return { data: img.data, width: img.width, height: img.height };
}

interface Job {
  buf: Buffer;
  maxPixels: number;
  region: Box | undefined;
}

/**
 * The service's OCR: one engine (sessions created once, on first use), a bounded queue of images, and
 * `ocrConcurrency` workers that each take up to `ocrBatchImages` queued images at a time, so that their text lines
 * share recognition batches. At most concurrency × batch decoded images are in memory.
 */
export class OcrRunner {
  /** Providers in use and the reason for a CPU fallback, once the engine is loaded (for Describe). */
  status: { providers?: string[]; fallback?: string } = {};
  private readonly queue: WaitQueue<OcrResult, Job>;
  private running = 0;
  /** The engine, created once; a failed creation is retried on the next call, and reported as unavailable. */
  readonly load: Lazy<OcrEngine>;

  constructor(
    private readonly config: Pick<Config, 'ortProviders' | 'ortThreads' | 'detMaxSide' | 'recBatch' | 'ocrConcurrency' | 'ocrQueue' | 'ocrBatchImages'>,
  ) {
    this.queue = new WaitQueue(config.ocrQueue, (n) => `OCR overloaded: ${n} images queued (VERIMESH_OCR_TABLE_OCR_QUEUE ${config.ocrQueue})`);
    this.load = lazy(async () => {
      try {
        const engine = await OcrEngine.create({ providers: this.providers(), threads: config.ortThreads, detMaxSide: config.detMaxSide, recBatch: config.recBatch });
        this.status = { providers: engine.providers, ...(engine.fallback ? { fallback: engine.fallback } : {}) };
        return engine;
      } catch (e) {
        throw new UnavailableError(`OCR models could not be loaded with providers ${this.providers().join(',')}: ${messageOf(e)}`);
      }
    });
  }

  /** onnxruntime's names for the configured providers ("cuda" → CUDA then CPU). */
  providers(): string[] {
    const out: string[] = [];
    for (const p of this.config.ortProviders.map((x) => x.toLowerCase())) if (!out.includes(p)) out.push(p);
    if (!out.includes('cpu')) out.push('cpu');
    return out;
  }

  /** Images waiting for a worker, and workers busy (for metrics: verimesh_pool_queued / _busy{pool="ocr_session"}). */
  get queued(): number {
    return this.queue.length;
  }
  get busy(): number {
    return this.running;
  }
  get capacity(): number {
    return this.config.ocrConcurrency;
  }
  get refusals(): number {
    return this.queue.refusals;
  }

  /**
   * Decodes (header checked first) and OCRs an encoded image, queued with other items' images. Decoding problems
   * reject with ImageError; a full queue with ResourceExhaustedError; an item whose signal fires leaves the queue.
   */
  async recognizeEncoded(buf: Buffer, maxPixels: number, region: Box | undefined, signal?: AbortSignal): Promise<OcrResult> {
    await this.load();
    const result = this.queue.wait(signal, { buf, maxPixels, region });
    this.pump();
    return result;
  }

  private pump(): void {
    while (this.running < this.config.ocrConcurrency && this.queue.length > 0) {
      const jobs: Array<Waiter<OcrResult, Job>> = [];
      while (jobs.length < this.config.ocrBatchImages) {
        const w = this.queue.take();
        if (!w) break;
        jobs.push(w);
      }
      this.running++;
      void this.runJobs(jobs).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async runJobs(jobs: Array<Waiter<OcrResult, Job>>): Promise<void> {
    const ready: Array<{ job: Waiter<OcrResult, Job>; img: RgbImage }> = [];
    for (const job of jobs) {
      try {
        ready.push({ job, img: await decodeRgb(job.payload.buf, job.payload.maxPixels, job.payload.region) });
      } catch (e) {
        job.reject(e);
      }
    }
    if (ready.length === 0) return;
    try {
      const engine = await this.load();
      const results = await engine.recognizeMany(ready.map((r) => r.img));
      ready.forEach((r, k) => r.job.resolve(results[k]!));
    } catch (e) {
      for (const r of ready) r.job.reject(e);
    }
  }

  async close(): Promise<void> {
    const e = this.load.reset();
    if (e) await (await e.catch(() => undefined))?.close();
  }
}
