// One math.equiv item from text to verdict (runs inside a math worker): think blocks dropped, shared extraction, the
// final answer read and parsed on both sides by the same rules, then compared.
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import { Lru } from '@verimesh/kit';
import { equivalent, type CompareOptions } from './compare.js';
import { parseNormalized, type Parsed } from './expr.js';
import { normalize } from './normalize.js';
import { finalAnswers, outsideThink, type Candidate, type Targets } from './read.js';

export interface Job {
  response: string;
  reference: string;
  /** params.extract as given (validated by the caller). */
  extract: string | undefined;
  targets: Targets;
  options: CompareOptions;
}

export type Verdict =
  | { kind: 'scored'; score: 0 | 1; detail: string; metrics: Record<string, unknown> }
  | { kind: 'invalid'; field: string; message: string };

interface Reading {
  parsed: Parsed;
  candidate: Candidate;
}

/** The first reading of a text's final answer that parses. */
function read(text: string, targets: Targets): Reading | undefined {
  for (const candidate of finalAnswers(text, targets)) {
    const parsed = parseNormalized(normalize(candidate.text, candidate.context));
    if (parsed) return { parsed, candidate };
  }
  return undefined;
}

/** Parsed references by text: the rollouts of one prompt (a GRPO group) share their reference. */
const REFERENCES = new Lru<string, Reading | null>(2048);

function readReference(text: string, targets: Targets): Reading | null {
  return REFERENCES.getOrSet(`${targets}\u0000${text}`, () => read(text, targets) ?? null);
}

const short = (s: string, n = 80): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function judge(job: Job): Verdict {
  const ref = readReference(job.reference, job.targets);
  if (!ref) return { kind: 'invalid', field: 'reference.answer', message: `reference.answer could not be parsed as a math answer: "${short(job.reference)}"` };
  const visible = outsideThink(job.response);
  const extracted = extractAnswer(visible, parseExtractParam(job.extract));
  if (!extracted.found || !extracted.text) return scored(0, `no answer found (extract: ${extracted.how})`, { parsed: false });
  const answer = read(extracted.text, job.targets);
  if (!answer) {
    const seen = finalAnswers(extracted.text, job.targets)[0];
    return scored(0, seen ? `the final answer "${short(seen.text)}" could not be parsed` : 'no final answer found', { parsed: false });
  }
  let same: boolean;
  try {
    same = equivalent(ref.parsed, answer.parsed, job.options);
  } catch {
    // The engine failing on an odd expression is a failed comparison, as in Math-Verify, never a crash of the item.
    same = false;
  }
  const metrics = { parsed: true, answer: short(answer.candidate.text, 200), how: answer.candidate.how };
  return same
    ? scored(1, `"${short(answer.candidate.text)}" is equivalent to the reference "${short(ref.candidate.text)}"`, metrics)
    : scored(0, `"${short(answer.candidate.text)}" is not equivalent to the reference "${short(ref.candidate.text)}"`, metrics);
}

function scored(score: 0 | 1, detail: string, metrics: Record<string, unknown>): Verdict {
  return { kind: 'scored', score, detail, metrics };
}
