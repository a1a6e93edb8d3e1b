// Reading the final answer out of a text (SPEC 4.2): the last \boxed{}, else the last math span, else the last plain
// expression. The response and reference.answer go through this same reader.
import { UNIT_WORDS, type Context } from './normalize.js';

/** Which forms of the final answer are read: `both` (default), `latex` (boxed and math spans), `expr` (plain text). */
export type Targets = 'both' | 'latex' | 'expr';

/** One reading of the final answer: its text and whether it is LaTeX (boxed, a math span) or plain text. */
export interface Candidate {
  text: string;
  context: Context;
  how: 'boxed' | 'span' | 'whole' | 'plain';
}

/** Candidates tried, right to left, when the last math span does not parse (Math-Verify tries every match; we stop here). */
export const MAX_SPANS = 4;
/** A whole text up to this long is tried as one expression before the last plain expression in it is looked for. */
export const MAX_WHOLE_CHARS = 400;

/**
 * The text outside every <think>…</think>. An unclosed <think> hides everything after it (the model never finished
 * thinking); a closing </think> without an opening one (chat templates that open the block in the prompt) hides
 * everything before it.
 */
export function outsideThink(text: string): string {
  const re = /<\/?think>/gi;
  let out = '';
  let pos = 0;
  let inThink = false;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const closing = m[0][1] === '/';
    const after = m.index + m[0].length;
    if (!inThink && !closing) {
      out += text.slice(pos, m.index);
      inThink = true;
    } else if (closing) {
      // A closing tag ends the block; one without an opening tag closes what came before it since the last block.
      inThink = false;
      pos = after;
    }
  }
  return inThink ? out : out + text.slice(pos);
}

/** A box or a math span: where it stands in the text and what it holds. */
interface Found {
  start: number;
  end: number;
  content: string;
}

/** Every balanced \boxed{…} / \fbox{…}, in order (an unclosed last one runs to the end of the text). */
function boxes(text: string): Found[] {
  const out: Found[] = [];
  const re = /\\(?:boxed|fbox)\s*\{/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < text.length && depth > 0; i++) {
      const c = text[i];
      if (c === '\\') i++;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    const content = depth === 0 ? text.slice(m.index + m[0].length, i - 1) : text.slice(m.index + m[0].length);
    out.push({ start: m.index, end: i, content });
    re.lastIndex = Math.max(re.lastIndex, i);
  }
  return out;
}

/**
 * Between two answers, only a list separator: `\boxed{1}, \boxed{2}` or `$1$ and $2$` is one list answer. Boxes may
 * also stand side by side; math spans need the separator (`$3$ $4$` are two readings: the last one counts).
 */
const BOX_JOINER = /^[\s$]*(?:,|;|\\text\{\s*(?:and|or)\s*\}|and|or|,\s*and|,\s*or)?[\s$]*$/i;
const SPAN_JOINER = /^\s*(?:,|;|and|or|,\s*and|,\s*or)\s*$/i;
/** At most this many adjacent boxes or spans form one list (as Math-Verify joins up to five). */
const MAX_JOINED = 6;

function lastJoined<T extends { start: number; end: number }>(items: T[], text: string, at: number, joiner: RegExp): T[] {
  const group = [items[at]!];
  for (let j = at - 1; j >= 0 && group.length < MAX_JOINED; j--) {
    if (!joiner.test(text.slice(items[j]!.end, group[0]!.start))) break;
    group.unshift(items[j]!);
  }
  return group;
}

