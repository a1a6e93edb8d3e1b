// Settings of the vision-iou service: input size limits that keep every item bounded, from flags and environment.
import { loadConfig, type ConfigOf, type OptionSpec } from '@verimesh/kit';

export const OPTIONS = {
  maxAnswerChars: {
    type: 'int',
    env: 'VERIMESH_VISION_IOU_MAX_ANSWER_CHARS',
    flag: 'max-answer-chars',
    default: 256 * 1024,
    min: 1,
    doc: 'longest extracted answer parsed; a longer one scores 0 with a detail (bounds parse time)',
  },
  maxBoxes: {
    type: 'int',
    env: 'VERIMESH_VISION_IOU_MAX_BOXES',
    flag: 'max-boxes',
    default: 500,
    min: 1,
    doc: 'most predicted (or reference) objects vision.detection matches; more predicted scores 0, more reference is invalid',
  },
  maxMaskPixels: {
    type: 'int',
    env: 'VERIMESH_VISION_IOU_MAX_MASK_PIXELS',
    flag: 'max-mask-pixels',
    default: 64 * 1024 * 1024,
    min: 1,
    doc: 'largest PNG/JPEG mask (width·height) decoded; the header is checked before any pixel is decoded',
  },
  maxImageBytes: {
    type: 'int',
    env: 'VERIMESH_VISION_IOU_MAX_IMAGE_BYTES',
    flag: 'max-image-bytes',
    default: 64 * 1024 * 1024,
    min: 1,
    doc: 'largest image or mask file read (bytes)',
  },
  concurrency: {
    type: 'int',
    env: 'VERIMESH_VISION_IOU_CONCURRENCY',
    flag: 'concurrency',
    default: 8,
    min: 1,
    doc: 'items of one batch in flight at once; only items that read an image wait (the rest answer synchronously), so this bounds how many decoded masks one batch holds in memory',
  },
} as const satisfies Record<string, OptionSpec>;

export type Config = ConfigOf<typeof OPTIONS>;

/** Frozen config from flags > environment > defaults; throws ConfigError naming the setting. */
export function loadServiceConfig(source: { env?: NodeJS.ProcessEnv; argv?: readonly string[] } = {}): Config {
  return loadConfig(OPTIONS, source);
}
