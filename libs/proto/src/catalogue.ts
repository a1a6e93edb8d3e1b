// The verifier catalogue of SPEC section 4: which service owns which verifier.

export const SERVICE_NAMES = ['gateway', 'code-exec', 'vision-iou', 'video-temporal', 'ocr-table', 'llm-judge', 'math'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const CATALOGUE: Readonly<Record<string, ServiceName>> = Object.freeze({
  'text.exact': 'gateway',
  'text.numeric': 'gateway',
  'text.format': 'gateway',
  'text.length': 'gateway',
  'code.tests': 'code-exec',
  'code.verilog': 'code-exec',
  'code.lp': 'code-exec',
  'vision.box_iou': 'vision-iou',
  'vision.detection': 'vision-iou',
  'vision.mask_iou': 'vision-iou',
  'vision.point': 'vision-iou',
  'video.temporal_iou': 'video-temporal',
  'video.tracking': 'video-temporal',
  'video.mask_jf': 'video-temporal',
  'video.keyframes': 'video-temporal',
  'doc.teds': 'ocr-table',
  'doc.anls': 'ocr-table',
  'doc.text': 'ocr-table',
  'doc.kie': 'ocr-table',
  'doc.ocr': 'ocr-table',
  'judge.rubric': 'llm-judge',
  'judge.reference': 'llm-judge',
  'judge.pairwise': 'llm-judge',
  'judge.semantic': 'llm-judge',
  'math.equiv': 'math',
});

/** The service that owns a verifier, or undefined for a name outside the catalogue. */
export function serviceOf(verifier: string): ServiceName | undefined {
  return Object.hasOwn(CATALOGUE, verifier) ? CATALOGUE[verifier] : undefined;
}
