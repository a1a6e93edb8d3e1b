// text.format: 1 if the response has the required shape (think_answer, or a caller's regex), else 0.
import { InvalidArgumentError, Lru, readBool, readChoice } from '@verimesh/kit';
import type { VerifierDef, VerifyInput, VerifyOutcome } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';

const TAGS = ['<think>', '</think>', '<answer>', '</answer>'] as const;

function count(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/**
 * think_answer: optional whitespace, exactly one <think>…</think>, optional whitespace, exactly one
 * <answer>…</answer> with non-blank content, optional whitespace; nothing else. Tags are lower-case and exact.
 * `prefilled` = the chat template already opened <think> in the prompt, so the response starts inside it.
 * Returns undefined when the shape is right, else why not.
 */
export function checkThinkAnswer(response: string, prefilled = false): string | undefined {
  const text = prefilled && !response.trimStart().startsWith('<think>') ? `<think>${response}` : response;
  for (const tag of TAGS) {
    const n = count(text, tag);
    if (n !== 1) return `${n === 0 ? 'no' : n} ${tag} tag${n === 1 ? '' : 's'} (exactly one required)`;
  }
  const s = text.trim();
  if (!s.startsWith('<think>')) return 'text before <think>';
  const thinkEnd = s.indexOf('</think>');
  const answerStart = s.indexOf('<answer>');
  const answerEnd = s.indexOf('</answer>');
  if (answerStart < thinkEnd) return '<answer> is not after </think>';
  if (s.slice(thinkEnd + '</think>'.length, answerStart).trim() !== '') return 'text between </think> and <answer>';
  if (answerEnd < answerStart) return '</answer> before <answer>';
  if (!s.endsWith('</answer>')) return 'text after </answer>';
  if (s.slice(answerStart + '<answer>'.length, answerEnd).trim() === '') return 'empty <answer>';
  return undefined;
}

const FLAGS = /^[imsu]*$/;
const compiled = new Lru<string, RegExp>(1000);

/** A caller's pattern compiled once as a full match (`^(?:pattern)$`) or a search; a bad pattern is the caller's error. */
function compilePattern(pattern: string, flags: string, match: 'full' | 'search'): RegExp {
  const key = `${match}\u0000${flags}\u0000${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    try {
      re = new RegExp(match === 'full' ? `^(?:${pattern})$` : pattern, flags);
    } catch (e) {
      throw new InvalidArgumentError('params.pattern', `params.pattern is not a valid regex: ${(e as Error).message}`);
    }
    compiled.set(key, re);
  }
  return re;
}

export const formatVerifier: VerifierDef = {
  name: 'text.format',
  description: 'Response shape: 1 if it matches params.pattern ("think_answer" or a regex), else 0',
  params: {
    pattern:
      '"think_answer" (default: exactly one <think>…</think> then exactly one non-empty <answer>…</answer>, only whitespace around) or a JavaScript regex',
    match: 'for a regex: "full" (default, the whole text must match) or "search" (anywhere)',
    flags: 'for a regex: flags from "imsu" (default "s": . matches newlines)',
    think_prefilled: 'think_answer only: true when the prompt already opened <think>, so the response may start inside it (default false)',
    extract: 'for a regex: the part matched (default "none" = the whole response); think_answer always reads the whole response',
  },
  reference: {},
  verify(input: VerifyInput): VerifyOutcome {
    const { params } = input;
    const pattern = params.pattern ?? 'think_answer';
    if (typeof pattern !== 'string' || pattern === '') throw new InvalidArgumentError('params.pattern', 'params.pattern must be "think_answer" or a non-empty regex string');
    if (pattern === 'think_answer') {
      const prefilled = readBool(params.think_prefilled, 'params.think_prefilled', false);
      const why = checkThinkAnswer(input.response, prefilled);
      return why === undefined ? { score: 1, detail: 'think_answer format' } : { score: 0, detail: `not think_answer: ${why}` };
    }
    const match = readChoice(params.match, 'params.match', ['full', 'search'] as const, 'full');
    const flags = params.flags ?? 's';
    if (typeof flags !== 'string' || !FLAGS.test(flags) || new Set(flags).size !== flags.length) {
      throw new InvalidArgumentError('params.flags', 'params.flags must be distinct letters from "imsu"');
    }
    const re = compilePattern(pattern, flags, match);
    const extracted = extractAnswer(input.response, parseExtractParam(params.extract ?? 'none'));
    if (!extracted.found) return { score: 0, detail: `no answer found (extract: ${extracted.how})` };
    return re.test(extracted.text) ? { score: 1, detail: `matches the pattern (${match})` } : { score: 0, detail: `does not match the pattern (${match})` };
  },
};
