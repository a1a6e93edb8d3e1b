// Videos for the verifiers: local files in a bounded cache, ffprobe facts cached by content hash, and frames at given times.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { BoundedPool, DeadlineError, InvalidArgumentError, UnavailableError, loadMedia, mediaPath, messageOf } from '@verimesh/kit';
import type { MediaJson } from '@verimesh/proto';
import { ffmpegPath, ffprobePath } from './binaries.js';
import { frameComplete } from './complete.js';

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

export interface VideoStoreOptions {
  maxVideoBytes?: number;
  maxDurationS?: number;
  /** Directory for inline/http videos; "" = a fresh one under the OS temp dir. */
  cacheDir?: string;
  cacheBytes?: number;
  probeCacheEntries?: number;
  probeTimeoutMs?: number;
  ffmpegProcs?: number;
  /** Binaries (default: resolved as `ffmpegPath()` / `ffprobePath()` say). */
  ffmpegPath?: string;
  ffprobePath?: string;
}

/** A video to read: a sample's media entry, a local file path, or the bytes themselves. */
export type VideoInput = MediaJson | string | Buffer;

/** A small least-recently-used map (Map keeps insertion order; a hit re-inserts). */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    if (this.limit <= 0) return;
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as string);
  }
  get size(): number {
    return this.map.size;
  }
}

interface DiskEntry {
  path: string;
  bytes: number;
  pins: number;
}

type ProbeOutcome = { ok: true; info: VideoInfo } | { ok: false; error: string; transient?: boolean; missingTool?: boolean };

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

/**
 * Where videos become local files and ffprobe facts. Inline and http videos are written once per content hash into a
 * bounded disk cache; probe results (and probe failures: the bytes decide) are cached by content hash, and concurrent
 * probes of the same video share one ffprobe. Problems are InvalidArgumentError naming the field: whether that is the
 * caller's fault (an input video) or the policy's (a video it produced) is the verifier's call (SPEC 4.1).
 */
export class VideoStore {
  readonly stats = { probeCalls: 0, probeCacheHits: 0, extractCalls: 0 };
  private readonly opts: Required<VideoStoreOptions>;
  private readonly pool: BoundedPool;
  private readonly probes: Lru<ProbeOutcome>;
  private readonly pending = new Map<string, Promise<ProbeOutcome>>();
  private readonly fileHashes = new Lru<string>(4096);
  private readonly disk = new Map<string, DiskEntry>();
  private readonly writing = new Map<string, Promise<DiskEntry>>();
  private diskBytes = 0;
  private dir: Promise<string> | undefined;
  private ownDir = false;

  constructor(opts: VideoStoreOptions = {}) {
    this.opts = {
      maxVideoBytes: opts.maxVideoBytes ?? 256 * 1024 * 1024,
      maxDurationS: opts.maxDurationS ?? 3 * 3600,
      cacheDir: opts.cacheDir ?? '',
      cacheBytes: opts.cacheBytes ?? 512 * 1024 * 1024,
      probeCacheEntries: opts.probeCacheEntries ?? 4096,
      probeTimeoutMs: opts.probeTimeoutMs ?? 10_000,
      ffmpegProcs: opts.ffmpegProcs ?? 2,
      ffmpegPath: opts.ffmpegPath ?? '',
      ffprobePath: opts.ffprobePath ?? '',
    };
    this.pool = new BoundedPool(this.opts.ffmpegProcs, 100_000);
    this.probes = new Lru(this.opts.probeCacheEntries);
  }

  /** Facts for Describe. */
  info(): Record<string, unknown> {
    return {
      ffmpeg: this.ffmpegBin(),
      ffprobe: this.ffprobeBin(),
      max_video_bytes: this.opts.maxVideoBytes,
      max_duration_s: this.opts.maxDurationS,
      probe_cache_entries: this.probes.size,
      disk_cache_bytes: this.diskBytes,
      ...this.stats,
    };
  }

  private ffmpegBin(): string {
    return this.opts.ffmpegPath || ffmpegPath();
  }

  private ffprobeBin(): string {
    return this.opts.ffprobePath || ffprobePath();
  }

  private cacheDir(): Promise<string> {
    this.dir ??= (async () => {
      if (this.opts.cacheDir) {
        await mkdir(this.opts.cacheDir, { recursive: true });
        return this.opts.cacheDir;
      }
      this.ownDir = true;
      return mkdtemp(join(tmpdir(), 'verimesh-video-'));
    })();
    return this.dir;
  }

