// Table parsing: tolerant HTML in both normalizations, Markdown and LaTeX into the same tree.
import { describe, expect, it } from 'vitest';
import { teds } from '../metrics/teds.js';
import { parse } from 'parse5';
import type { DefaultTreeAdapterMap } from 'parse5';
import { findTable } from './find.js';
import { parseWritten } from './html.js';
import type { TableNode } from './model.js';

const shape = (n: TableNode): unknown => (n.tag === 'td' ? `td${n.colspan}x${n.rowspan}:${(n.tokens ?? []).join('')}` : { [n.tag]: n.children.map(shape) });

describe('HTML tables (parse5, tolerant)', () => {
  it('closes missing </td> and </tr> as a browser does', () => {
    const t = findTable('<table><tr><td>a<td>b<tr><td>c</table>', 'pubtabnet')!;
    expect(shape(t.root)).toEqual({ table: [{ tr: ['td1x1:a', 'td1x1:b'] }, { tr: ['td1x1:c'] }] });
    expect(t.count).toBe(5);
  });
  it('pubtabnet keeps written thead/tbody as nodes, never adds an implied tbody, and does not compare <th> text', () => {
    const t = findTable('<table><thead><tr><th>Head</th></tr></thead><tbody><tr><td>x</td></tr></tbody></table>', 'pubtabnet')!;
    expect(shape(t.root)).toEqual({ table: [{ thead: [{ tr: [{ th: [] }] }] }, { tbody: [{ tr: ['td1x1:x'] }] }] });
    const u = findTable('<table><thead><tr><th>Other</th></tr></thead><tbody><tr><td>x</td></tr></tbody></table>', 'pubtabnet')!;
    expect(teds(t, u).score).toBe(1);
    expect(shape(findTable('<table><tr><td>x</td></tr></table>', 'pubtabnet')!.root)).toEqual({ table: [{ tr: ['td1x1:x'] }] });
  });
  it('omnidocbench: th→td, thead/tbody/span unwrapped, attributes ignored, NFKC and whitespace collapsed', () => {
    const t = findTable('<table style="x" class="y"><thead><tr><th align="center">Ｈ  1</th></tr></thead><tbody><tr><td width="3"> a\n<span>b</span>  c </td></tr></tbody></table>', 'omnidocbench')!;
    // NFKC maps the full-width Ｈ to H; "\n" is dropped (as OmniDocBench does), runs collapse, ends are trimmed.
    expect(shape(t.root)).toEqual({ table: [{ tr: ['td1x1:H 1'] }, { tr: ['td1x1:ab c'] }] });
    expect(t.count).toBe(4);
  });
  it('decodes entities and keeps inline tags as cell tokens', () => {
    const t = findTable('<table><tr><td>a &amp; <i>b</i></td></tr></table>', 'pubtabnet')!;
    expect(t.root.children[0]!.children[0]!.tokens).toEqual(['a', ' ', '&', ' ', '<i>', 'b', '</i>']);
    expect(t.count).toBe(3);
  });
  it('a table nested in a cell is tokens of that cell and counts its elements', () => {
    const t = findTable('<table><tr><td><table><tr><td>in</td></tr></table></td></tr></table>', 'pubtabnet')!;
    expect(t.cells).toBe(1);
    expect(t.root.children[0]!.children[0]!.tokens).toEqual(['<table>', '<tr>', '<td>', 'i', 'n', '</td>', '</tr>', '</table>']);
    expect(t.count).toBe(5);
  });
  it('unbalanced HTML still gives a table', () => {
    const t = findTable('<table><tr><td>a</b></td></div><td><i>b</tr></table></table>', 'omnidocbench')!;
    expect(t.cells).toBe(2);
  });
  it('a 5,000-cell table parses', () => {
    const rows = Array.from({ length: 100 }, (_, r) => `<tr>${Array.from({ length: 50 }, (_, c) => `<td>${r}-${c}</td>`).join('')}</tr>`).join('');
    const t = findTable(`<table>${rows}</table>`, 'omnidocbench')!;
    expect(t.cells).toBe(5000);
    expect(t.count).toBe(5100);
  });
  it('refuses HTML nested deeper than 256 elements before parsing, but not long runs of unclosed cells', async () => {
    const { TableParseError } = await import('./model.js');
    expect(() => findTable(`<table><tr><td>${'<i>'.repeat(300)}x</td></tr></table>`, 'pubtabnet')).toThrow(TableParseError);
    expect(findTable(`<table><tr>${'<td>x'.repeat(1000)}</table>`, 'pubtabnet')!.cells).toBe(1000);
  });
  it('cells written without <tr> get the row the parser implies', () => {
    expect(shape(findTable('<td>a</td><td>b</td>', 'pubtabnet')!.root)).toEqual({ table: [{ tr: ['td1x1:a', 'td1x1:b'] }] });
  });
  it('bare rows are wrapped in a <table> with format "html" too; text without table tags has no HTML table', () => {
    expect(shape(findTable('Rows: <tr><td>a</td><td>b</td></tr>', 'pubtabnet', 'html')!.root)).toEqual({ table: [{ tr: ['td1x1:a', 'td1x1:b'] }] });
    expect(findTable('| a | b |\n|---|---|', 'pubtabnet', 'html')).toBeUndefined();
  });
});

