// Test helpers of @verimesh/media (the `testing` subpath, never the main export): small test videos for the media tests of every
// package, generated with ffmpeg's lavfi sources (known duration, fps and size), plus broken ones; and an image header
// that declares any size.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ffmpegPath } from '../src/binaries.js';

export interface TestVideos {
  dir: string;
  /** testsrc, 64×48, 10 fps, 3 s. */
  clip: string;
  /** color, 16×16, 1 fps, 30 s. */
  thirty: string;
  /** 1 s red then 1 s blue, 32×32, 10 fps. */
  redBlue: string;
  /** A header saying 10 hours (one frame per 100 s, 16×16). */
  tenHours: string;
  /** The first 40 % of clip (the moov atom is at the end, so nothing is readable). */
  truncated: string;
  cleanup: () => void;
}

function ff(args: string[]): void {
  execFileSync(ffmpegPath(), ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeTestVideos(): TestVideos {
  const dir = mkdtempSync(join(tmpdir(), 'media-test-'));
  const enc = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'ultrafast'];
  const clip = join(dir, 'clip.mp4');
  ff(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=3', ...enc, clip]);
  const thirty = join(dir, 'thirty.mp4');
  ff(['-f', 'lavfi', '-i', 'color=c=gray:s=16x16:r=1:d=30', ...enc, thirty]);
  const redBlue = join(dir, 'redblue.mp4');
  ff([
    '-f', 'lavfi', '-i', 'color=c=red:s=32x32:r=10:d=1',
    '-f', 'lavfi', '-i', 'color=c=blue:s=32x32:r=10:d=1',
    '-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0', ...enc, redBlue,
  ]);
  const tenHours = join(dir, 'ten-hours.mp4');
  ff(['-f', 'lavfi', '-i', 'color=c=black:s=16x16:r=1/100:d=36000', ...enc, tenHours]);
  const truncated = join(dir, 'truncated.mp4');
  const bytes = readFileSync(clip);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  return { dir, clip, thirty, redBlue, tenHours, truncated, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A PNG whose IHDR declares width×height (8-bit grey or RGB), followed by a bogus IDAT: the header reads, the pixels
 * never decode. What a decompression bomb looks like to a header check.
 */
export function pngHeaderOnly(width: number, height: number, colour: 'grey' | 'rgb' = 'grey'): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colour === 'grey' ? 0 : 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([1, 2, 3])), chunk('IEND', Buffer.alloc(0))]);
}
