// Input images (and frames of input videos) for multimodal judges: loaded, downscaled to a longest side, sent as data URIs.
import { createHash } from 'node:crypto';
import type { MediaJson } from '@verimesh/proto';
import { InvalidArgumentError, Lru } from '@verimesh/kit';
import { ImageError, defaultVideoStore, downscaleImage, evenlySpacedTimes, loadMedia, type VideoStore } from '@verimesh/media';

export interface PreparedImage {
  /** data:image/...;base64,... */
  url: string;
  /** Hash of the original bytes (part of the cache key). */
  hash: string;
  width: number;
  height: number;
}

const MAX_MEMO = 256;
const memo = new Lru<string, Promise<PreparedImage>>(MAX_MEMO);

/** Frames sent per judgment at most, over all videos of a sample (params.video_frames is capped here too). */
export const MAX_VIDEO_FRAMES = 16;
/** Largest input image: bytes read, and pixels its header may declare (checked before anything is decoded). */
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;

async function downscale(bytes: Buffer, maxSide: number, hash: string, field: string, photo = false): Promise<PreparedImage> {
  try {
    // PNG, WebP and GIF keep lossless PNG (diagrams, screenshots, alpha); photos (and video frames) go as JPEG.
    const img = await downscaleImage(bytes, { maxPixels: MAX_IMAGE_PIXELS, maxSide, encode: photo ? 'jpeg' : 'auto' });
    return { url: `data:image/${img.format};base64,${img.data.toString('base64')}`, hash, width: img.width, height: img.height };
  } catch (e) {
    if (e instanceof ImageError) throw new InvalidArgumentError(field, `${field} is not a usable image: ${e.message}`);
    throw e;
  }
}

function remember(key: string, make: () => Promise<PreparedImage>): Promise<PreparedImage> {
  let p = memo.get(key);
  if (!p) {
    p = make();
    memo.set(key, p);
    p.catch(() => {
      if (memo.peek(key) === p) memo.delete(key);
    });
  }
  return p;
}

/**
 * `n` evenly spaced frames of an input video (at the middles of n equal slices), downscaled like images and sent as
 * JPEG. Memoized by the video's content hash and the time, so a group sharing a video runs ffmpeg once per frame.
 */
async function videoFrames(m: MediaJson, n: number, maxSide: number, field: string, signal: AbortSignal, store: VideoStore): Promise<PreparedImage[]> {
  const info = await store.probe(m, field, signal);
  const times = evenlySpacedTimes(info.duration, n);
  const keys = times.map((t) => `${info.hash}@${t}:${maxSide}`);
  // One ffmpeg batch for the frames not memoized yet (nothing awaits between this check and remember() below).
  const missing = keys.flatMap((key, j) => (memo.has(key) ? [] : [j]));
  const batch = missing.length ? store.extractFrames(m, missing.map((j) => times[j]!), { field, signal, format: 'png' }) : undefined;
  return Promise.all(
    keys.map((key, j) =>
      remember(key, async () => {
        const k = missing.indexOf(j);
        const frame = batch && k >= 0 ? (await batch)[k]! : (await store.extractFrames(m, [times[j]!], { field, signal, format: 'png' }))[0]!;
        return downscale(frame.data, maxSide, `${info.hash}@${times[j]}`, field, true);
      }),
    ),
  );
}

/**
 * The first `limit` input images of a sample, downscaled, and `videoFrameCount` frames of each input video (at most
 * MAX_VIDEO_FRAMES in all), in media order. A broken input image or video is the caller's fault (invalid).
 * Results are memoized by content hash, so a GRPO group sharing one image encodes it once.
 */
export async function prepareImages(
  media: readonly MediaJson[],
  maxSide: number,
  limit: number,
  signal: AbortSignal,
  videoFrameCount = 0,
  store: VideoStore = defaultVideoStore(),
): Promise<PreparedImage[]> {
  const out: PreparedImage[] = [];
  let images = 0;
  let frames = 0;
  for (let i = 0; i < media.length; i++) {
    const m = media[i]!;
    if ((m.role ?? 'input') !== 'input') continue;
    const field = `media[${i}]`;
    if (m.kind === 'video') {
      const n = Math.min(videoFrameCount, MAX_VIDEO_FRAMES - frames);
      if (n <= 0) continue;
      out.push(...(await videoFrames(m, n, maxSide, field, signal, store)));
      frames += n;
      continue;
    }
    if (m.kind !== 'image' || images >= limit) continue;
    images++;
    const bytes = await loadMedia(m, { field, signal, maxBytes: MAX_IMAGE_BYTES });
    const hash = createHash('sha256').update(bytes).digest('base64url');
    out.push(await remember(`${hash}:${maxSide}`, () => downscale(bytes, maxSide, hash, field)));
  }
  return out;
}
