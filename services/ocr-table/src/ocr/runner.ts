// Image decoding with limits, and the service's one OCR engine: created on first use, shared, its runs bounded.
import { BoundedPool, UnavailableError, messageOf } from '@verimesh/kit';
import sharp from 'sharp';
import type { Config } from '../config.js';
import { OcrEngine, type OcrResult, type RgbImage } from './engine.js';

/** An image that cannot be used; whose fault it is depends on where it came from. */
export class ImageError extends Error {}

export type Box = [number, number, number, number];

/**
 * Decodes an image to RGB (transparency flattened onto white), optionally cropped to a box clipped to the image.
 * The header is read first, so a huge declared size is refused before any pixel is decoded.
 */
export async function decodeImage(buf: Buffer, maxPixels: number, region?: Box): Promise<RgbImage> {
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
    if (x2 - x1 < 1 || y2 - y1 < 1) throw new ImageError(`region [${region.join(', ')}] is outside the ${width}×${height} image or empty`);
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

export class OcrRunner {
  private engine: Promise<OcrEngine> | undefined;
  /** Providers in use and the reason for a CPU fallback, once the engine is loaded (for Describe). */
  status: { providers?: string[]; fallback?: string } = {};
  private readonly pool: BoundedPool;

  constructor(private readonly config: Pick<Config, 'ortProviders' | 'ortThreads' | 'detMaxSide' | 'recBatch' | 'ocrConcurrency' | 'ocrQueue'>) {
    this.pool = new BoundedPool(config.ocrConcurrency, config.ocrQueue);
  }

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

  async recognize(img: RgbImage, signal?: AbortSignal): Promise<OcrResult> {
    const engine = await this.load();
    return this.pool.run(() => engine.recognize(img), signal);
  }

  /**
   * Decodes (header checked first) and OCRs an encoded image inside the pool, so that at most `ocrConcurrency`
   * decoded images are in memory at once. Decoding problems throw ImageError.
   */
  async recognizeEncoded(buf: Buffer, maxPixels: number, region: Box | undefined, signal?: AbortSignal): Promise<OcrResult> {
    const engine = await this.load();
    return this.pool.run(async () => engine.recognize(await decodeImage(buf, maxPixels, region)), signal);
  }

  async close(): Promise<void> {
    const e = this.engine;
    this.engine = undefined;
    if (e) await (await e.catch(() => undefined))?.close();
  }
}
