// Extraction rules: last <answer> tag, last fenced code block, \boxed{}, or a caller's regex with one group.
import { InvalidArgumentError, Lru } from '@verimesh/kit';

export type ExtractMode =
  | { kind: 'auto' }
  | { kind: 'none' }
  | { kind: 'boxed' }
  | { kind: 'answer' }
  | { kind: 'code' }
  | { kind: 'regex'; regex: RegExp };

export interface CodeBlock {
  /** Lower-cased info string's first word ("python", "cpp"); "" when the fence had none. */
  language: string;
  code: string;
}

export interface Extracted {
  /** The answer text (trimmed); "" when nothing was found. */
  text: string;
  /** False when the requested form was absent (e.g. no \boxed{}); auto mode always finds something. */
  found: boolean;
  how: 'answer' | 'code' | 'boxed' | 'regex' | 'whole';
  /** The fenced block's language when how = "code". */
  language?: string;
}

export interface ExtractOptions {
  /** A code verifier: auto mode prefers the last fenced block (in `language` if given) inside the answer. */
  code?: boolean;
  /** Preferred language for code blocks ("python", "cpp", ...); aliases such as py, c++, js are understood. */
  language?: string;
}

const KEYWORDS: Record<string, ExtractMode> = {
  auto: { kind: 'auto' },
  none: { kind: 'none' },
  boxed: { kind: 'boxed' },
  answer: { kind: 'answer' },
  code: { kind: 'code' },
};

const compiled = new Lru<string, ExtractMode>(1000);

/**
 * Reads `params.extract`: "auto" (default), "none", "boxed", "answer", "code", or a regex source with one capture
 * group (the last match's group 1 is the answer). Anything else is the caller's error, naming params.extract.
 */
export function parseExtractParam(value: unknown, field = 'params.extract'): ExtractMode {
  if (value === undefined || value === null) return KEYWORDS.auto!;
  if (typeof value !== 'string') throw new InvalidArgumentError(field, `${field} must be a string ("auto", "none", "boxed" or a regex)`);
  const kw = KEYWORDS[value];
  if (kw) return kw;
  let mode = compiled.get(value);
  if (!mode) {
    let regex: RegExp;
    try {
      regex = new RegExp(value, 'gs');
    } catch (e) {
      throw new InvalidArgumentError(field, `${field} is not a valid regex: ${(e as Error).message}`);
    }
    const groups = new RegExp(`${value}|`).exec('')!.length - 1;
    if (groups < 1) throw new InvalidArgumentError(field, `${field} regex needs one capture group, it has none`);
    mode = { kind: 'regex', regex };
    compiled.set(value, mode);
  }
  return mode;
}