  /**
   * Runs `fn` with a local path of the video (pinned against eviction meanwhile). Files are read in place; inline
   * bytes and http downloads are written to the cache directory under their hash.
   */
  async withLocal<T>(video: VideoInput, field: string, signal: AbortSignal | undefined, fn: (path: string, hash: string, bytes: number) => Promise<T>): Promise<T> {
    if (typeof video === 'string') return this.withFile(video, field, fn);
    if (!Buffer.isBuffer(video) && !video.data_b64 && !/^https?:\/\//i.test(video.uri ?? '')) return this.withFile(mediaPath(video, field), field, fn);
    const bytes = Buffer.isBuffer(video) ? video : await loadMedia(video, { maxBytes: this.opts.maxVideoBytes, signal, field });
    if (bytes.length > this.opts.maxVideoBytes) throw new InvalidArgumentError(field, `${field} is larger than ${this.opts.maxVideoBytes} bytes`);
    const hash = createHash('sha256').update(bytes).digest('hex');
    let entry = this.disk.get(hash);
    if (entry && !existsSync(entry.path)) {
      this.diskBytes -= entry.bytes;
      this.disk.delete(hash);
      entry = undefined;
    }
    if (entry) {
      this.disk.delete(hash);
      this.disk.set(hash, entry);
    } else {
      // Concurrent uses of the same bytes share one write: a second writeFile would truncate the file under a reader.
      let write = this.writing.get(hash);
      if (!write) {
        write = this.writeEntry(hash, bytes).finally(() => this.writing.delete(hash));
        this.writing.set(hash, write);
      }
      // Every waiter resumes (and pins below) in the same microtask run that settles the write, before any eviction.
      entry = await write;
    }
    entry.pins++;
    try {
      await this.evict();
      return await fn(entry.path, hash, entry.bytes);
    } finally {
      entry.pins--;
    }
  }

  /** Writes the bytes under a temporary name and renames them into place, so the cache never holds a partial file. */
  private async writeEntry(hash: string, bytes: Buffer): Promise<DiskEntry> {
    const path = join(await this.cacheDir(), `${hash}.video`);
    const part = `${path}.${randomUUID()}.part`;
    try {
      await writeFile(part, bytes);
      await rename(part, path);
    } catch (e) {
      await unlink(part).catch(() => undefined);
      throw e;
    }
    const entry: DiskEntry = { path, bytes: bytes.length, pins: 0 };
    this.disk.set(hash, entry);
    this.diskBytes += bytes.length;
    return entry;
  }

  private async evict(): Promise<void> {
    for (const [hash, e] of this.disk) {
      if (this.diskBytes <= this.opts.cacheBytes) break;
      if (e.pins > 0) continue;
      this.disk.delete(hash);
      this.diskBytes -= e.bytes;
      await unlink(e.path).catch(() => undefined);
    }
  }

  private async withFile<T>(path: string, field: string, fn: (path: string, hash: string, bytes: number) => Promise<T>): Promise<T> {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      throw new InvalidArgumentError(field, `${field}.uri cannot be read: ${messageOf(e)}`);
    }
    if (!st.isFile()) throw new InvalidArgumentError(field, `${field}.uri is not a file`);
    if (st.size > this.opts.maxVideoBytes) throw new InvalidArgumentError(field, `${field} is larger than ${this.opts.maxVideoBytes} bytes`);
    // Hash each file version once: (path, size, mtime) names a version well enough to skip re-reading it.
    const key = `${path}\0${st.size}\0${st.mtimeMs}`;
    let hash = this.fileHashes.get(key);
    if (!hash) {
      const h = createHash('sha256');
      try {
        for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
      } catch (e) {
        throw new InvalidArgumentError(field, `${field}.uri cannot be read: ${messageOf(e)}`);
      }
      hash = h.digest('hex');
      this.fileHashes.set(key, hash);
    }
    return fn(path, hash, st.size);
  }

  /** ffprobe facts of a video, cached by content hash. Unreadable, stream-less, too long or too big: InvalidArgumentError. */
  async probe(video: VideoInput, field = 'media', signal?: AbortSignal): Promise<VideoInfo> {
    const outcome = await this.withLocal(video, field, signal, async (path, hash, bytes) => {
      const hit = this.probes.get(hash);
      if (hit) {
        this.stats.probeCacheHits++;
        return hit;
      }
      let p = this.pending.get(hash);
      if (p) {
        this.stats.probeCacheHits++;
      } else {
        p = this.pool.run(() => this.runProbe(path, hash, bytes)).finally(() => this.pending.delete(hash));
        this.pending.set(hash, p);
      }
      return p;
    });
    if (!outcome.ok && outcome.missingTool) throw new UnavailableError(outcome.error);
    if (!outcome.ok) throw new InvalidArgumentError(field, `${field} ${outcome.error}`, 'BAD_VIDEO');
    return outcome.info;
  }

