// Image decoding with limits, and the service's one OCR engine: created on first use, shared, its runs bounded.
import { UnavailableError, WaitQueue, lazy, messageOf, type Lazy, type Waiter } from '@verimesh/kit';
import sharp from 'sharp';
import type { Config } from '../config.js';
import { OcrEngine, type Box, type OcrResult, type RgbImage } from './engine.js';

/** An image that cannot be used (`part` "image"), or a region that misses it ("region"); the caller decides whose fault. */
export class ImageError extends Error {
  constructor(
    message: string,
    readonly part: 'image' | 'region' = 'image',
  ) {
    super(message);
  }
}

export type { Box } from './engine.js';

/**
 * Decodes an image to RGB (transparency flattened onto white), optionally cropped to a box clipped to the image.
 * The header is read first, so a huge declared size is refused before any pixel is decoded.
 */
async function decodeImage(buf: Buffer, maxPixels: number, region?: Box): Promise<RgbImage> {
  let width: number | undefined;
  let height: number | undefined;
  try {
    const meta = await sharp(buf, { limitInputPixels: false }).metadata();
    width = meta.width;
    height = meta.height;
  } catch (e) {
    throw new ImageError(`not a readable image (${messageOf(e)})`);
  }
  if (!width || !height) throw new ImageError('not a readable image (no size in its header)');
  if (width * height > maxPixels) throw new ImageError(`image is ${width}×${height}, more than the ${maxPixels}-pixel limit`);
  let pipeline = sharp(buf, { limitInputPixels: maxPixels, failOn: 'error' });
  if (region) {
    const x1 = Math.max(0, Math.floor(Math.min(region[0], region[2])));
    const y1 = Math.max(0, Math.floor(Math.min(region[1], region[3])));
    const x2 = Math.min(width, Math.ceil(Math.max(region[0], region[2])));
    const y2 = Math.min(height, Math.ceil(Math.max(region[1], region[3])));
    if (x2 - x1 < 1 || y2 - y1 < 1) throw new ImageError(`region [${region.join(', ')}] is outside the ${width}×${height} image or empty`, 'region');
    pipeline = pipeline.extract({ left: x1, top: y1, width: x2 - x1, height: y2 - y1 });
  }
  try {
    const { data, info } = await pipeline.flatten({ background: '#ffffff' }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { data, width: info.width, height: info.height };
  } catch (e) {
    throw new ImageError(`image could not be decoded (${messageOf(e)})`);
  }
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
        ready.push({ job, img: await decodeImage(job.payload.buf, job.payload.maxPixels, job.payload.region) });
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
