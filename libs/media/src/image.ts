// Images for the verifiers: the header read without decoding a pixel, and decodes bounded by a pixel limit checked first.
import sharp from 'sharp';
import type { MediaJson } from '@verimesh/proto';
import type { Box } from '@verimesh/geometry';
import { messageOf } from '@verimesh/kit';
import { loadMedia, localPath } from './load.js';

/**
 * An image that cannot be used (`part` "image"), or a region that misses it (`part` "region"). Whose fault that is
 * depends on whose image or region it was (SPEC 4.1): the caller decides.
 */
export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    message: string,
    readonly part: 'image' | 'region' = 'image',
  ) {
    super(message);
  }
}

/** Encoded image bytes, or the path of a local file (sharp then reads only what it needs: a header read is cheap). */
export type ImageSource = Buffer | string;

export interface ImageHeader {
  /** Stored size, as decoded. */
  width: number;
  height: number;
  /** Displayed size: EXIF orientations 5–8 swap the axes (a model sees the displayed image). */
  displayWidth: number;
  displayHeight: number;
  /** sharp's format name ("png", "jpeg", "webp", ...). */
  format: string;
  hasAlpha: boolean;
}

/**
 * A sample's image as an ImageSource: a local file by path, inline or http(s) bytes loaded with `maxBytes`. A load
 * problem is InvalidArgumentError naming `field` (the kit's error; the caller decides whose fault).
 */
export async function imageSource(media: MediaJson, field: string, maxBytes: number, signal?: AbortSignal): Promise<ImageSource> {
  return localPath(media, field) ?? loadMedia(media, { maxBytes, field, ...(signal ? { signal } : {}) });
}

/** The image's header (sharp `metadata()`): no pixel is decoded, so a 20,000 × 20,000 image costs nothing here. */
export async function readImageHeader(src: ImageSource): Promise<ImageHeader> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(src, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageError(`not a readable image (${messageOf(e)})`);
  }
  if (!meta.width || !meta.height) throw new ImageError('not a readable image (no size in its header)');
  const swap = (meta.orientation ?? 1) >= 5;
  return {
    width: meta.width,
    height: meta.height,
    displayWidth: swap ? meta.height : meta.width,
    displayHeight: swap ? meta.width : meta.height,
    format: meta.format ?? '',
    hasAlpha: meta.hasAlpha === true,
  };
}

/** The header, refused when its stored size is above `maxPixels` (the `limit` named): checked before anything is decoded. */
async function boundedHeader(src: ImageSource, maxPixels: number, limit = 'image'): Promise<ImageHeader> {
  const h = await readImageHeader(src);
  if (h.width * h.height > maxPixels) throw new ImageError(`image is ${h.width}×${h.height} = ${h.width * h.height} pixels, above the ${maxPixels}-pixel ${limit} limit`);
  return h;
}

export interface DecodeOptions {
  /** Refuse images whose header declares more pixels; the decoder is held to the same limit. */
  maxPixels: number;
  /** What the limit is called in the error ("mask": "above the N-pixel mask limit"). @default "image" */
  limit?: string;
  /** "grey" (1 channel) or "rgb" (3 channels, sRGB). */
  colour: 'grey' | 'rgb';
  /** Transparency is flattened onto this colour (e.g. "#000000" for masks, "#ffffff" for documents). */
  background: string;
  /** Crop to this box (pixels, corners in any order), clipped to the image; a box that misses it is a "region" error. */
  region?: Box;
}

export interface DecodedImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
  header: ImageHeader;
}

/** Raw pixels of an image (stored orientation), bounded: the header's size is checked against maxPixels first. */
export async function decodeImage(src: ImageSource, opts: DecodeOptions): Promise<DecodedImage> {
  const header = await boundedHeader(src, opts.maxPixels, opts.limit);
  const { width, height } = header;
  let pipeline = sharp(src, { limitInputPixels: opts.maxPixels, failOn: 'error' });
  let want = { width, height };
  if (opts.region) {
    const r = opts.region;
    const x1 = Math.max(0, Math.floor(Math.min(r[0], r[2])));
    const y1 = Math.max(0, Math.floor(Math.min(r[1], r[3])));
    const x2 = Math.min(width, Math.ceil(Math.max(r[0], r[2])));
    const y2 = Math.min(height, Math.ceil(Math.max(r[1], r[3])));
    if (!(x2 - x1 >= 1 && y2 - y1 >= 1)) throw new ImageError(`region [${r.join(', ')}] is outside the ${width}×${height} image or empty`, 'region');
    pipeline = pipeline.extract({ left: x1, top: y1, width: x2 - x1, height: y2 - y1 });
    want = { width: x2 - x1, height: y2 - y1 };
  }
  pipeline = pipeline.flatten({ background: opts.background });
  pipeline = opts.colour === 'grey' ? pipeline.greyscale() : pipeline.toColourspace('srgb').removeAlpha();
  const channels = opts.colour === 'grey' ? 1 : 3;
  try {
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.width !== want.width || info.height !== want.height) throw new Error(`decoded ${info.width}x${info.height}, expected ${want.width}x${want.height}`);
    if (info.channels !== channels) throw new Error(`decoded to ${info.channels} channels, expected ${channels}`);
    return { data, width: info.width, height: info.height, channels, header };
  } catch (e) {
    throw new ImageError(`image could not be decoded (${messageOf(e)})`);
  }
}

export interface DownscaleOptions {
  maxPixels: number;
  /** Longest side of the result (smaller images are not enlarged). */
  maxSide: number;
  /** "auto": lossless PNG for PNG, WebP, GIF and images with alpha (diagrams, screenshots), else JPEG; "jpeg": always. */
  encode?: 'auto' | 'jpeg';
}

export interface EncodedImage {
  data: Buffer;
  format: 'png' | 'jpeg';
  width: number;
  height: number;
}

/** The displayed image (EXIF orientation applied), downscaled to a longest side and re-encoded; bounded like decodeImage. */
export async function downscaleImage(src: ImageSource, opts: DownscaleOptions): Promise<EncodedImage> {
  const header = await boundedHeader(src, opts.maxPixels);
  const lossless = opts.encode !== 'jpeg' && (['png', 'webp', 'gif'].includes(header.format) || header.hasAlpha);
  try {
    const resized = sharp(src, { limitInputPixels: opts.maxPixels, failOn: 'error' })
      .rotate()
      .resize({ width: opts.maxSide, height: opts.maxSide, fit: 'inside', withoutEnlargement: true });
    const { data, info } = await (lossless ? resized.png() : resized.jpeg({ quality: 85 })).toBuffer({ resolveWithObject: true });
    return { data, format: lossless ? 'png' : 'jpeg', width: info.width, height: info.height };
  } catch (e) {
    throw new ImageError(`image could not be decoded (${messageOf(e)})`);
  }
}
