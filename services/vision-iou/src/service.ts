// The vision-iou service: the four vision verifiers behind one VerifierService.
import type { ServiceDef } from '@verimesh/kit';
import { loadServiceConfig, type Config } from './config.js';
import { boxIouVerifier } from './verifiers/box-iou.js';
import { detectionVerifier } from './verifiers/detection.js';
import { maskIouVerifier } from './verifiers/mask-iou.js';
import { pointVerifier } from './verifiers/point.js';

export function createService(config: Config = loadServiceConfig()): ServiceDef {
  return {
    name: 'vision-iou',
    version: '0.1.0',
    verifiers: [boxIouVerifier(config), detectionVerifier(config), maskIouVerifier(config), pointVerifier(config)],
    concurrency: config.concurrency,
    info: () => ({
      box_iou: 'COCO continuous IoU (no +1 pixel)',
      masks: 'COCO RLE, pycocotools string codec and polygon rasterization',
      limits: { max_answer_chars: config.maxAnswerChars, max_boxes: config.maxBoxes, max_mask_pixels: config.maxMaskPixels },
    }),
  };
}