  private runProbe(path: string, hash: string, bytes: number): Promise<ProbeOutcome> {
    this.stats.probeCalls++;
    return new Promise<ProbeOutcome>((resolve) => {
      // fluent-ffmpeg gives no handle on the ffprobe process; past the timeout the video counts as unreadable and the
      // process (which reads only headers, bounded by -probesize) ends on its own.
      const timer = setTimeout(
        () => resolve({ ok: false, transient: true, error: `is not a readable video: ffprobe took longer than ${this.opts.probeTimeoutMs} ms` }),
        this.opts.probeTimeoutMs,
      );
      ffmpeg(path)
        .setFfprobePath(this.ffprobeBin())
        .ffprobe(['-v', 'error', '-probesize', '20000000'], (err: unknown, data: ffmpeg.FfprobeData) => {
          clearTimeout(timer);
          if (err) {
            // A missing or unrunnable binary is this machine's problem, never the video's.
            if (/ENOENT|EACCES|Cannot find ffprobe/.test(messageOf(err))) {
              return resolve({ ok: false, transient: true, missingTool: true, error: `ffprobe cannot run (${this.ffprobeBin()}): ${messageOf(err)}; set FFPROBE_PATH` });
            }
            const msg = messageOf(err).split('\n').filter((l) => l.trim() && !l.startsWith('ffprobe exited')).slice(-1)[0] ?? 'ffprobe failed';
            return resolve({ ok: false, error: `is not a readable video: ${msg.replace(path, '<video>').trim()}` });
          }
          resolve(this.checkProbe(data, hash, bytes));
        });
    }).then((o) => {
      // A timeout may be the machine's load rather than the bytes: it is not remembered.
      if (o.ok || !o.transient) this.probes.set(hash, o);
      return o;
    });
  }

  private checkProbe(data: ffmpeg.FfprobeData, hash: string, bytes: number): ProbeOutcome {
    const stream = data.streams.find((s) => s.codec_type === 'video');
    if (!stream) return { ok: false, error: 'has no video stream' };
    const duration = positive(data.format?.duration) ?? positive(stream.duration);
    if (duration === undefined) return { ok: false, error: 'has no readable duration' };
    if (duration > this.opts.maxDurationS) {
      return { ok: false, error: `is ${duration.toFixed(1)} s long, more than the ${this.opts.maxDurationS} s this service accepts` };
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

  /** Frames at the given times (seconds); see `extractFrames`. */
  async extractFrames(video: VideoInput, times: readonly number[], opts: ExtractFramesOptions = {}): Promise<VideoFrame[]> {
    const field = opts.field ?? 'video';
    const maxFrames = opts.maxFrames ?? 64;
    if (times.length > maxFrames) throw new InvalidArgumentError(field, `at most ${maxFrames} frames per call, asked for ${times.length}`);
    for (const t of times) if (!Number.isFinite(t) || t < 0) throw new InvalidArgumentError(field, `frame time ${t} is not a time in seconds`);
    const format = opts.format ?? 'png';
    const signal = linkedSignal(opts.signal, opts.timeoutMs);
    const info = await this.probe(video, field, signal.signal);
    const width = opts.width ?? info.width;
    const height = opts.height ?? info.height;
    if (format === 'rgb' && (!width || !height)) throw new InvalidArgumentError(field, `${field} has no frame size; pass width and height`);
    // The last frame starts one frame before the end; seeking past it yields nothing.
    const last = Math.max(0, info.duration - 1 / (info.fps ?? 25));
    try {
      return await this.withLocal(video, field, signal.signal, (path) =>
        Promise.all(
          times.map((requested) =>
            this.pool.run(async () => {
              const time = Math.min(requested, last);
              const rgbBytes = width && height ? width * height * 3 : undefined;
              const data = await this.grab(path, time, format, opts.width, opts.height, signal.signal, field, rgbBytes);
              const frame: VideoFrame = { requested, time, format, data, width: width ?? 0, height: height ?? 0 };
              return frame;
            }, signal.signal),
          ),
        ),
      );
    } finally {
      signal.dispose();
    }
  }

  private grab(
    path: string,
    time: number,
    format: 'png' | 'rgb',
    width: number | undefined,
    height: number | undefined,
    signal: AbortSignal,
    field: string,
    rgbBytes: number | undefined,
  ): Promise<Buffer> {
    this.stats.extractCalls++;
    return new Promise<Buffer>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal));
      const cmd = ffmpeg(path)
        .setFfmpegPath(this.ffmpegBin())
        .seekInput(time)
        .noAudio()
        .outputOptions(['-frames:v', '1', '-an', '-sn']);
      if (format === 'png') cmd.outputOptions(['-f', 'image2pipe', '-vcodec', 'png']);
      else cmd.outputOptions(['-f', 'rawvideo', '-pix_fmt', 'rgb24']);
      if (width && height) cmd.outputOptions(['-vf', `scale=${width}:${height}`]);
      const chunks: Buffer[] = [];
      let failed: Error | undefined;
      const onAbort = (): void => {
        failed = abortError(signal);
        cmd.kill('SIGKILL');
      };
      signal.addEventListener('abort', onAbort, { once: true });
      cmd.on('error', (err: Error) => {
        signal.removeEventListener('abort', onAbort);
        if (failed) return reject(failed);
        // fluent-ffmpeg reports "Output stream closed" when ffmpeg has closed its output but not yet exited 20 ms
        // later (it happens under load); the frame is then all there, which the bytes themselves can tell.
        const data = Buffer.concat(chunks);
        if (/Output stream closed/.test(err.message) && frameComplete(data, format, rgbBytes)) return resolve(data);
        if (/ENOENT|EACCES|Cannot find ffmpeg/.test(err.message)) return reject(new UnavailableError(`ffmpeg cannot run (${this.ffmpegBin()}): ${err.message}; set FFMPEG_PATH`));
        reject(new InvalidArgumentError(field, `${field}: ffmpeg could not read a frame at ${time} s: ${err.message.split('\n')[0]}`, 'BAD_VIDEO'));
      });
      cmd.on('end', () => {
        signal.removeEventListener('abort', onAbort);
        const data = Buffer.concat(chunks);
        if (data.length === 0) reject(new InvalidArgumentError(field, `${field} has no frame at ${time} s`, 'BAD_VIDEO'));
        else resolve(data);
      });
      const out = cmd.pipe() as Writable & NodeJS.ReadableStream;
      out.on('data', (c: Buffer) => chunks.push(c));
    });
  }

  /** Removes the cache directory if this store made it. */
  async close(): Promise<void> {
    if (this.dir && this.ownDir) await rm(await this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.disk.clear();
    this.diskBytes = 0;
  }
}

