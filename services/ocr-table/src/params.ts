// Reading and checking params/reference values; a bad value is the caller's fault (status invalid), naming the field.
import { InvalidArgumentError } from '@verimesh/kit';

/** A string or a non-empty list of strings (numbers accepted and written as strings). */
export function stringList(value: unknown, field: string): string[] {
  const ok = (x: unknown): x is string | number => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x));
  if (ok(value)) return [String(value)];
  if (Array.isArray(value) && value.length > 0 && value.every(ok)) return value.map(String);
  throw new InvalidArgumentError(field, `${field} must be a string or a non-empty list of strings`);
}

export function fmt(x: number, digits = 4): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}
