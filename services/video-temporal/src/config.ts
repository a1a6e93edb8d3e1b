// Settings of the video-temporal service: media limits, caches and ffmpeg concurrency, from flags and environment.
import { loadConfig, type ConfigOf, type OptionSpec } from '@verimesh/kit';

export const OPTIONS = {
  maxVideoBytes: {
    type: 'int',
    env: 'VERIMESH_VIDEO_TEMPORAL_MAX_BYTES',
    deprecatedEnv: 'VERIMESH_VIDEO_MAX_BYTES',
    flag: 'max-video-bytes',
    default: 256 * 1024 * 1024,
    min: 1,
    doc: 'largest video accepted (bytes); a larger input video is the caller\'s problem (status invalid)',
  },
  maxDurationS: {
    type: 'number',
    env: 'VERIMESH_VIDEO_TEMPORAL_MAX_DURATION_S',
    deprecatedEnv: 'VERIMESH_VIDEO_MAX_DURATION_S',
    flag: 'max-duration-s',
    default: 3 * 3600,
    min: 1,
    doc: 'longest video accepted (seconds, from its header); longer is refused as a huge input',
  },
  cacheDir: {
    type: 'string',
    env: 'VERIMESH_VIDEO_TEMPORAL_CACHE_DIR',
    deprecatedEnv: 'VERIMESH_VIDEO_CACHE_DIR',
    flag: 'cache-dir',
    default: '',
    doc: 'where inline (data_b64) and http videos are written for ffmpeg (default: a fresh directory under the OS temp dir)',
  },
  cacheBytes: {
    type: 'int',
    env: 'VERIMESH_VIDEO_TEMPORAL_CACHE_BYTES',
    deprecatedEnv: 'VERIMESH_VIDEO_CACHE_BYTES',
    flag: 'cache-bytes',
    default: 512 * 1024 * 1024,
    min: 0,
    doc: 'bytes of downloaded/inline videos kept on disk (least recently used evicted first)',
  },
  probeCacheEntries: {
    type: 'int',
    env: 'VERIMESH_VIDEO_TEMPORAL_PROBE_CACHE',
    deprecatedEnv: 'VERIMESH_VIDEO_PROBE_CACHE',
    flag: 'probe-cache',
    default: 4096,
    min: 0,
    doc: 'ffprobe results kept, keyed by the video content hash (0 = probe every time)',
  },
  probeTimeoutMs: {
    type: 'int',
    env: 'VERIMESH_VIDEO_TEMPORAL_PROBE_TIMEOUT_MS',
    deprecatedEnv: 'VERIMESH_VIDEO_PROBE_TIMEOUT_MS',
    flag: 'probe-timeout-ms',
    default: 10_000,
    min: 100,
    doc: 'longest an ffprobe may take before the video counts as unreadable',
  },
  ffmpegProcs: {
    type: 'int',
    env: 'VERIMESH_VIDEO_TEMPORAL_FFMPEG_PROCS',
    deprecatedEnv: 'VERIMESH_VIDEO_FFMPEG_PROCS',
    flag: 'ffmpeg-procs',
    default: 2,
    min: 1,
    doc: 'ffmpeg/ffprobe processes run at once',
  },
  maxFrames: {
    type: 'int',
    env: 'VERIMESH_VIDEO_TEMPORAL_MAX_FRAMES',
    deprecatedEnv: 'VERIMESH_VIDEO_MAX_FRAMES',
    flag: 'max-frames',
    default: 10_000,
    min: 1,
    doc: 'most reference frames one tracking or J&F item may have',
  },
  maxMaskPixels: {
    type: 'int',
    env: 'VERIMESH_VIDEO_TEMPORAL_MAX_MASK_PIXELS',
    deprecatedEnv: 'VERIMESH_VIDEO_MAX_MASK_PIXELS',
    flag: 'max-mask-pixels',
    default: 4096 * 4096,
    min: 1,
    doc: 'largest mask (width·height) J&F decodes',
  },
} as const satisfies Record<string, OptionSpec>;

export type Config = ConfigOf<typeof OPTIONS>;

/** Frozen config from flags > environment > defaults; throws ConfigError naming the setting. */
export function loadServiceConfig(source: { env?: NodeJS.ProcessEnv; argv?: readonly string[] } = {}): Config {
  return loadConfig(OPTIONS, source);
}
