// Input images for multimodal judges: loaded, downscaled with sharp to a longest side, and sent as data URIs.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { MediaJson } from '@verimesh/proto';
import { InvalidArgumentError, loadMedia } from '@verimesh/kit';

export interface PreparedImage {
  /** data:image/...;base64,... */
  url: string;
  /** Hash of the original bytes (part of the cache key). */
  hash: string;
  width: number;
  height: number;
}

const MAX_MEMO = 256;
const memo = new Map<string, Promise<PreparedImage>>();

async function downscale(bytes: Buffer, maxSide: number, hash: string, field: string): Promise<PreparedImage> {
  try {
    const img = sharp(bytes, { failOn: 'error' }).rotate();
    const meta = await img.metadata();
    // PNG, WebP and GIF keep lossless PNG (diagrams, screenshots, alpha); photos go as JPEG.
    const lossless = meta.format === 'png' || meta.format === 'webp' || meta.format === 'gif' || meta.hasAlpha === true;
    const resized = img.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
    const { data, info } = await (lossless ? resized.png() : resized.jpeg({ quality: 85 })).toBuffer({ resolveWithObject: true });
    return { url: `data:image/${lossless ? 'png' : 'jpeg'};base64,${data.toString('base64')}`, hash, width: info.width, height: info.height };
  } catch (e) {
    throw new InvalidArgumentError(field, `${field} is not a readable image: ${(e as Error).message}`);
  }
}

/**
 * The first `limit` input images of a sample, downscaled. A broken input image is the caller's fault (invalid).
 * Results are memoized by content hash, so a GRPO group sharing one image encodes it once.
 */
export async function prepareImages(media: readonly MediaJson[], maxSide: number, limit: number, signal: AbortSignal): Promise<PreparedImage[]> {
  const out: PreparedImage[] = [];
  for (let i = 0; i < media.length && out.length < limit; i++) {
    const m = media[i]!;
    if (m.kind !== 'image' || (m.role ?? 'input') !== 'input') continue;
    const field = `media[${i}]`;
    const bytes = await loadMedia(m, { field, signal, maxBytes: 64 * 1024 * 1024 });
    const hash = createHash('sha256').update(bytes).digest('base64url');
    const key = `${hash}:${maxSide}`;
    let p = memo.get(key);
    if (!p) {
      p = downscale(bytes, maxSide, hash, field);
      if (memo.size >= MAX_MEMO) memo.delete(memo.keys().next().value!);
      memo.set(key, p);
      p.catch(() => memo.delete(key));
    }
    out.push(await p);
  }
  return out;
}
