// Where ffmpeg and ffprobe are: an explicit environment variable, then the npm-shipped binaries, then the system's.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const requireCjs = createRequire(import.meta.url);

function optionalPath(pkg: string, pick: (m: unknown) => unknown): string | undefined {
  try {
    const p = pick(requireCjs(pkg));
    return typeof p === 'string' && p && existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

let ffmpegBin: string | undefined;
let ffprobeBin: string | undefined;

/** ffmpeg binary: $FFMPEG_PATH, then ffmpeg-static, then @ffmpeg-installer/ffmpeg, then `ffmpeg` on PATH. */
export function ffmpegPath(): string {
  ffmpegBin ??=
    process.env.FFMPEG_PATH ||
    optionalPath('ffmpeg-static', (m) => m) ||
    optionalPath('@ffmpeg-installer/ffmpeg', (m) => (m as { path?: string }).path) ||
    'ffmpeg';
  return ffmpegBin;
}

/** ffprobe binary: $FFPROBE_PATH, then @ffprobe-installer/ffprobe, then `ffprobe` on PATH. */
export function ffprobePath(): string {
  ffprobeBin ??= process.env.FFPROBE_PATH || optionalPath('@ffprobe-installer/ffprobe', (m) => (m as { path?: string }).path) || 'ffprobe';
  return ffprobeBin;
}
