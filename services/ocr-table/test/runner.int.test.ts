// The OCR runner's queue with the real engine: bounded (then "overloaded"), and an item whose signal fires leaves it.
import sharp from 'sharp';
import { ResourceExhaustedError } from '@verimesh/kit';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../src/index.js';
import { OcrRunner } from '../src/ocr/runner.js';

const config = { ...loadServiceConfig({ env: { VERIMESH_OCR_TABLE_ORT_THREADS: '1' } }), ocrConcurrency: 1, ocrBatchImages: 1, ocrQueue: 2 };
const runner = new OcrRunner(config);
afterAll(() => runner.close());

const textPng = (text: string): Promise<Buffer> =>
  sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60"><rect width="100%" height="100%" fill="#fff"/><text x="10" y="40" font-size="28" font-family="DejaVu Sans">${text}</text></svg>`))
    .png()
    .toBuffer();

describe('OcrRunner', () => {
  it('loads once (lazily), queues at most ocrQueue images, refuses beyond with "overloaded", drops aborted ones', async () => {
    expect(runner.load.peek()).toBeUndefined();
    const [a, b] = await Promise.all([runner.load(), runner.load()]);
    expect(a).toBe(b);
    const img = await textPng('HELLO 42');
    const max = config.maxImagePixels;
    // One worker busy with the first image; the next two wait; the fourth is refused.
    const first = runner.recognizeEncoded(img, max, undefined);
    const ac = new AbortController();
    const second = runner.recognizeEncoded(img, max, undefined, ac.signal);
    const third = runner.recognizeEncoded(img, max, undefined);
    await new Promise((r) => setImmediate(r));
    expect(runner.busy).toBe(1);
    expect(runner.queued).toBe(2);
    await expect(runner.recognizeEncoded(img, max, undefined)).rejects.toBeInstanceOf(ResourceExhaustedError);
    await expect(runner.recognizeEncoded(img, max, undefined)).rejects.toThrow(/OCR overloaded: 2 images queued/);
    ac.abort(new Error('item deadline'));
    await expect(second).rejects.toThrow('item deadline');
    expect(runner.queued).toBe(1);
    const [r1, r3] = await Promise.all([first, third]);
    for (const r of [r1, r3]) expect(r.text).toMatch(/HELLO/);
    expect(runner.queued).toBe(0);
  }, 60_000);
});
