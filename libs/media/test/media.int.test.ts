// The media library against real ffmpeg/ffprobe: probing and its content-hash cache, the bounded disk cache, frames, deadlines.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineError, InvalidArgumentError, UnavailableError } from '@verimesh/kit';
import { extractFrames, VideoStore } from '../src/index.js';
import { makeTestVideos, type TestVideos } from '../testing/index.js';

let fx: TestVideos;
let store: VideoStore;
let http: Server;
let base: string;
let httpHits = 0;

beforeAll(async () => {
  fx = makeTestVideos();
  store = new VideoStore({ maxDurationS: 3 * 3600 });
  http = createServer((req, res) => {
    httpHits++;
    if (req.url === '/clip.mp4') {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.end(readFileSync(fx.clip));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await store.close();
  await new Promise<void>((r) => http.close(() => r()));
  fx.cleanup();
});

describe('VideoStore.probe', () => {
  it('reads duration, fps and size of a generated video (testsrc 64×48, 10 fps, 3 s)', async () => {
    const info = await store.probe(fx.clip);
    expect(info.duration).toBeCloseTo(3, 1);
    expect(info.fps).toBeCloseTo(10, 6);
    expect([info.width, info.height]).toEqual([64, 48]);
  });

  it('caches by content hash: the same bytes as a file, inline base64 and over http cost one ffprobe', async () => {
    const s = new VideoStore();
    try {
      const b64 = readFileSync(fx.clip).toString('base64');
      await s.probe(fx.clip);
      await s.probe({ kind: 'video', role: 'input', uri: `file://${fx.clip}` });
      await s.probe({ kind: 'video', role: 'input', data_b64: b64 });
      await Promise.all([1, 2, 3].map(() => s.probe({ kind: 'video', role: 'input', uri: `${base}/clip.mp4` })));
      expect(s.stats.probeCalls).toBe(1);
      expect(s.stats.probeCacheHits).toBe(5);
      expect(httpHits).toBeGreaterThanOrEqual(3);
    } finally {
      await s.close();
    }
  });

  it('refuses a truncated MP4, a 10-hour header, a missing file, an http 404 and non-video bytes', async () => {
    await expect(store.probe(fx.truncated, 'media[0]')).rejects.toThrow(/media\[0\] is not a readable video/);
    const long = store.probe(fx.tenHours, 'media[0]');
    await expect(long).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(long).rejects.toThrow(/36000\.0 s long, more than the 10800 s/);
    await expect(store.probe('/nonexistent/video.mp4')).rejects.toThrow(/cannot be read/);
    await expect(store.probe({ kind: 'video', role: 'input', uri: `${base}/missing.mp4` })).rejects.toThrow(/HTTP 404/);
    await expect(store.probe(Buffer.from('definitely not a video, just some text bytes'))).rejects.toThrow(/not a readable video|no video stream/);
  });

  it('a missing ffprobe is unavailable (the machine\'s problem), not the video\'s', async () => {
    const s = new VideoStore({ ffprobePath: '/nonexistent/ffprobe' });
    await expect(s.probe(fx.clip)).rejects.toBeInstanceOf(UnavailableError);
    await s.close();
    const f = new VideoStore({ ffmpegPath: '/nonexistent/ffmpeg' });
    await expect(f.extractFrames(fx.clip, [1])).rejects.toBeInstanceOf(UnavailableError);
    await f.close();
  });

  it('bounds the disk cache of inline videos: the least recently used file is evicted', async () => {
    const dir = join(fx.dir, 'cache');
    const clip = readFileSync(fx.clip);
    const thirty = readFileSync(fx.thirty);
    // Room for the larger of the two videos, not for both.
    const s = new VideoStore({ cacheDir: dir, cacheBytes: Math.max(clip.length, thirty.length) });
    try {
      await s.probe({ kind: 'video', role: 'input', data_b64: clip.toString('base64') });
      expect(readdirSync(dir)).toHaveLength(1);
      await s.probe({ kind: 'video', role: 'input', data_b64: thirty.toString('base64') });
      expect(readdirSync(dir)).toHaveLength(1);
      expect(s.info().disk_cache_bytes).toBe(thirty.length);
      // The evicted video is written again when it comes back; its probe is still cached by content hash.
      await s.probe({ kind: 'video', role: 'input', data_b64: clip.toString('base64') });
      expect(s.info().disk_cache_bytes).toBe(clip.length);
      expect(s.stats.probeCalls).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('concurrent uses of the same inline bytes share one cache file, written once (no reader sees it half-written)', async () => {
    const dir = join(fx.dir, 'cache-concurrent');
    const s = new VideoStore({ cacheDir: dir });
    try {
      const media = { kind: 'video' as const, role: 'input' as const, data_b64: readFileSync(fx.redBlue).toString('base64') };
      const runs = await Promise.all([0.5, 1.5, 0.5, 1.5, 0.5, 1.5].map((t) => s.extractFrames(media, [t], { format: 'rgb' })));
      expect(runs.map((r) => r[0]!.data.length)).toEqual(Array(6).fill(32 * 32 * 3));
      expect(readdirSync(dir)).toEqual([`${(await s.probe(media)).hash}.video`]);
      expect(s.info().disk_cache_bytes).toBe(readFileSync(fx.redBlue).length);
      expect(s.stats.probeCalls).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('refuses a video larger than maxVideoBytes before running ffprobe', async () => {
    const s = new VideoStore({ maxVideoBytes: 100 });
    await expect(s.probe(fx.clip)).rejects.toThrow(/larger than 100 bytes/);
    expect(s.stats.probeCalls).toBe(0);
    await s.close();
  });
});

describe('extractFrames', () => {
  it('returns the frame at each time: red before 1 s, blue after (RGB24)', async () => {
    const frames = await extractFrames(fx.redBlue, [0.5, 1.5], { format: 'rgb', store });
    expect(frames.map((f) => [f.width, f.height, f.data.length])).toEqual([
      [32, 32, 32 * 32 * 3],
      [32, 32, 32 * 32 * 3],
    ]);
    const px = (f: (typeof frames)[number]) => [...f.data.subarray(16 * 32 * 3 + 16 * 3, 16 * 32 * 3 + 16 * 3 + 3)];
    const [r0, g0, b0] = px(frames[0]!);
    const [r1, g1, b1] = px(frames[1]!);
    expect(r0).toBeGreaterThan(200);
    expect(g0! + b0!).toBeLessThan(60);
    expect(b1).toBeGreaterThan(200);
    expect(r1! + g1!).toBeLessThan(60);
  });

  it('returns PNG bytes, scales on request and clamps a time past the end to the last frame', async () => {
    const [png, late] = await extractFrames({ kind: 'video', role: 'input', data_b64: readFileSync(fx.clip).toString('base64') }, [1, 99], {
      store,
      width: 32,
      height: 24,
    });
    expect([...png!.data.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png!.data.readUInt32BE(16)).toBe(32); // IHDR width
    expect(png!.data.readUInt32BE(20)).toBe(24); // IHDR height
    expect(late!.requested).toBe(99);
    expect(late!.time).toBeLessThan(3);
  });

  it('refuses negative and NaN times', async () => {
    await expect(extractFrames(fx.clip, [-1], { store })).rejects.toThrow(/not a time/);
    await expect(extractFrames(fx.clip, [Number.NaN], { store })).rejects.toThrow(/not a time/);
  });

  it('kills ffmpeg at the deadline', async () => {
    await store.probe(fx.clip); // cached, so the deadline hits the frame extraction itself
    // A 6000×6000 PNG takes ffmpeg far longer than 150 ms to scale and encode.
    const p = extractFrames(fx.clip, [1], { store, width: 6000, height: 6000, timeoutMs: 150 });
    await expect(p).rejects.toBeInstanceOf(DeadlineError);
    await new Promise((r) => setTimeout(r, 300));
    let children = '';
    try {
      children = execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    } catch {
      // ps exits 1 when there are no children at all
    }
    expect(children).not.toMatch(/ffmpeg/);
  });
});
