// Image decoding with limits, and the service's one OCR engine: created on first use, shared, its runs bounded.
import { ResourceExhaustedError, UnavailableError, messageOf } from '@verimesh/kit';
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
  resolve: (r: OcrResult) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * The service's OCR: one engine (sessions created once), a bounded queue of images, and `ocrConcurrency` workers
 * that each take up to `ocrBatchImages` queued images at a time, so that their text lines share recognition batches.
 * At most concurrency × batch decoded images are in memory.
 */
export class OcrRunner {
  private engine: Promise<OcrEngine> | undefined;
  /** Providers in use and the reason for a CPU fallback, once the engine is loaded (for Describe). */
  status: { providers?: string[]; fallback?: string } = {};
  private readonly queue: Job[] = [];
  private running = 0;

  constructor(
    private readonly config: Pick<Config, 'ortProviders' | 'ortThreads' | 'detMaxSide' | 'recBatch' | 'ocrConcurrency' | 'ocrQueue' | 'ocrBatchImages'>,
  ) {}

  /** onnxruntime's names for the configured providers ("cuda" → CUDA then CPU). */
  providers(): string[] {
    const out: string[] = [];
    for (const p of this.config.ortProviders.map((x) => x.toLowerCase())) if (!out.includes(p)) out.push(p);
    if (!out.includes('cpu')) out.push('cpu');
    return out;
  }

  /** The engine, created once; a failed creation is retried on the next call, and reported as unavailable. */
  load(): Promise<OcrEngine> {
    if (!this.engine) {
      this.engine = OcrEngine.create({ providers: this.providers(), threads: this.config.ortThreads, detMaxSide: this.config.detMaxSide, recBatch: this.config.recBatch })
        .then((engine) => {
          this.status = { providers: engine.providers, ...(engine.fallback ? { fallback: engine.fallback } : {}) };
          return engine;
        })
        .catch((e: unknown) => {
          this.engine = undefined;
          throw new UnavailableError(`OCR models could not be loaded with providers ${this.providers().join(',')}: ${messageOf(e)}`);
        });
    }
    return this.engine;
  }

  /**
   * Decodes (header checked first) and OCRs an encoded image, queued with other items' images. Decoding problems
   * reject with ImageError; a full queue with ResourceExhaustedError.
   */
  async recognizeEncoded(buf: Buffer, maxPixels: number, region: Box | undefined, signal?: AbortSignal): Promise<OcrResult> {
    await this.load();
    if (this.queue.length >= this.config.ocrQueue) {
      throw new ResourceExhaustedError(`OCR overloaded: ${this.queue.length} images queued (VERIMESH_OCR_TABLE_OCR_QUEUE ${this.config.ocrQueue})`);
    }
    return new Promise<OcrResult>((resolve, reject) => {
      const job: Job = { buf, maxPixels, region, resolve, reject };
      if (signal) {
        job.signal = signal;
        job.onAbort = () => {
          const i = this.queue.indexOf(job);
          if (i >= 0) {
            this.queue.splice(i, 1);
            reject(signal.reason instanceof Error ? signal.reason : new Error('aborted while queued'));
          }
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.config.ocrConcurrency && this.queue.length > 0) {
      const jobs = this.queue.splice(0, this.config.ocrBatchImages);
      for (const j of jobs) if (j.onAbort) j.signal?.removeEventListener('abort', j.onAbort);
      this.running++;
      void this.runJobs(jobs).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async runJobs(jobs: Job[]): Promise<void> {
    const ready: Array<{ job: Job; img: RgbImage }> = [];
    for (const job of jobs) {
      try {
        ready.push({ job, img: await decodeImage(job.buf, job.maxPixels, job.region) });
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
    const e = this.engine;
    this.engine = undefined;
    if (e) await (await e.catch(() => undefined))?.close();
  }
}
