// The one error class the geometry library throws for malformed or oversized input.

/** Malformed geometry (bad RLE, sizes that disagree, non-finite coordinates, input too large). */
export class GeometryError extends Error {
  override readonly name = 'GeometryError';
}