// Module-level (stateful /g) regexes, reset before each use: a literal inside the function is a new object per call.
const ANSWER_OPEN = /<answer>/gi;
const ANSWER_CLOSE = /<\/answer>/gi;
const BOXED_OPEN = /\\(?:boxed|fbox)\s*\{/g;
const NO_OPTIONS: ExtractOptions = {};

/** The content of the last <answer>…</answer> (an unclosed last <answer> runs to the end), or undefined. */
export function lastAnswerTag(text: string): string | undefined {
  // Case-insensitive regexes rather than indexes into text.toLowerCase(): lower-casing can change the length
  // of a string ("İ" becomes two code units), which would shift every index after it.
  const openRe = ANSWER_OPEN;
  openRe.lastIndex = 0;
  let start = -1;
  for (let m = openRe.exec(text); m; m = openRe.exec(text)) start = m.index + m[0].length;
  if (start < 0) return undefined;
  const closeRe = ANSWER_CLOSE;
  closeRe.lastIndex = start;
  const close = closeRe.exec(text);
  return text.slice(start, close ? close.index : text.length);
}

/** The content of the last \boxed{…} (or \fbox{…}), braces balanced, or undefined. */
export function lastBoxed(text: string): string | undefined {
  const re = BOXED_OPEN;
  re.lastIndex = 0;
  let last = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m.index + m[0].length;
  if (last < 0) return undefined;
  let depth = 1;
  for (let i = last; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(last, i);
  }
  return undefined;
}

const ALIASES: Record<string, string> = {
  py: 'python', python3: 'python', js: 'javascript', node: 'javascript', mjs: 'javascript',
  'c++': 'cpp', cc: 'cpp', cxx: 'cpp', hpp: 'cpp', rs: 'rust', sv: 'verilog', systemverilog: 'verilog', v: 'verilog', ts: 'typescript',
};
const canonical = (lang: string): string => ALIASES[lang] ?? lang;

/** Every fenced block (``` or ~~~), in order; an unclosed last fence runs to the end of the text. */
export function fencedBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  let fence: string | undefined;
  let lang = '';
  let body: string[] = [];
  for (const line of lines) {
    const m = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (fence === undefined) {
      if (m) {
        fence = m[1]!;
        lang = canonical(m[2]!.toLowerCase().replace(/^\{?\.?/, '').replace(/\}$/, ''));
        body = [];
      }
    } else if (m && m[1]!.startsWith(fence) && m[2] === '' && line.trim().length === m[1]!.length) {
      blocks.push({ language: lang, code: body.join('\n') });
      fence = undefined;
    } else {
      body.push(line);
    }
  }
  if (fence !== undefined && body.length) blocks.push({ language: lang, code: body.join('\n') });
  return blocks;
}

/** The last fenced block in `language` if there is one, else the last fenced block. */
export function lastCodeBlock(text: string, language?: string): CodeBlock | undefined {
  const blocks = fencedBlocks(text);
  if (language) {
    const want = canonical(language.toLowerCase());
    for (let i = blocks.length - 1; i >= 0; i--) if (blocks[i]!.language === want) return blocks[i];
  }
  return blocks[blocks.length - 1];
}

/**
 * Extracts the answer from a response. auto: the last <answer> if present (else the whole text); for code
 * verifiers, then the last fenced block inside that (preferring `language`). A requested form that is absent
 * gives found = false and text "" — the policy's miss, never an error.
 */
export function extractAnswer(response: string, mode: ExtractMode = KEYWORDS.auto!, opts: ExtractOptions = NO_OPTIONS): Extracted {
  switch (mode.kind) {
    case 'none':
      return { text: response.trim(), found: true, how: 'whole' };
    case 'boxed': {
      const b = lastBoxed(response);
      return b === undefined ? { text: '', found: false, how: 'boxed' } : { text: b.trim(), found: true, how: 'boxed' };
    }
    case 'answer': {
      const a = lastAnswerTag(response);
      return a === undefined ? { text: '', found: false, how: 'answer' } : { text: a.trim(), found: true, how: 'answer' };
    }
    case 'code': {
      const c = lastCodeBlock(response, opts.language);
      return c ? { text: c.code, found: true, how: 'code', language: c.language } : { text: '', found: false, how: 'code' };
    }
    case 'regex': {
      mode.regex.lastIndex = 0;
      let last: string | undefined;
      for (let m = mode.regex.exec(response); m; m = mode.regex.exec(response)) {
        last = m[1] ?? last;
        if (m[0].length === 0) mode.regex.lastIndex++;
      }
      return last === undefined ? { text: '', found: false, how: 'regex' } : { text: last.trim(), found: true, how: 'regex' };
    }
    case 'auto': {
      const a = lastAnswerTag(response);
      const scope = a ?? response;
      if (opts.code) {
        const c = lastCodeBlock(scope, opts.language) ?? (a !== undefined ? lastCodeBlock(response, opts.language) : undefined);
        if (c) return { text: c.code, found: true, how: 'code', language: c.language };
      }
      return a === undefined ? { text: response.trim(), found: true, how: 'whole' } : { text: a.trim(), found: true, how: 'answer' };
    }
  }
}
