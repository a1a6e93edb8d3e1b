// Public surface of @verimesh/video-temporal: the service, its config, parsers and metrics (videos: @verimesh/media).
export { createService, SERVICE_NAME, VERSION } from './service.js';
export { OPTIONS, loadServiceConfig } from './config.js';
export type { Config } from './config.js';
export { parseSpans, parseTimestamps, parseTime } from './timestamps.js';
export type { Span, ParsedSpans, TimeUnit } from './timestamps.js';
export { temporalIou, timeR1Factor } from './temporal.js';
export { boundaryF, boundaryMap } from './davis.js';
export type { Bitmap, BoundaryScore } from './davis.js';
