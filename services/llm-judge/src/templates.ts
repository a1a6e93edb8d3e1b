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

// Everything a judge may read as "<" or ">" (ASCII, look-alikes, HTML entities), with how many brackets each shows.
const OPEN: Record<string, number> = {
  '<': 1, '‹': 1, '＜': 1, '﹤': 1, '〈': 1, '\u2329': 1, '⟨': 1, '❮': 1, '❬': 1, '❰': 1, '˂': 1, 'ᐸ': 1, '⧼': 1,
  '«': 2, '≪': 2, '《': 2, '⟪': 2, '⋘': 3, '&lt;': 1, '&#60;': 1, '&#x3c;': 1,
};
const CLOSE: Record<string, number> = {
  '>': 1, '›': 1, '＞': 1, '﹥': 1, '〉': 1, '\u232a': 1, '⟩': 1, '❯': 1, '❭': 1, '❱': 1, '˃': 1, 'ᐳ': 1, '⧽': 1,
  '»': 2, '≫': 2, '》': 2, '⟫': 2, '⋙': 3, '&gt;': 1, '&#62;': 1, '&#x3e;': 1,
};
const alt = (set: Record<string, number>): string => `(?:${Object.keys(set).join('|')})`;
// Brackets of one direction with only white space, invisible format characters (zero-width space, joiners, soft
// hyphen) or combining marks between them: such gaps would let "<\u200b<<END" slip past a plain /<{3,}/.
const GAP = String.raw`[\s\p{Cf}\p{M}]*`;
const RUN = new RegExp(`${alt(OPEN)}(?:${GAP}${alt(OPEN)})*|${alt(CLOSE)}(?:${GAP}${alt(CLOSE)})*`, 'giu');
const TOKEN = new RegExp(`${alt(OPEN)}|${alt(CLOSE)}`, 'giu');

/**
 * Rewrites every run that reads as three or more angle brackets as ASCII brackets separated by backslashes ("<<<"
 * and "＜\u200b＜＜" both become "<\<\<"), so data can never write a "<<<END ...>>>" line and close its own fence.
 * Shorter runs ("a << b", French «quotes») are kept as they are.
 */
export function escapeDelimiters(text: string): string {
  return text.replace(RUN, (run) => {
    const tokens = Array.from(run.matchAll(TOKEN), ([t]) => t.toLowerCase());
    const n = tokens.reduce((sum, t) => sum + (OPEN[t] ?? CLOSE[t] ?? 0), 0);
    return n < 3 ? run : Array<string>(n).fill(tokens[0]! in OPEN ? '<' : '>').join('\\');
  });
}

/** Data for the judge, inside delimiters it cannot close. */
export function fence(label: string, text: string): string {
  return `<<<BEGIN ${label}>>>\n${escapeDelimiters(text)}\n<<<END ${label}>>>`;
}
