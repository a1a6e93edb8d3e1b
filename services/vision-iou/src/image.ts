// Image headers (size without decoding) and PNG/JPEG masks decoded and binarized with sharp.
import sharp from 'sharp';
import { loadMedia, mediaPath } from '@verimesh/kit';
import type { MediaJson } from '@verimesh/proto';
import { rleEncode, type Rle } from '@verimesh/geometry';
import type { Config } from './config.js';

/** A problem with an image's bytes; whose fault it is depends on whose image it was (SPEC 4.1). */
export class ImageError extends Error {
  override readonly name = 'ImageError';
}

async function bytesOrPath(media: MediaJson, field: string, cfg: Config, signal?: AbortSignal): Promise<Buffer | string> {
  // A local file goes to sharp by path so that a header read touches only the first bytes.
  if (!media.data_b64 && media.uri && !/^https?:\/\//i.test(media.uri)) return mediaPath(media, field);
  return loadMedia(media, { maxBytes: cfg.maxImageBytes, field, ...(signal ? { signal } : {}) });
}

/** Width and height from the image header (sharp `metadata()`, no pixel decoded). */
export async function imageSize(media: MediaJson, field: string, cfg: Config, signal?: AbortSignal): Promise<{ width: number; height: number }> {
  const src = await bytesOrPath(media, field, cfg, signal);
  let meta: sharp.Metadata;
  try {
    meta = await sharp(src, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageError(`${field} is not a readable image: ${(e as Error).message}`);
  }
  if (!meta.width || !meta.height) throw new ImageError(`${field} has no width/height in its header`);
  // EXIF orientations 5–8 swap the displayed axes; models see the displayed image.
  const swap = (meta.orientation ?? 1) >= 5;
  return swap ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
}

export interface MaskSource {
  data_b64?: string;
  uri?: string;
  mime?: string;
}

/**
 * A PNG/JPEG (any sharp format) mask as RLE: alpha composited over black, converted to grey, and a pixel is
 * foreground when its grey value is above `threshold` (default: > 0 for lossless formats, > 127 for JPEG,
 * whose compression noise would otherwise turn background into foreground). The header is checked against
 * `maxMaskPixels` before anything is decoded.
 */
export async function maskFromImage(src: MaskSource, field: string, cfg: Config, threshold?: number, signal?: AbortSignal): Promise<Rle> {
  const media: MediaJson = { kind: 'image', role: 'input' };
  if (src.data_b64) media.data_b64 = src.data_b64;
  if (src.uri) media.uri = src.uri;
  let input: Buffer | string;
  try {
    input = await bytesOrPath(media, field, cfg, signal);
  } catch (e) {
    throw new ImageError((e as Error).message);
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageError(`${field} is not a readable image: ${(e as Error).message}`);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (!w || !h) throw new ImageError(`${field} has no width/height in its header`);
  if (w * h > cfg.maxMaskPixels) throw new ImageError(`${field} is ${w}x${h} = ${w * h} pixels, above the ${cfg.maxMaskPixels}-pixel mask limit`);
  const thr = threshold ?? (meta.format === 'jpeg' ? 127 : 0);
  let data: Buffer;
  let channels: number;
  try {
    const out = await sharp(input, { limitInputPixels: cfg.maxMaskPixels, failOn: 'error' })
      .flatten({ background: '#000000' })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    data = out.data;
    channels = out.info.channels;
    if (out.info.width !== w || out.info.height !== h) throw new Error(`decoded ${out.info.width}x${out.info.height}, header said ${w}x${h}`);
  } catch (e) {
    throw new ImageError(`${field} could not be decoded: ${(e as Error).message}`);
  }
  const bm = new Uint8Array(w * h);
  for (let i = 0, j = 0; i < bm.length; i++, j += channels) bm[i] = (data[j] as number) > thr ? 1 : 0;
  return rleEncode(bm, h, w);
}