describe('Markdown and LaTeX tables become the same tree as their HTML', () => {
  const htmlRef = findTable('<table><tr><td>Name</td><td>Qty</td></tr><tr><td>apple</td><td>3</td></tr></table>', 'omnidocbench')!;
  it('Markdown pipe table (header row as a plain row, separator dropped)', () => {
    const md = findTable('Here:\n\n| Name | Qty |\n|:-----|----:|\n| apple | 3 |\n\nDone.', 'omnidocbench')!;
    expect(md.format).toBe('markdown');
    expect(teds(md, htmlRef).score).toBe(1);
  });
  it('LaTeX tabular with rules and formatting', () => {
    const tex = findTable('\\begin{tabular}{lr}\\toprule \\textbf{Name} & Qty \\\\ \\midrule apple & 3 \\\\ \\bottomrule\\end{tabular}', 'omnidocbench')!;
    expect(tex.format).toBe('latex');
    expect(teds(tex, htmlRef).score).toBe(1);
  });
  it('\\multicolumn and \\multirow become colspan and rowspan; covered cells disappear', () => {
    const tex = findTable(
      '\\begin{tabular}{|c|c|c|}\\hline \\multirow{2}{*}{A} & \\multicolumn{2}{c|}{B} \\\\ \\cline{2-3} & x & y \\\\ \\hline\\end{tabular}',
      'omnidocbench',
    )!;
    const html = findTable('<table><tr><td rowspan="2">A</td><td colspan="2">B</td></tr><tr><td>x</td><td>y</td></tr></table>', 'omnidocbench')!;
    expect(shape(tex.root)).toEqual(shape(html.root));
    expect(teds(tex, html).score).toBe(1);
  });
  it('no table at all', () => {
    expect(findTable('just words', 'omnidocbench')).toBeUndefined();
  });
});

describe('written and implied elements without source locations', () => {
  type Node = DefaultTreeAdapterMap['node'];
  const kids = (n: Node): Node[] => [...('childNodes' in n ? n.childNodes : []), ...('content' in n ? [(n as unknown as { content: Node }).content] : [])];
  it('marks as written exactly the elements parse5 gives a source location', () => {
    const sources = [
      '<table><tr><td>a</td></tr></table>',
      '<table><tbody><tr><td>a</td></tr></tbody><tr><td>b</td></tr></table>',
      '<table><col><tr><td>x</table>',
      '<table><tr><td>a</p>b</br>c</td></tr></table>',
      '<table><tr><td><b>x<i>y</b>z</i></td></tr></table>',
      '<p><b>a<p>b</b>c</p><table><b>f</b><tr><td>1</td></tr></table>',
      '<table><tr><td><template><tr><td>t</td></tr></template><svg><rect/></svg><img src=x></td></tr></table>',
      '<div><a href=1>x<table><tr><td><a>y</div>z</td></tr></table>',
    ];
    let compared = 0;
    for (const src of sources) {
      const { doc, written } = parseWritten(src);
      const located = parse(src, { sourceCodeLocationInfo: true });
      const walk = (a: Node, b: Node): void => {
        expect(a.nodeName).toBe(b.nodeName);
        if ('tagName' in a && 'tagName' in b) {
          expect(written.has(a), `${src}: <${a.tagName}>`).toBe(!!b.sourceCodeLocation);
          compared++;
        }
        const ka = kids(a);
        const kb = kids(b);
        expect(ka.length).toBe(kb.length);
        ka.forEach((k, i) => walk(k, kb[i]!));
      };
      walk(doc, located);
    }
    expect(compared).toBeGreaterThan(60);
  });
});
