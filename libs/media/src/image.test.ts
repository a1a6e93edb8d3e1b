// Bounded image reading: header facts without decoding, decodes checked against the limit first, region crops, downscales.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pngHeaderOnly } from '../testing/index.js';
import { ImageError, decodeImage, downscaleImage, readImageHeader } from './image.js';

/** A w×h RGBA PNG: red where x < w/2, transparent elsewhere. */
async function halfRed(w: number, h: number): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (x < w / 2) raw.set([255, 0, 0, 255], (y * w + x) * 4);
  return sharp(raw, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer();
}

describe('readImageHeader', () => {
  it('reads size, format and alpha without decoding; EXIF orientations 5-8 swap the displayed axes', async () => {
    expect(await readImageHeader(await halfRed(8, 4))).toEqual({ width: 8, height: 4, displayWidth: 8, displayHeight: 4, format: 'png', hasAlpha: true });
    const rotated = await sharp({ create: { width: 8, height: 4, channels: 3, background: '#000' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await readImageHeader(rotated)).toMatchObject({ width: 8, height: 4, displayWidth: 4, displayHeight: 8, format: 'jpeg' });
    // A 30,000 × 30,000 header costs nothing: only the header is read.
    expect(await readImageHeader(pngHeaderOnly(30_000, 30_000))).toMatchObject({ width: 30_000, height: 30_000 });
  });
  it('garbage is an ImageError', async () => {
    await expect(readImageHeader(Buffer.from('not an image at all'))).rejects.toBeInstanceOf(ImageError);
  });
});

describe('decodeImage', () => {
  it('grey on black and RGB on white flatten the transparent half to the background', async () => {
    const png = await halfRed(4, 2);
    const grey = await decodeImage(png, { maxPixels: 100, colour: 'grey', background: '#000000' });
    expect([grey.width, grey.height, grey.channels]).toEqual([4, 2, 1]);
    // Opaque red is some grey above 0 (its level is libvips' conversion, not asserted); transparent on black is exactly 0.
    const row = [...grey.data.subarray(0, 4)];
    expect(row[0]).toBeGreaterThan(0);
    expect(row[1]).toBe(row[0]);
    expect(row.slice(2)).toEqual([0, 0]);
    const rgb = await decodeImage(png, { maxPixels: 100, colour: 'rgb', background: '#ffffff' });
    expect([...rgb.data.subarray(0, 12)]).toEqual([255, 0, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
  });
  it('crops a region clipped to the image; a region that misses it is a "region" error', async () => {
    const png = await halfRed(4, 2);
    const r = await decodeImage(png, { maxPixels: 100, colour: 'rgb', background: '#ffffff', region: [3, -5, 1, 1.5] });
    expect([r.width, r.height]).toEqual([2, 2]); // x 1..3, y 0..2 after clipping and rounding outwards
    const miss = decodeImage(png, { maxPixels: 100, colour: 'rgb', background: '#ffffff', region: [10, 10, 20, 20] });
    await expect(miss).rejects.toMatchObject({ part: 'region' });
  });
  it('refuses a header above the limit before decoding, naming the limit', async () => {
    const huge = pngHeaderOnly(20_000, 20_000);
    await expect(decodeImage(huge, { maxPixels: 1e6, limit: 'mask', colour: 'grey', background: '#000000' })).rejects.toThrow(
      /20000×20000 = 400000000 pixels, above the 1000000-pixel mask limit/,
    );
    await expect(decodeImage(await halfRed(4, 2), { maxPixels: 7, colour: 'grey', background: '#000000' })).rejects.toThrow(/above the 7-pixel image limit/);
  });
  it('a header that reads but pixels that do not is an ImageError, not a crash', async () => {
    await expect(decodeImage(pngHeaderOnly(4, 4), { maxPixels: 100, colour: 'grey', background: '#000000' })).rejects.toBeInstanceOf(ImageError);
  });
});

describe('downscaleImage', () => {
  it('keeps PNG lossless, sends photos as JPEG, fits the longest side, never enlarges', async () => {
    const png = await downscaleImage(await halfRed(40, 20), { maxPixels: 1e4, maxSide: 10 });
    expect([png.format, png.width, png.height]).toEqual(['png', 10, 5]);
    const photo = await downscaleImage(await halfRed(40, 20), { maxPixels: 1e4, maxSide: 100, encode: 'jpeg' });
    expect([photo.format, photo.width, photo.height]).toEqual(['jpeg', 40, 20]);
  });
  it('is bounded by the same header check', async () => {
    await expect(downscaleImage(pngHeaderOnly(20_000, 20_000), { maxPixels: 1e6, maxSide: 10 })).rejects.toThrow(/above the 1000000-pixel image limit/);
  });
});
