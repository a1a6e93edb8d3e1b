// text.exact: the normalized answer equals one of the accepted reference answers (multiple-choice letters understood).
import { InvalidArgumentError, readChoice } from '@verimesh/kit';
import type { VerifierDef, VerifyInput, VerifyOutcome } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';

export type NormalizeMode = 'default' | 'squad';

// Sentence-final punctuation only: dropping a trailing ")" or "]" would change "f(x)" or "[1, 2]".
const TRAILING_PUNCT = /[\s.,;:!?。，．！？、]+$/u;
// SQuAD drops Python's string.punctuation; \p{P} adds the Unicode quotes and dashes a model may emit.
const SQUAD_PUNCT = /[\p{P}!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/gu;

/** SPEC 4.2 normalization: lower-cased, trimmed, inner whitespace collapsed, trailing punctuation dropped (squad: articles and all punctuation). */
export function normalizeText(text: string, mode: NormalizeMode = 'default'): string {
  let s = text.normalize('NFKC').toLowerCase();
  if (mode === 'squad') {
    s = s.replace(SQUAD_PUNCT, '').replace(/\b(?:a|an|the)\b/g, ' ');
  }
  s = s.replace(/\s+/g, ' ').trim();
  return mode === 'squad' ? s : s.replace(TRAILING_PUNCT, '');
}

/** Markdown emphasis and LaTeX wrappers a model puts around a short answer ("**B**", "\text{B}", "\boxed{C}", "$B$"). */
function unwrap(text: string): string {
  let s = text
    .trim()
    .replace(/\*\*|__/g, '')
    .replace(/\\(?:boxed|text|textbf|mathrm|mathbf)\s*\{([^{}]*)\}/g, '$1');
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s.replace(/^\\(?:text|textbf|mathrm|mathbf)\s*\{(.*)\}$/s, '$1').replace(/^\$+(.*?)\$+$/s, '$1').trim();
  }
  return s;
}

// A bare letter or a labelled one: "B", "(B)", "B.", "B)", "B:", "[B]".
const LETTER_ALONE = /^[([]?\s*([A-Za-z])\s*[)\]]?\s*[.:)]?$/;
// "Option B", "Choice (C)", "Answer: B", "The answer is (B).", "Final answer: B" as the whole answer.
const LETTER_CUED_WHOLE = /^(?:the\s+)?(?:final\s+|correct\s+)?(?:option|choice|answer)(?:\s+is)?\s*[:\-]?\s*(?:option\s+|choice\s+)?(\(\s*[A-Za-z]\s*\)|\[\s*[A-Za-z]\s*\]|[A-Za-z])\s*[.)]?$/i;
// "(A) 42 apples", "A. 42 apples", "A) 42 apples": a choice label in front of the option's text.
const LETTER_LABEL = /^(?:\(\s*([A-Za-z])\s*\)|\[\s*([A-Za-z])\s*\]|([A-Z])[.):])\s+(\S.*)$/s;
// A cue anywhere in a longer answer ("... so the answer is (B)."); the last one wins.
const LETTER_CUE = /\b(?:answer\s*(?:is|would\s+be|should\s+be|:|-)|option|choice)\s*(?:option\s+|choice\s+)?(\(\s*[A-Za-z]\s*\)|\[\s*[A-Za-z]\s*\]|[A-Za-z])(?![\p{L}\p{N}])/giu;
// "The answer is 42", "Final answer: 42": the text after the lead-in.
const LEAD_IN = /^(?:the\s+)?(?:final\s+|correct\s+)?answer\s*(?:is|:)\s*(.+)$/is;
// "B is correct", "(C) is the right answer": the letter before the verdict.
const LETTER_IS_CORRECT = /(\(\s*[A-Za-z]\s*\)|\b[A-Z])\s+is\s+(?:the\s+)?(?:correct|right)\b/gu;

// A hedge: the letter is joined to another one ("B or C", "(B)/(C)", "B, C, or D", "A B C D", "(B) and (C) are correct").
// The second letter must end the clause (end, punctuation, another letter, "is/are correct"), so "B and I think" is no hedge.
const CHOICE = String.raw`(?:\(\s*[A-Za-z]\s*\)|\[\s*[A-Za-z]\s*\]|[A-Z](?![\p{L}\p{N}]))`;
const JOIN = String.raw`\s*(?:[,/;&]\s*)?(?:(?:or|and)\s+)?(?:(?:maybe|perhaps|possibly)\s+)?(?:(?:option|choice)\s+)?`;
const CLAUSE_END = String.raw`(?=\s*(?:$|[.,;:!?)\]/&]|(?:or|and)\b|${CHOICE}|(?:is|are)\s+(?:both\s+|all\s+)?(?:the\s+)?(?:correct|right|answers?)\b))`;
const HEDGE_AFTER = new RegExp(`^${JOIN}(${CHOICE})${CLAUSE_END}`, 'u');
const HEDGE_BEFORE = new RegExp(`(${CHOICE})${JOIN}$`, 'u');
// Another choice label inside a label's option text: the answer is a copy of the option list ("(A) 12 (B) 42").
const ANOTHER_LABEL = /(?:^|\s)(?:\(\s*[A-Z]\s*\)|[A-Z][.)])\s+\S/u;

