import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { frameComplete } from './complete.js';

describe('frameComplete', () => {
  it('a PNG from an independent encoder (sharp) is whole; cut anywhere, it is not', async () => {
    const png = await sharp({ create: { width: 8, height: 4, channels: 3, background: '#123456' } }).png().toBuffer();
    expect(frameComplete(png, 'png')).toBe(true);
    for (const cut of [1, 4, 12, png.length - 8]) expect(frameComplete(png.subarray(0, png.length - cut), 'png')).toBe(false);
    expect(frameComplete(Buffer.alloc(0), 'png')).toBe(false);
  });

  it('raw RGB24 is whole at exactly width·height·3 bytes (8×4 → 96), and never without a size', () => {
    expect(frameComplete(Buffer.alloc(96), 'rgb', 8 * 4 * 3)).toBe(true);
    expect(frameComplete(Buffer.alloc(95), 'rgb', 96)).toBe(false);
    expect(frameComplete(Buffer.alloc(96), 'rgb')).toBe(false);
  });
});