/** Math spans in order: $$…$$, \[…\], \(…\), and $…$ on one line (not after a digit or a backslash: `costs 5$`). */
function spans(text: string): Found[] {
  const out: Found[] = [];
  const re = /\$\$([^$]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|(?<![\\\d])\$((?:\\\$|[^\n$])+?)(?<!\\)\$/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ start: m.index, end: m.index + m[0].length, content: (m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').trim() });
  }
  return out;
}

/** A percent word or sign right after a span or box: `$28$ percent` is 28%. */
const PERCENT_AFTER = /^\s*(?:\\?%|percent\b|percentage\b|pct\b)/i;

function withPercent(content: string, text: string, end: number): string {
  return PERCENT_AFTER.test(text.slice(end, end + 16)) ? `${content}\\%` : content;
}

/**
 * Plain expressions: a number (thousands separators, decimal point or comma, a percent) or arithmetic over numbers,
 * roots and pi, as Math-Verify's expression reader. Letters other than these end an expression.
 */
const PLAIN =
  /(?<![\w.])[-−]?(?:[($]\s*)*(?:\d|\.\d|sqrt\s*\(|√|pi\b|π)(?:[\d.,\s+\-−*×·/^()÷√π%]|sqrt|pi\b|percent\b|pct\b)*/gi;

function lastPlain(text: string): string | undefined {
  let last: string | undefined;
  PLAIN.lastIndex = 0;
  for (let m = PLAIN.exec(text); m; m = PLAIN.exec(text)) last = m[0];
  if (last === undefined) return undefined;
  // Trailing punctuation and dangling operators belong to the sentence, not the number ("is 5.", "5, and").
  return last.replace(/[\s.,+\-−*×·/^÷(]+$/u, '').replace(/^[\s(]+(?=[^)]*$)/, '').trim() || undefined;
}

/** Words a formula may contain: function names, and/or, units and percent words (dropped later). */
const FORMULA_WORDS = new Set(['sqrt', 'pi', 'ln', 'log', 'sin', 'cos', 'tan', 'cot', 'sec', 'csc', 'exp', 'arcsin', 'arccos', 'arctan', 'and', 'or', 'percent', 'percentage', 'pct', 'degree', 'degrees']);

/**
 * Looks like a formula rather than prose: outside LaTeX commands and \\text{}, no word of three letters or more other
 * than formula words and units, and at most one two-letter product (`x = 5`, `5 cm`, `\\frac{a+b}{ab}`, but not
 * `Soucis : 2,74` nor `It is 28`).
 */
function mathLike(text: string, units: ReadonlySet<string>): boolean {
  const bare = text.replace(/\\(?:begin|end)\s*\{[a-z*]*\}|\\text\s*\{[^{}]*\}|\\[a-zA-Z]+/g, ' ');
  let pairs = 0;
  for (const w of bare.match(/[a-zA-Z]{2,}/g) ?? []) {
    const word = w.toLowerCase();
    if (FORMULA_WORDS.has(word) || units.has(word)) continue;
    if (word.length > 2 || ++pairs > 1) return false;
  }
  return true;
}

/**
 * The readings of a text's final answer, best first: the last \boxed{} (adjacent boxes joined into a list), else the
 * last math spans (right to left, adjacent ones joined), else the whole text when it is short and reads as a formula,
 * else the last plain expression. Empty when nothing is there.
 */
export function finalAnswers(text: string, targets: Targets = 'both'): Candidate[] {
  const out: Candidate[] = [];
  if (targets !== 'expr') {
    const bx = boxes(text);
    if (bx.length) {
      const group = lastJoined(bx, text, bx.length - 1, BOX_JOINER);
      const last = group[group.length - 1]!;
      const parts = [...new Set(group.map((b) => b.content.trim()))];
      return [{ text: withPercent(parts.join(', '), text, last.end), context: 'latex', how: 'boxed' }];
    }
    const sp = spans(text);
    for (let i = sp.length - 1, n = 0; i >= 0 && n < MAX_SPANS; n++) {
      const group = lastJoined(sp, text, i, SPAN_JOINER);
      const last = group[group.length - 1]!;
      out.push({ text: withPercent(group.map((s) => s.content).join(', '), text, last.end), context: 'latex', how: 'span' });
      i -= group.length;
    }
    if (out.length) return out;
  }
  const trimmed = text.trim().replace(/[.。]$/, '');
  if (trimmed && trimmed.length <= MAX_WHOLE_CHARS && mathLike(trimmed, UNIT_WORDS) && (targets !== 'expr' || !/\\[a-zA-Z]/.test(trimmed))) {
    // A text that reads as a formula is the answer as a whole: a broken one is unparseable, never the number inside it.
    return [{ text: trimmed, context: 'plain', how: 'whole' }];
  }
  if (targets !== 'latex') {
    const p = lastPlain(text);
    if (p !== undefined && p !== trimmed) out.push({ text: p, context: 'plain', how: 'plain' });
  }
  return out;
}
