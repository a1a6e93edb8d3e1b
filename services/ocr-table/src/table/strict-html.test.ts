// The strict table reader against parse5: identical elements, tables and TEDS on thousands of generated texts,
// well-formed and malformed; parse5 takes every text the strict reader leaves.
import { describe, expect, it } from 'vitest';
import { teds } from '../metrics/teds.js';
import { parseHtmlTable, parseHtmlTableWithParse5, parseWritten } from './html.js';
import type { Table, TableNormalization } from './model.js';
import { readStrictTable, type HtmlElement, type HtmlNode } from './strict-html.js';

const MODES: TableNormalization[] = ['pubtabnet', 'omnidocbench'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** The elements as the builder sees them: written elements with attributes, implied ones unwrapped, cell text. */
function view(n: HtmlNode, written: { has(e: HtmlElement): boolean }, inCell = false): string {
  if (n.nodeName === '#text') return inCell ? JSON.stringify((n as { value: string }).value) : '';
  if (!('tagName' in n)) return '';
  const cell = inCell || n.tagName === 'td' || n.tagName === 'th';
  const inner = n.childNodes.map((c) => view(c, written, cell)).join('');
  if (!written.has(n)) return inner;
  return `<${n.tagName}${n.attrs.map((a) => ` ${a.name}=${JSON.stringify(a.value)}`).join('')}>${inner}</${n.tagName}>`;
}

function parse5Table(html: string): string | undefined {
  const { doc, written } = parseWritten(html);
  const find = (n: HtmlNode): HtmlElement | undefined => {
    if ('tagName' in n && n.tagName === 'table') return n;
    for (const c of 'childNodes' in n ? (n.childNodes as HtmlNode[]) : []) {
      const t = find(c);
      if (t) return t;
    }
    return undefined;
  };
  const t = find(doc as unknown as HtmlNode);
  return t && view(t, written as unknown as { has(e: HtmlElement): boolean });
}

type Outcome = { table: Table | undefined } | { error: string };
function outcome(parse: () => Table | undefined): Outcome {
  try {
    return { table: parse() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Both paths agree on the text: the strict reader's elements (when it reads it) and every mode's table or error. */
function agree(html: string): boolean {
  const strict = readStrictTable(html);
  if (strict) expect(view(strict.table, { has: () => true }), html).toBe(parse5Table(html));
  for (const mode of MODES) expect(outcome(() => parseHtmlTable(html, mode)), `${mode}: ${html}`).toEqual(outcome(() => parseHtmlTableWithParse5(html, mode)));
  return strict !== undefined;
}

// ---------- generated texts ----------
const pick = <T,>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** A plain piece, or now and then (probability p) one of the tricky ones. */
const mix = (rand: () => number, plain: readonly string[], tricky: readonly string[], p: number): string => pick(rand, rand() < p ? tricky : plain);

const PREFIXES = ['', '<html><body>', '<!DOCTYPE html><html><head></head><body>', 'Here is the table:\n', '```html\n', '<HTML><Body>', '<html>\r\n<body>\r\n', '<!doctype HTML>', ' \n', '</head><body>'];
const TRICKY_PREFIXES = ['<html lang="en"><body>', '<p>intro</p>', '<!-- c -->', 'a<b>b</b> ', '<head><title>t</title></head>', '<table', '<div>', '<!DOCTYPE html PUBLIC "x">', '</body>', '<template>'];
const TABLE_OPEN = ['<table>', '<table>', '<table border="1">', '<TABLE class=t>', '<table\n  style="width:100%">', '<table >', '<table border=1 border=2>'];
const TRICKY_TABLE_OPEN = ['<table/>', '<table x="&amp;">', '<table-x>', '<table\u0000>'];
const SUFFIXES = ['', '</body></html>', '\nThat is all.', '<table><tr><td>2nd</td></tr></table>', '</i></b>', '<!-- end -->', '\r\n', '<i>x'];
const TRICKY_SUFFIXES = ['<i>'.repeat(300), `${'<i>'.repeat(255)}${'</i>'.repeat(255)}`, '<b>'.repeat(256)];
const CELL_ATTRS = ['', '', '', '', '', '', ' colspan="2"', " rowspan='3'", ' colspan=2', ' colspan=" 2 "', ' colspan="x"', ' colspan="2" colspan="3"', ' COLSPAN="4"', ' rowspan="-1"', ' colspan="99999"', ' nowrap', ' class="a b"', ' colspan = "2"', ' data-x="1"', ' rowspan=\'2\' colspan="3"', ' x:y="1"', ' colspan="2" /'];
const TRICKY_CELL_ATTRS = [' colspan="2"rowspan="2"', ' colspan="a&amp;b"', ' title="x>y"', ' colspan=2/', ' 1a="2"', ' colspan=', ' colspan="2', " a='<'", ' a=`b`', ' =x', ' a"b=1'];
const TEXTS = ['alpha', '12.5', ' ', '\n', 'n/a', '—', '&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&nbsp;', '&#65;', '&#x41;', '&#X42;', '&#x1F600;', '&#9;', '&#0000065;', '& ', '&;', '😀', 'é', 'ｱ', 'Ｈ  1', '\r\n', '\r', 'x > y', '\t', '\f', '&nbsp;&nbsp;', '3,400', 'a&#10;b'];
const TRICKY_TEXTS = ['&#13;', '&#128;', '&#0;', '&#xD800;', '&#x110000;', '&copy;', '&amp', '&AMP;', 'R&D', '&#;', '\uD800', '\uDC00x', '\uDC00\uDC00', 'a\u0000b', '<', 'a < b', '&lt', '&#x41', '&#00000065;', '&#x;', '&ampx;'];
const INLINE = ['b', 'i', 'span', 'sup', 'sub', 'em', 'strong', 'u', 's', 'font', 'code', 'small', 'p', 'div', 'a', 'nobr', 'ruby', 'h1', 'li'];
const JUNK = ['</td>', '<td>', '<th>', '<tr>', '</tr>', '<tbody>', '</tbody>', '<thead>', '</thead>', '<tfoot>', '</table>', '<table>', '<b>', '</b>', '</i>', '<p>', '</p>', '<div>', '</div>', '<!-- c -->', '<caption>x</caption>', '<col>', '<colgroup><col></colgroup>', '<a href=x>', '</a>', '<br>', '</br>', '<br/>', '<td/>', '<span/>', '<svg><rect/></svg>', '<math alttext="x^2"><mi>x</mi></math>', '<textarea>', '<script>x</script>', '<style>td{}</style>', 'junk text', '  ', '\n', '<', '>', '&', '<?x?>', '<!DOCTYPE html>', '<html>', '<body>', '</body>', '<head>', '<template>', '</td foo>', '<td colspan=2/>', '<input type=hidden>', '<form>', '<select>', '<h1>', '<li>', '<hr>', '<img src=x>', '<nobr>', '<b><b><b><b>', '</b></b></b></b>', '<p><div>', '<TD>', '</TR>', '<tr >', '</ td>', '<span>', '</span>'];

const CHARS = ['<', '>', '/', '&', ';', '#', 'x', '"', "'", '=', ' ', '\n', '\t', '\r', '\u0000', '!', '-', 'a', 'td', 'b', '1', '`', '\u000b', 'é'];

/** Cell content: text and properly nested inline elements (a few of them ones the strict reader leaves to parse5). */
function content(rand: () => number, depth: number, out: string[]): void {
  const parts = Math.floor(rand() * 4);
  for (let k = 0; k < parts; k++) {
    const r = rand();
    if (r < 0.55 || depth > 3) out.push(mix(rand, TEXTS, TRICKY_TEXTS, 0.005));
    else if (r < 0.62) out.push(pick(rand, ['<br>', '<br/>', '<br />', '<BR>']));
    else if (r < 0.625) out.push('<span>'.repeat(rand() < 0.5 ? 60 : 70), 'deep', '</span>'.repeat(70));
    else if (r < 0.63) {
      // Nested formatting elements of one name, up to the Noah's Ark clause and past it.
      const k = 1 + Math.floor(rand() * 3);
      out.push(pick(rand, ['<b>', '<b class="c">']), '<b>'.repeat(k), 'x', '<b>y</b>', '</b>'.repeat(k), 'z', '</b>');
    }
    else {
      const tag = rand() < 0.99 ? pick(rand, INLINE.slice(0, 14)) : pick(rand, INLINE);
      out.push(`<${rand() < 0.1 ? tag.toUpperCase() : tag}${rand() < 0.2 ? ' class="c"' : ''}>`);
      content(rand, depth + 1, out);
      out.push(`</${tag}>`);
    }
  }
}

function row(rand: () => number, out: string[]): void {
  out.push(rand() < 0.9 ? '<tr>' : pick(rand, ['<TR>', '<tr class="r">', '<tr\n>']));
  const cells = 1 + Math.floor(rand() * 4);
  for (let c = 0; c < cells; c++) {
    if (rand() < 0.3) out.push(pick(rand, [' ', '\n  ', '\t']));
    const tag = rand() < 0.8 ? 'td' : 'th';
    out.push(`<${tag}${mix(rand, CELL_ATTRS, TRICKY_CELL_ATTRS, 0.01)}>`);
    content(rand, 0, out);
    out.push(`</${tag}>`);
  }
  out.push('</tr>');
  if (rand() < 0.3) out.push('\n');
}

/** A table text as tokens (tags and text pieces), then 0–3 mutations in half of them. */
function generate(rand: () => number): string {
  const out: string[] = [mix(rand, PREFIXES, TRICKY_PREFIXES, 0.05), mix(rand, TABLE_OPEN, TRICKY_TABLE_OPEN, 0.03)];
  const shape = rand();
  const rows = (n: number): void => {
    for (let r = 0; r < n; r++) row(rand, out);
  };
  if (shape < 0.4) rows(1 + Math.floor(rand() * 4));
  else {
    if (shape < 0.8) {
      out.push('<thead>');
      rows(1);
      out.push('</thead>');
    }
    out.push(rand() < 0.8 ? '<tbody>' : '<TBODY>');
    rows(1 + Math.floor(rand() * 3));
    out.push('</tbody>');
    if (rand() < 0.15) out.push('<tfoot>', '<tr><td>f</td></tr>', '</tfoot>');
    if (rand() < 0.15) rows(1);
  }
  out.push(rand() < 0.9 ? '</table>' : '</TABLE>', mix(rand, SUFFIXES, TRICKY_SUFFIXES, 0.05));
  if (rand() < 0.4) {
    const mutations = 1 + Math.floor(rand() * 3);
    for (let m = 0; m < mutations; m++) {
      const at = 1 + Math.floor(rand() * (out.length - 1));
      const r = rand();
      if (r < 0.3) out.splice(at, 1);
      else if (r < 0.75) out.splice(at, 0, pick(rand, JUNK));
      else if (r < 0.8) out.splice(at, 0, out[at]!);
      else if (r < 0.9) {
        // A few characters inside a piece (a tag, an attribute, an entity): the tokenizer's corners.
        const piece = out[at]!;
        const cut = Math.floor(rand() * (piece.length + 1));
        let ins = '';
        for (let c = 1 + Math.floor(rand() * 3); c > 0; c--) ins += pick(rand, CHARS);
        out[at] = piece.slice(0, cut) + ins + piece.slice(cut);
      } else if (at + 1 < out.length) [out[at], out[at + 1]] = [out[at + 1]!, out[at]!];
    }
  }
  return out.join('');
}

describe('the strict table reader gives parse5’s tables', () => {
  it('on 4,000 generated table texts, well-formed and malformed: same elements, tables, errors and TEDS', () => {
    const rand = rng(20261202);
    let strict = 0;
    let fallback = 0;
    let pairs = 0;
    let prev: { fast: Table; slow: Table } | undefined;
    for (let k = 0; k < 4000; k++) {
      const html = generate(rand);
      if (agree(html)) strict++;
      else fallback++;
      // TEDS and TEDS-S of consecutive texts, each side parsed by each path.
      let fast: Table | undefined;
      let slow: Table | undefined;
      try {
        fast = parseHtmlTable(html, 'pubtabnet');
        slow = parseHtmlTableWithParse5(html, 'pubtabnet');
      } catch {
        continue;
      }
      if (!fast || !slow) continue;
      if (prev) {
        for (const structureOnly of [true, false]) expect(teds(fast, prev.fast, structureOnly)).toEqual(teds(slow, prev.slow, structureOnly));
        pairs++;
      }
      prev = { fast, slow };
    }
    // Both paths are exercised: most well-formed texts are read strictly, the malformed mostly fall back.
    expect(strict).toBeGreaterThan(1000);
    expect(fallback).toBeGreaterThan(1000);
    expect(pairs).toBeGreaterThan(2000);
  });

  it('reads the plain markup of models and datasets itself', () => {
    const plain = [
      '<table><tr><td>a</td><td>b</td></tr></table>',
      '<html><body><table><thead><tr><th>H0</th><th>H1</th></tr></thead><tbody><tr><td colspan="2">alpha 1.0</td></tr></tbody></table></body></html>',
      'Here is the table:\n```html\n<table border="1">\n  <tr>\n    <td><b>Total</b></td>\n    <td>3,400 &amp; 12.5%</td>\n  </tr>\n</table>\n```',
      '<table><tr><td>x<sup>2</sup><br/>y</td><td rowspan=2>&#x41;&nbsp;</td></tr><tr><td><p>p1</p><div>d</div></td></tr></table>',
      '<table>\r\n<tr><td>a\r\nb</td></tr>\r\n</table>',
      '<table>stray text<tr><td>a</td></tr></table>',
      `<table><tr><td>${'<span>'.repeat(40)}x${'</span>'.repeat(40)}</td></tr></table>`,
      '<table><tr><td><b><b>x</b><b>y</b></b></td></tr></table>',
    ];
    for (const html of plain) expect(agree(html), html).toBe(true);
  });

  it('leaves to parse5 what it would read differently', () => {
    const tricky = [
      '<table><tr><td>a<td>b</table>', // implied end tags
      '<table><td>a</td></table>', // implied <tr> (kept as a row)
      '<table><tr><td><b>x</td><td>y</b></td></tr></table>', // misnested formatting
      '<table><tr><td><p>a<div>b</div></p></td></tr></table>', // <div> closes the <p>
      '<table><tr><td>R&D &copy; &amp</td></tr></table>', // entities outside the small set
      '<table><tr><td>a<!-- c -->b</td></tr></table>', // comment
      '<table><tr><td><table><tr><td>in</td></tr></table></td></tr></table>', // nested table
      '<table><caption>c</caption><tr><td>a</td></tr></table>',
      '<table><tr><td>a\u0000b</td></tr></table>',
      '<table><tr><td>\uD800</td></tr></table>',
      '<table><tr><td>a</br>b</td></tr></table>',
      '<table><tr><td colspan="a&amp;b">a</td></tr></table>',
      '<table><tr><td>a</td></tr></tbody></table>',
      '<table><tr><td><b class="c"><b><b><b>x</b></b></b>y</b></td></tr></table>', // a 4th <b>: Noah's Ark
      '<p><table><tr><td>a</td></tr></table>',
      `<table><tr><td>${'<span>'.repeat(300)}x</td></tr></table>`,
    ];
    for (const html of tricky) expect(agree(html), html).toBe(false);
  });

  it('gives the nesting guard’s verdict on the whole text, the part after the table included', () => {
    const html = `<table><tr><td>a</td></tr></table>${'<i>'.repeat(300)}`;
    expect(readStrictTable(html)?.depth).toBe(300);
    expect(() => parseHtmlTable(html, 'pubtabnet')).toThrow(/nested 300 elements deep/);
    agree(html);
  });
});
