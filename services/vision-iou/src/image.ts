// Image sizes for scaled coordinates, and PNG/JPEG masks binarized, on @verimesh/media's bounded image reading.
import { decodeImage, imageSource, readImageHeader } from '@verimesh/media';
import type { MediaJson } from '@verimesh/proto';
import { rleEncode, type Rle } from '@verimesh/geometry';
import type { Config } from './config.js';

/** Displayed width and height from the image header (no pixel decoded; EXIF orientations 5–8 swap the axes). */
export async function imageSize(media: MediaJson, field: string, cfg: Config, signal?: AbortSignal): Promise<{ width: number; height: number }> {
  const h = await readImageHeader(await imageSource(media, field, cfg.maxImageBytes, signal));
  return { width: h.displayWidth, height: h.displayHeight };
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
 * `maxMaskPixels` before anything is decoded. Problems are ImageError (or InvalidArgumentError from loading).
 */
export async function maskFromImage(src: MaskSource, field: string, cfg: Config, threshold?: number, signal?: AbortSignal): Promise<Rle> {
  const media: MediaJson = { kind: 'image', role: 'input' };
  if (src.data_b64) media.data_b64 = src.data_b64;
  if (src.uri) media.uri = src.uri;
  const img = await decodeImage(await imageSource(media, field, cfg.maxImageBytes, signal), { maxPixels: cfg.maxMaskPixels, limit: 'mask', colour: 'grey', background: '#000000' });
  const thr = threshold ?? (img.header.format === 'jpeg' ? 127 : 0);
  const bm = new Uint8Array(img.width * img.height);
  for (let i = 0; i < bm.length; i++) bm[i] = img.data[i]! > thr ? 1 : 0;
  return rleEncode(bm, img.height, img.width);
}
