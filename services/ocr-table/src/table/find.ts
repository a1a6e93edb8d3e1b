// Finds the table in a response or reference (HTML, else LaTeX, else Markdown) and parses it into the model.
import { parseHtmlTable } from './html.js';
import { parseLatexTable } from './latex.js';
import { parseMarkdownTable } from './markdown.js';
import type { Table, TableNormalization } from './model.js';

export type TableFormat = 'auto' | 'html' | 'markdown' | 'latex';

const LATEX_TABLE = /\\begin\{(?:tabular\*?|tabularx|tabulary|longtable|array)\}/;

/** The first table of the text, in the given or detected format; undefined when the text has no table. */
export function findTable(text: string, mode: TableNormalization, format: TableFormat = 'auto'): Table | undefined {
  const hasTable = /<table\b/i.test(text);
  // Bare rows "<tr><td>..." without a <table> are wrapped in one, as SPEC 4.2 promises for a missing <html><body>.
  const html = (): Table | undefined =>
    hasTable ? parseHtmlTable(text, mode) : /<t[dr]\b/i.test(text) ? parseHtmlTable(`<table>${text}</table>`, mode) : undefined;
  if (format === 'html') return html();
  if (format === 'latex') return parseLatexTable(text);
  if (format === 'markdown') return parseMarkdownTable(text);
  if (hasTable) return html();
  if (LATEX_TABLE.test(text)) return parseLatexTable(text);
  return html() ?? parseMarkdownTable(text);
}
