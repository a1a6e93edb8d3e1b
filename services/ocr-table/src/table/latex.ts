// LaTeX tabular environments into the table model, with \multicolumn (colspan) and \multirow (rowspan).
import type { Table, TableNode } from './model.js';
import { cellNode, charTokens, normalizeText, rowsTable, trimTokens } from './model.js';

/** Index just past the brace group opening at s[i] === '{' (balanced), or -1. */
function groupEnd(s: string, i: number): number {
  let depth = 0;
  for (let k = i; k < s.length; k++) {
    const c = s[k];
    if (c === '\\') {
      k++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return k + 1;
  }
  return -1;
}

/** Reads n brace groups (skipping an optional [..] argument) starting at i; returns their contents and the end. */
function readGroups(s: string, i: number, n: number): { args: string[]; end: number } | undefined {
  const args: string[] = [];
  let k = i;
  for (let a = 0; a < n; a++) {
    while (k < s.length && /\s/.test(s[k]!)) k++;
    if (s[k] === '[') {
      const close = s.indexOf(']', k);
      if (close < 0) return undefined;
      k = close + 1;
      while (k < s.length && /\s/.test(s[k]!)) k++;
    }
    if (s[k] !== '{') return undefined;
    const e = groupEnd(s, k);
    if (e < 0) return undefined;
    args.push(s.slice(k + 1, e - 1));
    k = e;
  }
  return { args, end: k };
}

/** Splits on a separator at brace depth 0 (not escaped). */
function splitTop(s: string, sep: '&' | '\\\\'): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (c === '\\') {
      if (sep === '\\\\' && s[k + 1] === '\\' && depth === 0) {
        out.push(s.slice(start, k));
        k++;
        start = k + 1;
        continue;
      }
      k++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (sep === '&' && c === '&' && depth === 0) {
      out.push(s.slice(start, k));
      start = k + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

const RULES = /\\(?:hline|toprule|midrule|bottomrule|endhead|endfirsthead|endfoot|endlastfoot)\b(?:\[[^\]]*\])?|\\(?:cline|cmidrule)\s*(?:\([^)]*\))?\s*\{[^}]*\}|\\(?:addlinespace|noalign)\s*(?:\[[^\]]*\])?|\\(?:rowcolor|cellcolor)\s*(?:\[[^\]]*\])?\{[^}]*\}/g;

/** Cell text: formatting commands unwrapped, escapes undone, braces and math dollars dropped. */
function cleanCell(s: string): string {
  let t = s;
  for (let pass = 0; pass < 4; pass++) {
    t = t.replace(/\\(?:textbf|textit|emph|underline|textrm|textsf|texttt|mathrm|mathbf|text|bf|it)\s*\{((?:[^{}]|\{[^{}]*\})*)\}/g, '$1');
  }
  t = t
    .replace(/\\(?:textcolor|color)\s*\{[^}]*\}/g, '')
    .replace(/\\([&%$#_{}])/g, '$1')
    .replace(/\\(?:bf|it|centering|raggedright|raggedleft|small|footnotesize|scriptsize|tiny|large|Large)\b/g, '')
    .replace(/~/g, ' ')
    .replace(/(?<!\\)[{}]/g, '');
  return t;
}

/**
 * The first tabular-like environment (tabular, tabular*, tabularx, array, longtable) as a table; cells covered by
 * a \multirow from a row above (written as empty cells in LaTeX, absent in HTML) are dropped.
 */
export function parseLatexTable(text: string): Table | undefined {
  const m = /\\begin\{(tabular\*?|tabularx|tabulary|longtable|array)\}/.exec(text);
  if (!m) return undefined;
  const env = m[1]!;
  let k = m.index + m[0].length;
  // Column spec (tabular* and tabularx have a width argument first).
  const nArgs = env === 'tabular*' || env === 'tabularx' || env === 'tabulary' ? 2 : 1;
  const spec = readGroups(text, k, nArgs);
  if (spec) k = spec.end;
  const endTag = `\\end{${env}}`;
  const end = text.indexOf(endTag, k);
  const body = (end < 0 ? text.slice(k) : text.slice(k, end)).replace(RULES, ' ').replace(/(?<!\\)%[^\n]*/g, '');
  const rawRows = splitTop(body, '\\\\').map((r) => r.replace(/^\s*\[[^\]]*\]/, ''));
  // A trailing empty row (after the last \\) is not a row.
  while (rawRows.length && rawRows[rawRows.length - 1]!.trim() === '') rawRows.pop();
  const rows: TableNode[][] = [];
  // Remaining rows of an active \multirow, per column index.
  let covered: number[] = [];
  for (const raw of rawRows) {
    const cells: TableNode[] = [];
    const nextCovered: number[] = [];
    let col = 0;
    for (const part of splitTop(raw, '&')) {
      let content = part.trim();
      let colspan = 1;
      let rowspan = 1;
      const mc = /^\\multicolumn\s*/.exec(content);
      if (mc) {
        const g = readGroups(content, mc[0].length, 3);
        if (g) {
          colspan = Math.max(1, Number.parseInt(g.args[0]!, 10) || 1);
          content = (g.args[2]! + content.slice(g.end)).trim();
        }
      }
      const mr = /^\\multirow\s*/.exec(content);
      if (mr) {
        const g = readGroups(content, mr[0].length, 3);
        if (g) {
          rowspan = Math.abs(Number.parseInt(g.args[0]!, 10) || 1) || 1;
          content = (g.args[2]! + content.slice(g.end)).trim();
        }
      }
      const isCovered = (covered[col] ?? 0) > 0;
      const text = normalizeText(cleanCell(content)).trim();
      if (isCovered && text === '') {
        for (let c = col; c < col + colspan; c++) nextCovered[c] = (covered[c] ?? 1) - 1;
        col += colspan;
        continue;
      }
      if (rowspan > 1) for (let c = col; c < col + colspan; c++) nextCovered[c] = rowspan - 1;
      cells.push(cellNode(trimTokens(charTokens(text)), colspan, rowspan));
      col += colspan;
    }
    covered = nextCovered;
    rows.push(cells);
  }
  return rowsTable(rows, 'latex');
}
