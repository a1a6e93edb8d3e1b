// Public names of the ocr-table service: the service, its config, and the metrics other tools may reuse.
export { createService, SERVICE_VERSION } from './service.js';
export { OPTIONS, loadServiceConfig } from './config.js';
export type { Config } from './config.js';
export { teds, tedSize } from './metrics/teds.js';
export type { TedsResult } from './metrics/teds.js';
export { findTable } from './table/find.js';
/** parse5's path alone, without the strict reader in front (the benchmark's same-run baseline for it). */
export { parseHtmlTableWithParse5 } from './table/html.js';
export type { TableFormat } from './table/find.js';
export type { Table, TableNode, TableNormalization } from './table/model.js';
export { anls, nedSimilarity, cer, wer, sentenceBleu, rougeL, tokenF1, textSimilarity } from './metrics/text.js';
export type { TextMetric, AnlsVariant } from './metrics/text.js';
export { compareKie, prf } from './metrics/kie.js';
export { OcrEngine } from './ocr/paddle.js';
export type { OcrResult, OcrLine } from './ocr/paddle.js';
