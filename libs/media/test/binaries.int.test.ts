// Binary resolution in fresh processes (it is resolved once per process): the environment wins, else a working ffmpeg.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** ffmpegPath() and ffprobePath() as a fresh Node process resolves them under `env`. */
function resolvedIn(env: Record<string, string | undefined>): [string, string] {
  const code = "const m = await import('@verimesh/media'); process.stdout.write(JSON.stringify([m.ffmpegPath(), m.ffprobePath()]));";
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return JSON.parse(out) as [string, string];
}

describe('ffmpegPath / ffprobePath', () => {
  it('FFMPEG_PATH and FFPROBE_PATH are used as given', () => {
    expect(resolvedIn({ FFMPEG_PATH: '/opt/x/ffmpeg', FFPROBE_PATH: '/opt/y/ffprobe' })).toEqual(['/opt/x/ffmpeg', '/opt/y/ffprobe']);
  });

  it('without them, binaries that run: `-version` answers as ffmpeg and ffprobe do', () => {
    const [ffmpeg, ffprobe] = resolvedIn({ FFMPEG_PATH: undefined, FFPROBE_PATH: undefined });
    expect(execFileSync(ffmpeg, ['-version'], { encoding: 'utf8' })).toMatch(/^ffmpeg version /);
    expect(execFileSync(ffprobe, ['-version'], { encoding: 'utf8' })).toMatch(/^ffprobe version /);
  });
});
