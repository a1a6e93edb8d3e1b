// Prompt templates: versioned Markdown files in the package (overridable by a directory), rendered with fenced data.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@verimesh/kit';

export const TEMPLATE_NAMES = ['rubric', 'reference', 'pairwise'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** The placeholders each template must use (the data it exists to show the judge). */
const REQUIRED: Record<TemplateName, string[]> = {
  rubric: ['response', 'criteria', 'scale_instruction'],
  reference: ['response', 'reference'],
  pairwise: ['response_a', 'response_b'],
};

export interface Template {
  name: TemplateName;
  /** "rubric@1": reported in every result's metrics. */
  version: string;
  /** Hash of the file's text: part of the cache key, so an edited template never serves stale judgments. */
  hash: string;
  system: string;
  user: string;
  source: string;
}

export const BUILTIN_TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'templates');

/** Parses `---\nversion: N\n---\n# system\n...\n# user\n...`. */
export function parseTemplate(name: TemplateName, text: string, source: string): Template {
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  let body = text.replace(/\r\n/g, '\n');
  let version: string | undefined;
  const fm = /^---\n([\s\S]*?)\n---\n/.exec(body);
  if (fm) {
    body = body.slice(fm[0].length);
    version = /^version:\s*(.+?)\s*$/m.exec(fm[1]!)?.[1];
  }
  const sys = /^# system\s*$/m.exec(body);
  const usr = /^# user\s*$/m.exec(body);
  if (!sys || !usr || usr.index < sys.index) throw new ConfigError('VERIMESH_LLM_JUDGE_TEMPLATES_DIR', `template ${source} needs a "# system" section followed by a "# user" section`);
  const system = body.slice(sys.index + sys[0].length, usr.index).trim();
  const user = body.slice(usr.index + usr[0].length).trim();
  for (const p of REQUIRED[name]) {
    if (!user.includes(`{{${p}}}`)) throw new ConfigError('VERIMESH_LLM_JUDGE_TEMPLATES_DIR', `template ${source} must use {{${p}}} in its user section`);
  }
  return { name, version: `${name}@${version ?? `custom-${hash}`}`, hash, system, user, source };
}

/** The built-in templates, each replaced by `<dir>/<name>.md` when an override directory is given and has that file. */
export function loadTemplates(overrideDir = ''): Record<TemplateName, Template> {
  const out = {} as Record<TemplateName, Template>;
  for (const name of TEMPLATE_NAMES) {
    const custom = overrideDir ? join(overrideDir, `${name}.md`) : '';
    const path = custom && existsSync(custom) ? custom : join(BUILTIN_TEMPLATES_DIR, `${name}.md`);
    out[name] = parseTemplate(name, readFileSync(path, 'utf8'), path);
  }
  return out;
}

/** Fills `{{name}}` placeholders in one pass, so text inside a value is never expanded again. */
export function render(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (m, k: string) => (Object.hasOwn(vars, k) ? vars[k]! : m));
}

// Everything a judge may read as "<" or ">" (ASCII and look-alikes), with how many brackets each shows.
const OPEN: Record<string, number> = {
  '<': 1, '‹': 1, '＜': 1, '﹤': 1, '〈': 1, '\u2329': 1, '⟨': 1, '❮': 1, '❬': 1, '❰': 1, '˂': 1, 'ᐸ': 1, '⧼': 1, '⋖': 1, '≺': 1, '◁': 1, '⊲': 1,
  '«': 2, '≪': 2, '《': 2, '⟪': 2, '⋘': 3,
};
const CLOSE: Record<string, number> = {
  '>': 1, '›': 1, '＞': 1, '﹥': 1, '〉': 1, '\u232a': 1, '⟩': 1, '❯': 1, '❭': 1, '❱': 1, '˃': 1, 'ᐳ': 1, '⧽': 1, '⋗': 1, '≻': 1, '▷': 1, '⊳': 1,
  '»': 2, '≫': 2, '》': 2, '⟫': 2, '⋙': 3,
};
const chars = (set: Record<string, number>): string => Object.keys(set).join('');
// One bracket token: a look-alike character, or an escape a reader decodes to a character: HTML entities (named, or
// numeric with leading zeros and with or without ";", as browsers read them), JavaScript/JSON escapes, URL escapes.
const ESCAPE = String.raw`&(?:lt|gt);?|&#(?:x0*[0-9a-f]{1,6}|0*\d{1,7});?|\\u(?:[0-9a-f]{4}|\{0*[0-9a-f]{1,6}\})|\\x[0-9a-f]{2}|%[0-9a-f]{2}`;
const TOKEN = new RegExp(`${ESCAPE}|[${chars(OPEN)}${chars(CLOSE)}]`, 'giu');
// Between two brackets of a run: only white space, invisible format characters (zero-width space, joiners, soft
// hyphen) or combining marks, which would let "<\u200b<<END" slip past a plain /<{3,}/.
const GAP = /^[\s\p{Cf}\p{M}]*$/u;

/** The brackets a token shows: positive opening, negative closing, 0 for an escape of anything else. */
function bracketsOf(token: string): number {
  let ch = token;
  const t = token.toLowerCase();
  if (t.startsWith('&l')) return 1;
  if (t.startsWith('&g')) return -1;
  const hex = /^(?:&#x|\\u\{?|\\x|%)0*([0-9a-f]+)/.exec(t)?.[1];
  const dec = /^&#0*(\d+)/.exec(t)?.[1];
  if (hex !== undefined || dec !== undefined) {
    const cp = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    if (cp > 0x10ffff) return 0;
    ch = String.fromCodePoint(cp);
  }
  return OPEN[ch] ?? -(CLOSE[ch] ?? 0);
}

/**
 * Rewrites every run that reads as three or more angle brackets as ASCII brackets separated by backslashes ("<<<",
 * "＜\u200b＜＜" and "&#060;&lt&#x3c;" all become "<\<\<"), so data can never write a "<<<END ...>>>" line and close its
 * own fence. Shorter runs ("a << b", French «quotes») are kept as they are.
 */
export function escapeDelimiters(text: string): string {
  let out = '';
  let pos = 0; // text before pos is in out
  let run: { start: number; end: number; n: number; open: boolean } | undefined;
  const flush = (): void => {
    if (run && run.n >= 3) {
      out += text.slice(pos, run.start) + Array<string>(run.n).fill(run.open ? '<' : '>').join('\\');
      pos = run.end;
    }
    run = undefined;
  };
  for (const m of text.matchAll(TOKEN)) {
    const b = bracketsOf(m[0]);
    const end = m.index + m[0].length;
    if (b === 0) {
      flush();
      continue;
    }
    if (run && run.open === b > 0 && GAP.test(text.slice(run.end, m.index))) {
      run.n += Math.abs(b);
      run.end = end;
    } else {
      flush();
      run = { start: m.index, end, n: Math.abs(b), open: b > 0 };
    }
  }
  flush();
  return out + text.slice(pos);
}

/** Data for the judge, inside delimiters it cannot close. */
export function fence(label: string, text: string): string {
  return `<<<BEGIN ${label}>>>\n${escapeDelimiters(text)}\n<<<END ${label}>>>`;
}
