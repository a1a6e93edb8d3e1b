// Geometry shared by the vision and video verifiers: boxes, COCO RLE masks, polygons, IoU and matching.
export { boxIou, giou, boxArea, boxIntersection, isDegenerate, xyxyToXywh, coordScale, pixelBox } from './box.js';
export type { Box, BoxXywh, BoxFormat, Coords } from './box.js';
export {
  rleEncode,
  rleDecode,
  rleArea,
  rleStats,
  rleIou,
  rleDice,
  rleMerge,
  rleContains,
  rleToBbox,
  rleToString,
  rleFromString,
  rleValidate,
  parseRle,
  MAX_DECODE_PIXELS,
  MAX_MASK_PIXELS,
} from './rle.js';
export type { Rle, RleStats, BitmapLayout } from './rle.js';
export { polygonToRle, bboxToRle, normalizePolygons, MAX_POLYGON_BOUNDARY } from './polygon.js';
export { hungarian } from './matching.js';
export { GeometryError } from './errors.js';
