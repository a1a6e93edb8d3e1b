// The video store verifiers use: local files (disk-cache.ts), ffprobe facts cached by content hash (probe.ts), and
// frames at given times (frames.ts), with ffmpeg and ffprobe runs bounded by one pool.
import { BoundedPool, DeadlineError, InvalidArgumentError, Lru, UnavailableError } from '@verimesh/kit';
import { ffmpegPath, ffprobePath } from './binaries.js';
import { DiskCache, type VideoInput } from './disk-cache.js';
import { grabFrame, type VideoFrame } from './frames.js';
import { probeFile, type ProbeOutcome, type VideoInfo } from './probe.js';

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

/**
 * Where videos become local files and ffprobe facts. Probe results (and probe failures: the bytes decide) are cached
 * by content hash, and concurrent probes of the same video share one ffprobe. Problems are InvalidArgumentError naming
 * the field: whether that is the caller's fault (an input video) or the policy's (a video it produced) is the
 * verifier's call (SPEC 4.1).
 */
export class VideoStore {
  readonly stats = { probeCalls: 0, probeCacheHits: 0, extractCalls: 0 };
  private readonly opts: Required<VideoStoreOptions>;
  private readonly pool: BoundedPool;
  private readonly files: DiskCache;
  private readonly probes: Lru<string, ProbeOutcome>;
  private readonly pending = new Map<string, Promise<ProbeOutcome>>();

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
    this.files = new DiskCache({ dir: this.opts.cacheDir, cacheBytes: this.opts.cacheBytes, maxBytes: this.opts.maxVideoBytes });
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
      disk_cache_bytes: this.files.bytes,
      ...this.stats,
    };
  }

  private ffmpegBin(): string {
    return this.opts.ffmpegPath || ffmpegPath();
  }

  private ffprobeBin(): string {
    return this.opts.ffprobePath || ffprobePath();
  }

  /** ffprobe facts of a video, cached by content hash. Unreadable, stream-less, too long or too big: InvalidArgumentError. */
  async probe(video: VideoInput, field = 'media', signal?: AbortSignal): Promise<VideoInfo> {
    const outcome = await this.files.withLocal(video, field, signal, async (path, hash, bytes) => {
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

  private async runProbe(path: string, hash: string, bytes: number): Promise<ProbeOutcome> {
    this.stats.probeCalls++;
    const o = await probeFile(path, hash, bytes, { ffprobe: this.ffprobeBin(), timeoutMs: this.opts.probeTimeoutMs, maxDurationS: this.opts.maxDurationS });
    // A timeout may be the machine's load rather than the bytes: it is not remembered.
    if (o.ok || !o.transient) this.probes.set(hash, o);
    return o;
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
    const rgbBytes = width && height ? width * height * 3 : undefined;
    try {
      return await this.files.withLocal(video, field, signal.signal, (path) =>
        Promise.all(
          times.map((requested) =>
            this.pool.run(async () => {
              const time = Math.min(requested, last);
              this.stats.extractCalls++;
              const data = await grabFrame(path, time, { ffmpeg: this.ffmpegBin(), format, width: opts.width, height: opts.height, signal: signal.signal, field, rgbBytes });
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

  /** Removes the cache directory if this store made it. */
  close(): Promise<void> {
    return this.files.close();
  }
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
