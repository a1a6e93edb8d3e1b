// What ffprobe says about a video file: duration, frame rate, size and codec, checked against the service's limits.
import ffmpeg from 'fluent-ffmpeg';
import { messageOf } from '@verimesh/kit';

/** What ffprobe says about a video (first video stream + container). */
export interface VideoInfo {
  /** Seconds. */
  duration: number;
  fps?: number;
  width?: number;
  height?: number;
  /** Frames as the container counts them, when it does. */
  frames?: number;
  codec?: string;
  /** sha256 of the file's bytes (the cache key). */
  hash: string;
  bytes: number;
}

/**
 * A probe's result. `transient`: not the bytes' fault (a timeout under load, a missing tool): not to be remembered.
 * `missingTool`: ffprobe cannot run on this machine.
 */
export type ProbeOutcome = { ok: true; info: VideoInfo } | { ok: false; error: string; transient?: boolean; missingTool?: boolean };

export interface ProbeOptions {
  ffprobe: string;
  timeoutMs: number;
  maxDurationS: number;
}

function parseRate(r: string | undefined): number | undefined {
  if (!r) return undefined;
  const [n, d] = r.split('/').map(Number);
  const v = d === undefined ? n : n! / d;
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

function positive(v: unknown): number | undefined {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Runs ffprobe on a local file (headers only, bounded by -probesize and `timeoutMs`); never rejects. */
export function probeFile(path: string, hash: string, bytes: number, opts: ProbeOptions): Promise<ProbeOutcome> {
  return new Promise<ProbeOutcome>((resolve) => {
    // fluent-ffmpeg gives no handle on the ffprobe process; past the timeout the video counts as unreadable and the
    // process (which reads only headers, bounded by -probesize) ends on its own.
    const timer = setTimeout(
      () => resolve({ ok: false, transient: true, error: `is not a readable video: ffprobe took longer than ${opts.timeoutMs} ms` }),
      opts.timeoutMs,
    );
    ffmpeg(path)
      .setFfprobePath(opts.ffprobe)
      .ffprobe(['-v', 'error', '-probesize', '20000000'], (err: unknown, data: ffmpeg.FfprobeData) => {
        clearTimeout(timer);
        if (err) {
          // A missing or unrunnable binary is this machine's problem, never the video's.
          if (/ENOENT|EACCES|Cannot find ffprobe/.test(messageOf(err))) {
            return resolve({ ok: false, transient: true, missingTool: true, error: `ffprobe cannot run (${opts.ffprobe}): ${messageOf(err)}; set FFPROBE_PATH` });
          }
          const msg = messageOf(err).split('\n').filter((l) => l.trim() && !l.startsWith('ffprobe exited')).slice(-1)[0] ?? 'ffprobe failed';
          return resolve({ ok: false, error: `is not a readable video: ${msg.replace(path, '<video>').trim()}` });
        }
        resolve(checkProbe(data, hash, bytes, opts.maxDurationS));
      });
  });
}

function checkProbe(data: ffmpeg.FfprobeData, hash: string, bytes: number, maxDurationS: number): ProbeOutcome {
  const stream = data.streams.find((s) => s.codec_type === 'video');
  if (!stream) return { ok: false, error: 'has no video stream' };
  const duration = positive(data.format?.duration) ?? positive(stream.duration);
  if (duration === undefined) return { ok: false, error: 'has no readable duration' };
  if (duration > maxDurationS) {
    return { ok: false, error: `is ${duration.toFixed(1)} s long, more than the ${maxDurationS} s this service accepts` };
  }
  const info: VideoInfo = { duration, hash, bytes };
  const fps = parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate);
  if (fps !== undefined) info.fps = fps;
  if (positive(stream.width)) info.width = Number(stream.width);
  if (positive(stream.height)) info.height = Number(stream.height);
  if (positive(stream.nb_frames)) info.frames = Number(stream.nb_frames);
  if (stream.codec_name) info.codec = stream.codec_name;
  return { ok: true, info };
}
