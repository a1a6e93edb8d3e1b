// HTML tables (tolerant, browser-grade parsing by parse5) into the table model, PubTabNet- or OmniDocBench-style.
import { Parser, defaultTreeAdapter } from 'parse5';
import type { DefaultTreeAdapterMap, Token, html as parse5Html } from 'parse5';
import type { Table, TableNode, TableNormalization } from './model.js';
import { TableParseError, charTokens, normalizeText, trimTokens } from './model.js';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

const isElement = (n: Node): n is Element => 'tagName' in n;

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

function attr(el: Element, name: string): string | undefined {
  for (const a of el.attrs) if (a.name === name) return a.value;
  return undefined;
}

/** The reference does int(attrib.get('colspan', '1')); a malformed span counts as 1 instead of crashing. */
function span(el: Element, name: string): number {
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

class Builder {
  count = 0;
  cells = 0;
  constructor(
    private readonly mode: TableNormalization,
    private readonly written: ReadonlySet<Element>,
  ) {}

  /**
   * Elements the source did not write are unwrapped: the reference parses with lxml, which does not add them, so a
   * <tbody> is a node only when written. An implied <tr> (cells written straight into <table>) is kept: a row is what
   * the writer meant.
   */
  private implicit(el: Element): boolean {
    return !this.written.has(el) && el.tagName !== 'tr';
  }

  private tagOf(el: Element): string {
    return this.mode === 'omnidocbench' && el.tagName === 'th' ? 'td' : el.tagName;
  }

  /** Effective element children after unwrapping and dropping (what the normalized HTML would contain). */
  private elementsOf(el: Element, out: Element[] = []): Element[] {
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

  build(el: Element): TableNode {
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
  private tokenize(el: Element, out: string[], isCell: boolean): void {
    const omni = this.mode === 'omnidocbench';
    let text = '';
    const flush = (): void => {
      if (text) out.push(...charTokens(omni ? normalizeText(text) : text));
      text = '';
    };
    if (!isCell) out.push(`<${this.tagOf(el)}>`);
    const walk = (parent: Element): void => {
      for (const c of parent.childNodes) {
        if (c.nodeName === '#text') text += (c as DefaultTreeAdapterMap['textNode']).value;
        else if (isElement(c)) {
          if (omni && OMNI_DROP.has(c.tagName)) continue;
          if (omni && c.tagName === 'math') {
            const alt = attr(c, 'alttext');
            if (alt) {
              text += `$${alt}$`;
              continue;
            }
          }
          if ((omni && OMNI_UNWRAP.has(c.tagName)) || this.implicit(c)) {
            walk(c);
            continue;
          }
          flush();
          this.count++;
          this.tokenize(c, out, false);
        }
      }
    };
    walk(el);
    flush();
    if (!isCell && this.tagOf(el) !== 'unk') out.push(`</${this.tagOf(el)}>`);
  }
}

/** Deeper element nesting than this is refused before parsing (the HTML5 algorithm is O(depth) per tag). */
const MAX_HTML_DEPTH = 256;

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
// Elements whose end tag is implied by the next sibling: an unclosed run of them does not nest.
const SELF_CLOSING_RUN = new Set(['td', 'th', 'tr', 'thead', 'tbody', 'tfoot', 'p', 'li', 'dt', 'dd', 'option', 'colgroup', 'caption']);

const isWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isNameChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45;

/**
 * An upper estimate of the element nesting depth, by a linear scan of the tags: what the pattern
 * /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(\/?)>/g finds, scanned by hand (a regex here was an eighth of parsing).
 */
function nestingDepth(html: string): number {
  const n = html.length;
  let depth = 0;
  let max = 0;
  let i = html.indexOf('<');
  while (i >= 0) {
    let j = i + 1;
    const close = html.charCodeAt(j) === 47; // '/'
    if (close) j++;
    const c0 = html.charCodeAt(j);
    if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122))) {
      i = html.indexOf('<', i + 1);
      continue;
    }
    let e = j + 1;
    while (e < n && isNameChar(html.charCodeAt(e))) e++;
    // \b after the name, backtracking over a trailing '-' as the pattern does.
    let p = e;
    while (p > j && isWordChar(html.charCodeAt(p - 1)) === (p < n && isWordChar(html.charCodeAt(p)))) p--;
    const gt = p > j ? html.indexOf('>', p) : -1;
    if (gt < 0) {
      i = html.indexOf('<', i + 1);
      continue;
    }
    const tag = html.slice(j, p).toLowerCase();
    const selfClosing = gt - 1 >= p && html.charCodeAt(gt - 1) === 47;
    if (!(VOID.has(tag) || SELF_CLOSING_RUN.has(tag) || selfClosing)) {
      if (close) depth = Math.max(0, depth - 1);
      else if (++depth > max) max = depth;
    }
    i = html.indexOf('<', gt + 1);
  }
  return max;
}

/** The first <table> of an HTML text as a tree, or undefined when there is none. Throws TableParseError if too deep. */
export function parseHtmlTable(html: string, mode: TableNormalization): Table | undefined {
  const depth = nestingDepth(html);
  if (depth > MAX_HTML_DEPTH) throw new TableParseError(`HTML nested ${depth} elements deep (limit ${MAX_HTML_DEPTH})`);
  const { doc, written } = parseWritten(html);
  const table = firstTable(doc);
  if (!table) return undefined;
  const b = new Builder(mode, written);
  const root = b.build(table);
  return { root, count: b.count, cells: b.cells, format: 'html' };
}
