// HTML tables into the table model, PubTabNet- or OmniDocBench-style: plain table markup by a strict reader
// (strict-html.ts), everything else by parse5 (tolerant, browser-grade), both giving the builder the same elements.
import { Parser, defaultTreeAdapter } from 'parse5';
import type { DefaultTreeAdapterMap, Token, html as parse5Html } from 'parse5';
import type { Table, TableNode, TableNormalization } from './model.js';
import { TableParseError, normalizeText, pushCharTokens, trimTokens } from './model.js';
import { MAX_HTML_DEPTH, nestingDepth } from './nesting.js';
import { readStrictTable, type HtmlElement, type HtmlNode, type HtmlText } from './strict-html.js';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

const isElement = (n: HtmlNode): n is HtmlElement => 'tagName' in n;

// Source locations cost parse5 a fifth of TEDS's time, and they served only to tell which elements were written
// in the source. The parser below tells it directly: an element is written when parse5 makes it from a start tag
// (its _appendElement / _insertElement / _insertTemplate, the only paths that give an element a location when
// locations are on); implied ones (html/head/body, <tbody> around bare rows, <p> for a stray </p>, elements the
// adoption agency recreates) are not.
let lastCreated: Element | undefined;
const markingAdapter: typeof defaultTreeAdapter = {
  ...defaultTreeAdapter,
  createElement(tagName, namespaceURI, attrs) {
    const el = defaultTreeAdapter.createElement(tagName, namespaceURI, attrs);
    lastCreated = el;
    return el;
  },
};

class WrittenElementsParser extends Parser<DefaultTreeAdapterMap> {
  readonly written = new Set<Element>();
  override _appendElement(token: Token.TagToken, namespaceURI: parse5Html.NS): void {
    super._appendElement(token, namespaceURI);
    this.written.add(lastCreated!);
  }
  override _insertElement(token: Token.TagToken, namespaceURI: parse5Html.NS): void {
    super._insertElement(token, namespaceURI);
    this.written.add(lastCreated!);
  }
  override _insertTemplate(token: Token.TagToken): void {
    super._insertTemplate(token);
    this.written.add(lastCreated!);
  }
}

/** The document and the set of its elements written in the source (exported for the parser's own test). */
export function parseWritten(html: string): { doc: DefaultTreeAdapterMap['document']; written: ReadonlySet<Element> } {
  const parser = new WrittenElementsParser({ treeAdapter: markingAdapter });
  parser.tokenizer.write(html, true);
  lastCreated = undefined;
  return { doc: parser.document, written: parser.written };
}

/** OmniDocBench unwraps these (keeps their content), and drops colgroup altogether. */
const OMNI_UNWRAP = new Set(['thead', 'tbody', 'span', 'sup', 'sub', 'div', 'p']);
const OMNI_DROP = new Set(['colgroup', 'style', 'script']);

function attr(el: HtmlElement, name: string): string | undefined {
  for (const a of el.attrs) if (a.name === name) return a.value;
  return undefined;
}

/** The reference does int(attrib.get('colspan', '1')); a malformed span counts as 1 instead of crashing. */
function span(el: HtmlElement, name: string): number {
  const v = attr(el, name);
  if (v === undefined) return 1;
  const n = Number.parseInt(v.trim(), 10);
  return Number.isFinite(n) && n >= 0 ? Math.min(n, 10_000) : 1;
}

function firstTable(node: Node): Element | undefined {
  if (isElement(node) && node.tagName === 'table') return node;
  const kids = 'childNodes' in node ? node.childNodes : undefined;
  if (kids) {
    for (const c of kids) {
      const t = firstTable(c);
      if (t) return t;
    }
  }
  // <template> content lives apart from childNodes.
  if (isElement(node) && node.tagName === 'template' && 'content' in node) return firstTable((node as unknown as { content: Node }).content);
  return undefined;
}

/** Which elements the source wrote (parse5 also makes implied ones; the strict reader makes only written ones). */
interface Written {
  has(el: HtmlElement): boolean;
}
const ALL_WRITTEN: Written = { has: () => true };

class Builder {
  count = 0;
  cells = 0;
  /** Text of the cell being tokenized, not yet emitted. */
  private text = '';
  private readonly omni: boolean;
  constructor(
    private readonly mode: TableNormalization,
    private readonly written: Written,
  ) {
    this.omni = mode === 'omnidocbench';
  }

