// Reading and checking params/reference values; a bad value is the caller's fault (status invalid), naming the field.
import { InvalidArgumentError } from '@verimesh/kit';

export function enumParam<T extends string>(value: unknown, field: string, choices: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    throw new InvalidArgumentError(field, `${field} must be one of ${choices.map((c) => `"${c}"`).join(', ')}`);
  }
  return value as T;
}

export function boolParam(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(field, `${field} must be true or false`);
  return value;
}

export function numberParam(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, `${field} must be a number in [${min}, ${max}]`);
  }
  return value;
}

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
