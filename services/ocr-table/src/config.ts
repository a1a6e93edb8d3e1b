// Settings of the ocr-table service (flag > environment > default), validated once and frozen.
import { loadConfig, type ConfigOf, type OptionSpec } from '@verimesh/kit';

export const OPTIONS = {
  ortProviders: {
    type: 'list',
    env: 'VERIMESH_OCR_TABLE_ORT_PROVIDERS',
    deprecatedEnv: 'VERIMESH_ORT_PROVIDERS',
    flag: 'ort-providers',
    default: ['cpu'],
    doc: 'onnxruntime execution providers for OCR, in order ("cuda" selects the CUDA EP on GPU nodes, with CPU as fallback)',
  },
  ortThreads: { type: 'int', env: 'VERIMESH_OCR_TABLE_ORT_THREADS', flag: 'ort-threads', default: 0, min: 0, doc: 'onnxruntime intra-op threads (0 = one per core)' },
  ocrConcurrency: {
    type: 'int',
    env: 'VERIMESH_OCR_TABLE_OCR_CONCURRENCY',
    flag: 'ocr-concurrency',
    default: 1,
    min: 1,
    doc: 'images OCRed at once (each already uses every core through onnxruntime)',
  },
  ocrBatchImages: {
    type: 'int',
    env: 'VERIMESH_OCR_TABLE_OCR_BATCH_IMAGES',
    flag: 'ocr-batch-images',
    default: 8,
    min: 1,
    max: 256,
    doc: 'queued images a worker takes at once; their text lines share recognition batches',
  },
  ocrQueue: { type: 'int', env: 'VERIMESH_OCR_TABLE_OCR_QUEUE', flag: 'ocr-queue', default: 4096, min: 0, doc: 'images waiting for OCR before RESOURCE_EXHAUSTED' },
  detMaxSide: { type: 'int', env: 'VERIMESH_OCR_TABLE_DET_MAX_SIDE', flag: 'det-max-side', default: 960, min: 32, max: 4096, doc: 'longer image side the text detector sees' },
  recBatch: { type: 'int', env: 'VERIMESH_OCR_TABLE_REC_BATCH', flag: 'rec-batch', default: 8, min: 1, max: 256, doc: 'text-line crops per recognition batch' },
  maxImagePixels: {
    type: 'int',
    env: 'VERIMESH_OCR_TABLE_MAX_IMAGE_PIXELS',
    flag: 'max-image-pixels',
    default: 50_000_000,
    min: 1,
    doc: 'images with more pixels (by their header) are refused before decoding',
  },
  maxImageBytes: { type: 'int', env: 'VERIMESH_OCR_TABLE_MAX_IMAGE_BYTES', flag: 'max-image-bytes', default: 64 * 1024 * 1024, min: 1, doc: 'largest image file accepted' },
  maxTedCells: {
    type: 'int',
    env: 'VERIMESH_OCR_TABLE_MAX_TED_CELLS',
    flag: 'max-ted-cells',
    default: 16_000_000,
    min: 1,
    doc: 'largest n_pred × n_ref (tree nodes) compared by TEDS; the matrices take 16 bytes per cell',
  },
  maxTableChars: { type: 'int', env: 'VERIMESH_OCR_TABLE_MAX_TABLE_CHARS', flag: 'max-table-chars', default: 500_000, min: 1, doc: 'longest table text parsed (parsing adversarial HTML of this size takes up to ~1.5 s)' },
  preload: { type: 'bool', env: 'VERIMESH_OCR_TABLE_PRELOAD', flag: 'preload', default: false, doc: 'load the OCR models at start instead of on the first doc.ocr item' },
} as const satisfies Record<string, OptionSpec>;

export type Config = ConfigOf<typeof OPTIONS>;

export function loadServiceConfig(source: { env?: NodeJS.ProcessEnv; argv?: readonly string[] } = {}): Config {
  return loadConfig(OPTIONS, source);
}