export interface ExtractFramesOptions {
  /** "png" (default: PNG bytes) or "rgb" (raw RGB24, width·height·3 bytes). */
  format?: 'png' | 'rgb';
  /** Scale frames to this size (both or neither). */
  width?: number;
  height?: number;
  signal?: AbortSignal;
  /** ffmpeg is killed (SIGKILL) when this passes or `signal` fires. */
  timeoutMs?: number;
  /** Refuse calls with more times than this (default 64). */
  maxFrames?: number;
  /** Store to use (default: one shared per process). */
  store?: VideoStore;
  /** Name used in error messages (default "video"). */
  field?: string;
}

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

let shared: VideoStore | undefined;
/** The process-wide store used when none is given. */
export function defaultVideoStore(): VideoStore {
  shared ??= new VideoStore();
  return shared;
}

/**
 * Frames of a video at the given times (seconds), as PNG bytes or raw RGB24: for judges and OCR that need to see
 * the video. One ffmpeg per frame (input seeking, so each is exact and cheap), at most `ffmpegProcs` at once, all
 * killed when the deadline passes. An unreadable video or a bad time is InvalidArgumentError.
 */
export function extractFrames(video: VideoInput, times: readonly number[], opts: ExtractFramesOptions = {}): Promise<VideoFrame[]> {
  return (opts.store ?? defaultVideoStore()).extractFrames(video, times, opts);
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DeadlineError('frame extraction passed its deadline');
}

function linkedSignal(parent: AbortSignal | undefined, timeoutMs: number | undefined): { signal: AbortSignal; dispose: () => void } {
  const c = new AbortController();
  const onAbort = (): void => c.abort(parent?.reason);
  if (parent?.aborted) c.abort(parent.reason);
  parent?.addEventListener('abort', onAbort, { once: true });
  const timer = timeoutMs !== undefined ? setTimeout(() => c.abort(new DeadlineError(`frame extraction took longer than ${timeoutMs} ms`)), timeoutMs) : undefined;
  return {
    signal: c.signal,
    dispose: () => {
      if (timer) clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
