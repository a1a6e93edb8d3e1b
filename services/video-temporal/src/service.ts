// The video-temporal service: its four verifiers over one shared video store (ffprobe cache, media cache, ffmpeg pool).
import type { ServiceDef } from '@verimesh/kit';
import { loadServiceConfig, type Config } from './config.js';
import { VideoStore } from '@verimesh/media';
import { keyframesVerifier } from './verifiers/keyframes.js';
import { maskJfVerifier } from './verifiers/mask-jf.js';
import { temporalIouVerifier } from './verifiers/temporal-iou.js';
import { trackingVerifier } from './verifiers/tracking.js';

export const SERVICE_NAME = 'video-temporal';
export const VERSION = '0.1.0';

/** The service definition; with no argument, configured from the environment alone (the embedded mesh calls that). */
export function createService(config: Config = loadServiceConfig(), store?: VideoStore): ServiceDef {
  const videos =
    store ??
    new VideoStore({
      maxVideoBytes: config.maxVideoBytes,
      maxDurationS: config.maxDurationS,
      cacheDir: config.cacheDir,
      cacheBytes: config.cacheBytes,
      probeCacheEntries: config.probeCacheEntries,
      probeTimeoutMs: config.probeTimeoutMs,
      ffmpegProcs: config.ffmpegProcs,
    });
  return {
    name: SERVICE_NAME,
    version: VERSION,
    verifiers: [temporalIouVerifier(videos), trackingVerifier(videos, config), maskJfVerifier(videos, config), keyframesVerifier(videos)],
    info: () => videos.info(),
    stop: () => videos.close(),
  };
}