  /**
   * Elements the source did not write are unwrapped: the reference parses with lxml, which does not add them, so a
   * <tbody> is a node only when written. An implied <tr> (cells written straight into <table>) is kept: a row is what
   * the writer meant.
   */
  private implicit(el: HtmlElement): boolean {
    return !this.written.has(el) && el.tagName !== 'tr';
  }

  private tagOf(el: HtmlElement): string {
    return this.mode === 'omnidocbench' && el.tagName === 'th' ? 'td' : el.tagName;
  }

  /** Effective element children after unwrapping and dropping (what the normalized HTML would contain). */
  private elementsOf(el: HtmlElement, out: HtmlElement[] = []): HtmlElement[] {
    for (const c of el.childNodes) {
      if (!isElement(c)) continue;
      if (this.mode === 'omnidocbench') {
        if (OMNI_DROP.has(c.tagName)) continue;
        if (OMNI_UNWRAP.has(c.tagName) || this.implicit(c)) {
          this.elementsOf(c, out);
          continue;
        }
      } else if (this.implicit(c)) {
        this.elementsOf(c, out);
        continue;
      }
      out.push(c);
    }
    return out;
  }

  build(el: HtmlElement): TableNode {
    const tag = this.tagOf(el);
    if (tag === 'td') {
      this.cells++;
      const tokens: string[] = [];
      this.tokenize(el, tokens, true);
      return { tag, colspan: span(el, 'colspan'), rowspan: span(el, 'rowspan'), tokens: this.mode === 'omnidocbench' ? trimTokens(tokens) : tokens, children: [] };
    }
    if (tag === 'th') this.cells++;
    const children: TableNode[] = [];
    for (const c of this.elementsOf(el)) {
      this.count++;
      children.push(this.build(c));
    }
    return { tag, colspan: 0, rowspan: 0, children };
  }

  /**
   * PubTabNet's tokenize(): "<tag>", the text's characters, the children, "</tag>"; the cell's own tags are then
   * dropped by the caller (here: not emitted). Inline elements count as nodes of the table (the reference's .//*).
   */
  private tokenize(el: HtmlElement, out: string[], isCell: boolean): void {
    if (!isCell) out.push(`<${this.tagOf(el)}>`);
    this.walk(el, out);
    this.flush(out);
    if (!isCell && this.tagOf(el) !== 'unk') out.push(`</${this.tagOf(el)}>`);
  }

  /** The text and elements of `parent` into `out`; text runs on across unwrapped elements until the next token. */
  private walk(parent: HtmlElement, out: string[]): void {
    const omni = this.omni;
    for (const c of parent.childNodes) {
      if (c.nodeName === '#text') this.text += (c as HtmlText).value;
      else if (isElement(c)) {
        if (omni && OMNI_DROP.has(c.tagName)) continue;
        if (omni && c.tagName === 'math') {
          const alt = attr(c, 'alttext');
          if (alt) {
            this.text += `$${alt}$`;
            continue;
          }
        }
        if ((omni && OMNI_UNWRAP.has(c.tagName)) || this.implicit(c)) {
          this.walk(c, out);
          continue;
        }
        this.flush(out);
        this.count++;
        this.tokenize(c, out, false);
      }
    }
  }

  private flush(out: string[]): void {
    if (this.text) pushCharTokens(this.omni ? normalizeText(this.text) : this.text, out);
    this.text = '';
  }
}

/**
 * The first <table> of an HTML text as a tree, or undefined when there is none. Throws TableParseError if too deep.
 * Plain table markup is read by the strict reader; whatever it does not read exactly as parse5 would goes to parse5.
 */
export function parseHtmlTable(html: string, mode: TableNormalization): Table | undefined {
  const strict = readStrictTable(html);
  if (!strict) return parseHtmlTableWithParse5(html, mode);
  guardDepth(strict.depth);
  return tableOf(strict.table, mode, ALL_WRITTEN);
}

/** parse5's path alone (what parseHtmlTable does for any text the strict reader leaves; exported for its tests). */
export function parseHtmlTableWithParse5(html: string, mode: TableNormalization): Table | undefined {
  guardDepth(nestingDepth(html));
  const { doc, written } = parseWritten(html);
  const table = firstTable(doc);
  return table && tableOf(table, mode, written);
}

function guardDepth(depth: number): void {
  if (depth > MAX_HTML_DEPTH) throw new TableParseError(`HTML nested ${depth} elements deep (limit ${MAX_HTML_DEPTH})`);
}

function tableOf(table: HtmlElement, mode: TableNormalization, written: Written): Table {
  const b = new Builder(mode, written);
  const root = b.build(table);
  return { root, count: b.count, cells: b.cells, format: 'html' };
}