/** A hedge match when it joins a different letter ("B or C"; "B or B" is no hedge), else undefined. */
function otherLetter(m: RegExpExecArray | null, letter: string): RegExpExecArray | undefined {
  return m && /[A-Za-z]/.exec(m[1]!)![0].toUpperCase() !== letter ? m : undefined;
}

/** The letter inside "(b)" / "[b]" / "B": a bare letter counts only when upper-case ("the answer is a cat" names no choice). */
function cuedLetter(token: string): string | undefined {
  const inner = /[A-Za-z]/.exec(token)![0];
  if (/^[([]/.test(token)) return inner.toUpperCase();
  return /[A-Z]/.test(inner) ? inner : undefined;
}

/** The choice letter a reference names when the whole reference is a letter form ("B", "(B)", "Option B"), else undefined. */
export function referenceLetter(reference: string): string | undefined {
  const s = unwrap(reference);
  const alone = LETTER_ALONE.exec(s);
  if (alone) return alone[1]!.toUpperCase();
  const cued = LETTER_CUED_WHOLE.exec(s);
  return cued ? /[A-Za-z]/.exec(cued[1]!)![0].toUpperCase() : undefined;
}

/**
 * The choice letter an answer gives, or undefined. Whole-answer forms first ("B", "(b)", "Option B"), then the last
 * cue inside a longer text ("so the answer is (B).", "B is correct"), then a leading label ("(A) 42 apples"). A bare
 * lower-case letter inside a sentence is not a choice ("the answer is a cat"); a lone one is ("b"). An answer that
 * hedges over several letters ("the answer is B or C", "(A) (B) (C) (D)") names no choice: one letter or none.
 */
export function answerLetter(answer: string): string | undefined {
  const s = unwrap(answer);
  const alone = LETTER_ALONE.exec(s);
  if (alone) return alone[1]!.toUpperCase();
  const whole = LETTER_CUED_WHOLE.exec(s);
  if (whole) return /[A-Za-z]/.exec(whole[1]!)![0].toUpperCase();
  let last: { at: number; letter: string; hedged: boolean } | undefined;
  let hedgedUntil = -1; // "option A or option B": the second cue sits inside the first one's hedge
  for (const re of [LETTER_CUE, LETTER_IS_CORRECT]) {
    for (const m of s.matchAll(re)) {
      const letter = cuedLetter(m[1]!);
      if (letter === undefined) continue;
      // The letter ends a cue match ("answer is (B)") and starts a verdict match ("B is correct").
      const letterEnd = re === LETTER_CUE ? m.index + m[0].length : m.index + m[1]!.length;
      const after = otherLetter(HEDGE_AFTER.exec(s.slice(letterEnd)), letter);
      if (after) hedgedUntil = Math.max(hedgedUntil, letterEnd + after[0].length);
      const hedged = after !== undefined || m.index < hedgedUntil || (re === LETTER_IS_CORRECT && otherLetter(HEDGE_BEFORE.exec(s.slice(0, m.index)), letter) !== undefined);
      if (last === undefined || m.index >= last.at) last = { at: m.index, letter, hedged };
    }
  }
  if (last) return last.hedged ? undefined : last.letter;
  // A label in front of option text counts when no cue overrides it ("(A) is wrong, (D) is right" names D).
  const label = LETTER_LABEL.exec(s);
  if (!label) return undefined;
  const letter = (label[1] ?? label[2] ?? label[3])!.toUpperCase();
  return otherLetter(HEDGE_AFTER.exec(` ${label[4]!}`), letter) || ANOTHER_LABEL.test(label[4]!) ? undefined : letter;
}

/** Text forms of an answer worth comparing, normalized: as given, without a choice label, without an "answer is" lead-in. */
function normalizedCandidates(answer: string, mode: NormalizeMode): Set<string> {
  const s = unwrap(answer);
  // The raw form too: unwrapping would turn a literal "__init__" into "init".
  const out = new Set([normalizeText(answer.trim(), mode), normalizeText(unwrap(s), mode)]);
  const label = LETTER_LABEL.exec(s);
  if (label) out.add(normalizeText(unwrap(label[4]!), mode));
  const lead = LEAD_IN.exec(s);
  if (lead) {
    out.add(normalizeText(unwrap(lead[1]!), mode));
    const inner = LETTER_LABEL.exec(lead[1]!.trim());
    if (inner) out.add(normalizeText(unwrap(inner[4]!), mode));
  }
  return out;
}

function acceptedAnswer(a: unknown, field: string): string {
  if (typeof a === 'string') return a;
  if (typeof a === 'number' && Number.isFinite(a)) return String(a);
  throw new InvalidArgumentError('reference.answer', `${field} must be a string (or a number), got ${JSON.stringify(a)}`);
}

/** reference.answer as a list of accepted strings (the usual single string costs no array copy of a list). */
function readAnswers(reference: Record<string, unknown>): readonly string[] {
  const raw = reference.answer;
  if (raw === undefined || raw === null) throw new InvalidArgumentError('reference.answer', 'reference.answer is required (a string or a list of accepted strings)');
  if (!Array.isArray(raw)) return [acceptedAnswer(raw, 'reference.answer')];
  if (raw.length === 0) throw new InvalidArgumentError('reference.answer', 'reference.answer must list at least one accepted answer');
  const out: string[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = acceptedAnswer(raw[i], `reference.answer[${i}]`);
  return out;
}

const NO_CHOICES: ReadonlyMap<string, string> = new Map();

/** reference.choices: option texts in order (A, B, …) or an object keyed by letter; lets "42 apples" match reference "B". */
function readChoices(reference: Record<string, unknown>): ReadonlyMap<string, string> {
  const raw = reference.choices;
  if (raw === undefined || raw === null) return NO_CHOICES;
  const out = new Map<string, string>();
  if (typeof raw !== 'object') throw new InvalidArgumentError('reference.choices', 'reference.choices must be a list of option texts or an object keyed by letter');
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((v, i) => [String.fromCharCode(65 + i), v])
    : Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k.trim().toUpperCase(), v]);
  for (const [k, v] of entries) {
    if (typeof v !== 'string' && typeof v !== 'number') throw new InvalidArgumentError('reference.choices', `reference.choices.${k} must be a string`);
    if (!/^[A-Z]$/.test(k)) throw new InvalidArgumentError('reference.choices', `reference.choices key "${k}" is not a single letter`);
    out.set(k, String(v));
  }
  return out;
}

function readNormalize(params: Record<string, unknown>): NormalizeMode {
  return readChoice(params.normalize, 'params.normalize', ['default', 'squad'] as const, 'default');
}

function short(s: string, n = 60): string {
  return JSON.stringify(s.length > n ? `${s.slice(0, n)}…` : s);
}

/** Scores one answer against the accepted references. */
function scoreExact(answer: string, references: readonly string[], choices: ReadonlyMap<string, string>, mode: NormalizeMode): VerifyOutcome {
  // The letter reading and the normalized text forms are computed only when a reference needs them (hot path:
  // once per sample); plain variables rather than memoizing closures, which would be allocated on every call.
  let letterRead = false;
  let letter: string | undefined;
  let candidates: Set<string> | undefined;
  let anyLetterRef = false;
  for (const ref of references) {
    const refLetter = referenceLetter(ref);
    if (refLetter !== undefined) {
      anyLetterRef = true;
      if (!letterRead) {
        letter = answerLetter(answer);
        letterRead = true;
      }
      if (letter === refLetter) return { score: 1, detail: `choice ${refLetter} matches`, metrics: { match: 'letter', letter: refLetter } };
      const text = letter === undefined ? choices.get(refLetter) : undefined;
      if (text === undefined) continue;
      candidates ??= normalizedCandidates(answer, mode);
      if (candidates.has(normalizeText(text, mode))) {
        return { score: 1, detail: `answer is the text of choice ${refLetter}`, metrics: { match: 'choice_text', letter: refLetter } };
      }
      continue;
    }
    candidates ??= normalizedCandidates(answer, mode);
    if (candidates.has(normalizeText(ref, mode))) return { score: 1, detail: `matches ${short(ref)}`, metrics: { match: 'text' } };
  }
  if (!letterRead) letter = answerLetter(answer);
  const accepted = references.length === 1 ? short(references[0]!) : `any of ${references.length} accepted answers`;
  const gave = letter !== undefined && anyLetterRef ? `choice ${letter}` : short(answer);
  return { score: 0, detail: answer.trim() === '' ? 'empty answer' : `${gave} does not match ${accepted}`, metrics: letter ? { match: 'none', letter } : { match: 'none' } };
}

export const exactVerifier: VerifierDef = {
  name: 'text.exact',
  description: 'Exact match after normalization (SPEC 4.2); multiple-choice letters understood; 1 or 0',
  params: {
    extract: 'answer extraction: "auto" (default: last <answer>, else whole text), "none", "boxed", "answer" or a regex with one group',
    normalize: '"default" (lower-case, trim, collapse whitespace, drop trailing punctuation) or "squad" (also drops articles and all punctuation)',
  },
  reference: {
    answer: 'accepted answer: a string, or a list of accepted strings; a letter form ("B", "(B)", "Option B") makes it a multiple-choice letter',
    choices: 'optional: option texts in order (["12", "42 apples"]) or {"A": "...", "B": "..."}; an answer that is the text of the right choice also scores 1',
  },
  verify(input: VerifyInput): VerifyOutcome {
    const mode = readNormalize(input.params);
    const extract = parseExtractParam(input.params.extract);
    const references = readAnswers(input.reference);
    const choices = readChoices(input.reference);
    const extracted = extractAnswer(input.response, extract);
    if (!extracted.found) return { score: 0, detail: `no answer found (extract: ${extracted.how})`, metrics: { match: 'none' } };
    return scoreExact(extracted.text, references, choices, mode);
  },
};
