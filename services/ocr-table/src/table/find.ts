// Finds the table in a response or reference (HTML, else LaTeX, else Markdown) and parses it into the model.
import { parseHtmlTable } from './html.js';
import { parseLatexTable } from './latex.js';
import { parseMarkdownTable } from './markdown.js';
import type { Table, TableNormalization } from './model.js';

export type TableFormat = 'auto' | 'html' | 'markdown' | 'latex';

/** The first table of the text, in the given or detected format; undefined when the text has no table. */
export function findTable(text: string, mode: TableNormalization, format: TableFormat = 'auto'): Table | undefined {
  if (format === 'html') return parseHtmlTable(text, mode);
  if (format === 'latex') return parseLatexTable(text);
  if (format === 'markdown') return parseMarkdownTable(text);
  if (/<table\b/i.test(text)) return parseHtmlTable(text, mode);
  if (/\\begin\{(?:tabular\*?|tabularx|tabulary|longtable|array)\}/.test(text)) return parseLatexTable(text);
  // Bare rows "<tr><td>..." without a <table>: wrap them, as SPEC 4.2 promises for a missing <html><body>.
  if (/<t[dr]\b/i.test(text)) return parseHtmlTable(`<table>${text}</table>`, mode);
  return parseMarkdownTable(text);
}
