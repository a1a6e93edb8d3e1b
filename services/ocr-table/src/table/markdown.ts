// Markdown pipe tables into the table model: every row (header included) becomes a plain <tr> of <td> cells.
import type { Table, TableNode } from './model.js';
import { cellNode, charTokens, normalizeText, rowsTable, trimTokens } from './model.js';

const SEPARATOR_CELL = /^:?-+:?$/;

/** Splits one row on unescaped pipes, dropping the optional outer pipes. */
function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && s[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (c === '|') {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  cells.push(cur);
  return cells.map((x) => x.trim());
}

const isRowLine = (line: string): boolean => line.includes('|') && line.trim().length > 1;

/**
 * The first Markdown pipe table in a text: a run of at least two lines containing "|", of which one is a
 * separator row (|---|:--:|), or three or more pipe lines without one. Undefined when there is none.
 */
export function parseMarkdownTable(text: string): Table | undefined {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (!isRowLine(lines[i]!)) continue;
    let j = i;
    while (j < lines.length && isRowLine(lines[j]!)) j++;
    const block = lines.slice(i, j);
    const rows = block.map(splitRow);
    const isSep = (r: string[]): boolean => r.length > 0 && r.every((c) => SEPARATOR_CELL.test(c.replace(/\s/g, ''))) && r.some((c) => c.includes('-'));
    const hasSep = rows.some(isSep);
    if (block.length >= 2 && (hasSep || block.length >= 3)) {
      const out: TableNode[][] = rows.filter((r) => !isSep(r)).map((r) => r.map((c) => cellNode(trimTokens(charTokens(normalizeText(c))))));
      return rowsTable(out, 'markdown');
    }
    i = j;
  }
  return undefined;
}
