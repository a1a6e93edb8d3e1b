// The one tree model every table format (HTML, Markdown, LaTeX) is parsed into, as PubTabNet's TEDS sees a table.

/** A table text that cannot be parsed within bounds (too deeply nested); whose fault it is, the caller decides. */
export class TableParseError extends Error {}

/** How a table is normalized before comparison (SPEC 4.2). */
export type TableNormalization = 'omnidocbench' | 'pubtabnet';

export interface TableNode {
  /** Lower-case tag: "table", "thead", "tbody", "tr", "td", "th", ... */
  tag: string;
  /** Spans of a cell ("td"), 1 by default; 0 for every other node (the reference's None). */
  colspan: number;
  rowspan: number;
  /**
   * Content of a "td" as PubTabNet tokenizes it: one token per character, inline tags as "<b>" / "</b>".
   * Undefined for every other node.
   */
  tokens?: string[];
  children: TableNode[];
}

export interface Table {
  root: TableNode;
  /**
   * The reference's node count: elements below <table> (not the table itself), including inline elements inside
   * cells, which are tokens of their cell and not tree nodes. TEDS divides by the larger of the two counts.
   */
  count: number;
  /** Number of cells (td, or th in PubTabNet mode). */
  cells: number;
  /** Where the table came from. */
  format: 'html' | 'markdown' | 'latex';
}

export function cellNode(tokens: string[], colspan = 1, rowspan = 1): TableNode {
  return { tag: 'td', colspan, rowspan, tokens, children: [] };
}

function elementNode(tag: string, children: TableNode[] = []): TableNode {
  return { tag, colspan: 0, rowspan: 0, children };
}

/** A table of plain rows (Markdown, LaTeX): table > tr > td. */
export function rowsTable(rows: TableNode[][], format: Table['format']): Table {
  const trs = rows.map((cells) => elementNode('tr', cells));
  let cells = 0;
  for (const r of rows) cells += r.length;
  return { root: elementNode('table', trs), count: trs.length + cells, cells, format };
}

/** OmniDocBench's text normalization: drop newlines, NFKC, collapse whitespace runs to one space. */
export function normalizeText(s: string): string {
  return s.replace(/\n/g, '').normalize('NFKC').replace(/\s+/g, ' ');
}

/** Cell content as tokens, trimmed of leading/trailing space tokens (pretty-printed HTML costs nothing). */
export function trimTokens(tokens: string[]): string[] {
  let a = 0;
  let b = tokens.length;
  while (a < b && tokens[a] === ' ') a++;
  while (b > a && tokens[b - 1] === ' ') b--;
  return a === 0 && b === tokens.length ? tokens : tokens.slice(a, b);
}

/** Tokens of plain text: one per code point, as Python's list(str). */
export function charTokens(s: string): string[] {
  return Array.from(s);
}

/** charTokens(s) appended to `out` (no intermediate array). */
export function pushCharTokens(s: string, out: string[]): void {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out.push(s.slice(i, i + 2));
        i++;
        continue;
      }
    }
    out.push(s[i]!);
  }
}
