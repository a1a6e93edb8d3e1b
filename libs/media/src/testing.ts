// Small test videos for the media tests of every package, generated with ffmpeg's lavfi sources (known duration, fps and
// size), plus broken ones.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegPath } from './binaries.js';

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
