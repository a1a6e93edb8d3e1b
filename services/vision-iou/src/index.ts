// The vision-iou service: box IoU, detection, mask IoU and point rewards (SPEC section 4).
export { createService } from './service.js';
export { OPTIONS, loadServiceConfig } from './config.js';
export type { Config } from './config.js';
export { parseAnswer } from './parse.js';
export type { Shape, ParseResult } from './parse.js';
export { gaussianPointReward } from './verifiers/point.js';
export { cocoMap, matchF1 } from './detection-metrics.js';
