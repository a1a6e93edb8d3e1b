// One video frame at a time in seconds, grabbed by ffmpeg (input seeking) as PNG bytes or raw RGB24.
import type { Writable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { DeadlineError, InvalidArgumentError, UnavailableError } from '@verimesh/kit';
import { frameComplete } from './complete.js';

export interface VideoFrame {
  /** Time asked for (seconds). */
  requested: number;
  /** Time decoded: the request, clamped to the last frame. */
  time: number;
  width: number;
  height: number;
  format: 'png' | 'rgb';
  data: Buffer;
}

export interface GrabOptions {
  ffmpeg: string;
  format: 'png' | 'rgb';
  /** Scale to this size (both or neither). */
  width: number | undefined;
  height: number | undefined;
  /** ffmpeg is killed (SIGKILL) when this fires. */
  signal: AbortSignal;
  field: string;
  /** Bytes a complete raw frame has (to accept a frame fluent-ffmpeg reported as cut while ffmpeg exited). */
  rgbBytes: number | undefined;
}

/** The frame at `time` of the local video file; problems are InvalidArgumentError (the video's) or UnavailableError (no ffmpeg). */
export function grabFrame(path: string, time: number, o: GrabOptions): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    if (o.signal.aborted) return reject(abortError(o.signal));
    const cmd = ffmpeg(path)
      .setFfmpegPath(o.ffmpeg)
      .seekInput(time)
      .noAudio()
      .outputOptions(['-frames:v', '1', '-an', '-sn']);
    if (o.format === 'png') cmd.outputOptions(['-f', 'image2pipe', '-vcodec', 'png']);
    else cmd.outputOptions(['-f', 'rawvideo', '-pix_fmt', 'rgb24']);
    if (o.width && o.height) cmd.outputOptions(['-vf', `scale=${o.width}:${o.height}`]);
    const chunks: Buffer[] = [];
    let failed: Error | undefined;
    const onAbort = (): void => {
      failed = abortError(o.signal);
      cmd.kill('SIGKILL');
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    cmd.on('error', (err: Error) => {
      o.signal.removeEventListener('abort', onAbort);
      if (failed) return reject(failed);
      // fluent-ffmpeg reports "Output stream closed" when ffmpeg has closed its output but not yet exited 20 ms
      // later (it happens under load); the frame is then all there, which the bytes themselves can tell.
      const data = Buffer.concat(chunks);
      if (/Output stream closed/.test(err.message) && frameComplete(data, o.format, o.rgbBytes)) return resolve(data);
      if (/ENOENT|EACCES|Cannot find ffmpeg/.test(err.message)) return reject(new UnavailableError(`ffmpeg cannot run (${o.ffmpeg}): ${err.message}; set FFMPEG_PATH`));
      reject(new InvalidArgumentError(o.field, `${o.field}: ffmpeg could not read a frame at ${time} s: ${err.message.split('\n')[0]}`, 'BAD_VIDEO'));
    });
    cmd.on('end', () => {
      o.signal.removeEventListener('abort', onAbort);
      const data = Buffer.concat(chunks);
      if (data.length === 0) reject(new InvalidArgumentError(o.field, `${o.field} has no frame at ${time} s`, 'BAD_VIDEO'));
      else resolve(data);
    });
    const out = cmd.pipe() as Writable & NodeJS.ReadableStream;
    out.on('data', (c: Buffer) => chunks.push(c));
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DeadlineError('frame extraction passed its deadline');
}
