// Reads a JSONL file line by line: each non-blank line becomes a sample or, when it is not a usable sample, a reason.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { idProblem, invalidResultJson } from '@verimesh/gateway';
import type { ResultJson } from '@verimesh/proto';

export type InputLine = { line: number; sample: Record<string, unknown>; id: string } | { line: number; invalid: ResultJson };

/**
 * The result a line gets when it never reaches the gateway (not JSON, not an object, no usable id, a repeated id);
 * with the line's inline `reward`, every component key is listed (SPEC section 3).
 */
export function invalidLine(line: number, error: string, id = `line-${line}`, reward?: unknown): ResultJson {
  return invalidResultJson(id, error, reward);
}

/**
 * Checks one line. The id is checked here too: without one, the gateway could not say which line a result
 * belongs to, so such a line gets the result id `line-N` (N = 1-based line number).
 */
export function parseLine(text: string, line: number): InputLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { line, invalid: invalidLine(line, `line ${line}: not valid JSON (${(e as Error).message})`) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { line, invalid: invalidLine(line, `line ${line}: a sample must be a JSON object`) };
  const sample = value as Record<string, unknown>;
  const bad = idProblem(sample.id);
  if (bad !== undefined) return { line, invalid: invalidLine(line, `line ${line}: id ${bad}`) };
  return { line, sample, id: sample.id as string };
}

/**
 * Lines of a file (or stdin for "-"), blank lines skipped; line numbers count every physical line. A repeated id is
 * `invalid` (as SPEC section 6 has it for a request): results stream back in completion order, so two results with
 * one id could not be told apart.
 */
export async function* readJsonl(input: Readable): AsyncGenerator<InputLine> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  const seen = new Map<string, number>();
  let n = 0;
  for await (const text of rl) {
    n++;
    if (text.trim() === '') continue;
    const parsed = parseLine(text, n);
    if ('id' in parsed) {
      const first = seen.get(parsed.id);
      if (first !== undefined) {
        yield { line: n, invalid: invalidLine(n, `line ${n}: id "${parsed.id}" duplicates line ${first}`, parsed.id, parsed.sample.reward) };
        continue;
      }
      seen.set(parsed.id, n);
    }
    yield parsed;
  }
}

/** Opens the input, failing early (before any output) when the file cannot be read. */
export async function openInput(path: string): Promise<Readable> {
  if (path === '-') return process.stdin;
  const stream = createReadStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return stream;
}

/** Non-blank lines in a file: the progress bar's total (undefined for stdin). */
export async function countLines(path: string): Promise<number | undefined> {
  if (path === '-') return undefined;
  let n = 0;
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const text of rl) if (text.trim() !== '') n++;
  return n;
}
