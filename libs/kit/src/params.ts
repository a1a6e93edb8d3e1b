// Readers for params and reference values: absent (undefined/null) gives the fallback; a wrong value is the caller's
// fault, an InvalidArgumentError naming the field (SPEC 4.1).
import { InvalidArgumentError } from './errors.js';

const shown = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** A finite number in [min, max]. */
export function readNumber(value: unknown, field: string, fallback: number, min?: number, max?: number): number;
export function readNumber(value: unknown, field: string, fallback: undefined, min?: number, max?: number): number | undefined;
export function readNumber(value: unknown, field: string, fallback: number | undefined, min = -Infinity, max = Infinity): number | undefined {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, `${field} must be a number in [${min}, ${max}], got ${shown(value)}`);
  }
  return value;
}

/** An integer in [min, max]. */
export function readInt(value: unknown, field: string, fallback: number, min?: number, max?: number): number;
export function readInt(value: unknown, field: string, fallback: undefined, min?: number, max?: number): number | undefined;
export function readInt(value: unknown, field: string, fallback: number | undefined, min = -Infinity, max = Infinity): number | undefined {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, `${field} must be an integer in [${min}, ${max}], got ${shown(value)}`);
  }
  return value;
}

/** One of a fixed set of strings. */
export function readChoice<T extends string>(value: unknown, field: string, choices: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(field, `${field} must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${shown(value)}`);
  }
  return value as T;
}

/** true or false. */
export function readBool(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(field, `${field} must be true or false, got ${shown(value)}`);
  return value;
}
