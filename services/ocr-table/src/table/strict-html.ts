// The fast path of HTML tables: a strict reader of the plain, well-formed table markup that models and datasets
// write, giving exactly the elements parse5 gives for it, and giving up (undefined: parse5 reads the text instead)
// at anything it does not read exactly as parse5 would.
import { countsTowardDepth, nestingDepth } from './nesting.js';

export interface HtmlAttr {
  name: string;
  value: string;
}
/** The part of a DOM the table builder reads: parse5's elements and text nodes have this shape too. */
export interface HtmlElement {
  nodeName?: string;
  tagName: string;
  attrs: HtmlAttr[];
  childNodes: HtmlNode[];
}
export interface HtmlText {
  nodeName: '#text';
  value: string;
}
export type HtmlNode = HtmlElement | HtmlText | { nodeName: string };

/*
 * What is read, and why each piece is read as parse5 reads it (the WHATWG tree construction), for a text whose first
 * tag-like thing is the table:
 * - Before the table: text (any: it lands in <body> or is dropped, never in the table), <!DOCTYPE html>, and bare
 *   <html>, <head>, </head>, <body> (their only effects are outside the table). Anything else before it: parse5.
 * - <table> holds <thead>/<tbody>/<tfoot> holding <tr>, or <tr> straight in the table (parse5 wraps those in an
 *   implied <tbody>, which the builder unwraps: the same table as without it); rows hold <td>/<th>. Every one of these
 *   must be closed by its own end tag, properly nested. Text between them is not in the table: whitespace becomes
 *   text nodes the builder never reads, other text is foster-parented out of the table (before it), so it is
 *   skipped; but every '<' there must start a tag read here.
 * - In a cell: text and a small set of inline elements, properly nested and closed (<b>, <i>, <span>, <sup>, ...,
 *   the formatting ones included: with every element closed where it was opened and at most three formatting
 *   elements of a name open, the adoption agency and the active-formatting reconstruction change nothing),
 *   <p>/<div> unless a <p> is open in the cell (they would close it), and <br> (void; <br/> too). The cell is
 *   closed by its own end tag with nothing open inside it.
 * - Cell text: entities &amp; &lt; &gt; &quot; &apos; &nbsp; and numeric references to ordinary code points, each
 *   with its ';'; a '&' not followed by a letter, digit or '#' is literal. CR and CRLF become LF (parse5's input
 *   preprocessing). A NUL, a lone surrogate, any other entity or a '<' that starts no tag: parse5.
 * - Tags: ASCII names, attributes with quoted values free of '&', '<', '>' (and unquoted ones of plain characters),
 *   names lower-cased, a repeated attribute dropped (parse5 keeps the first). Comments, <caption>, <colgroup>,
 *   nested tables, implied or stray tags, unclosed elements, end tags with attributes: parse5.
 * - After </table>: nothing can reach into a closed table, so it is not read, but for the nesting guard.
 * The nesting guard's estimate is counted over the tags read here (every one of them is a tag the guard's scan
 * finds, with the same name) and resumed after the table, so it is the number the guard gives the whole text.
 */

const KIND_SECTION = 1;
const KIND_ROW = 2;
const KIND_CELL = 3;
const KIND_INLINE = 4;
const KIND_BLOCK = 5;
const KIND_VOID = 6;
const KIND_TABLE = 7;
const KIND_PREFIX = 8;
const KIND_FORMATTING = 9;

const KIND_LIST: Array<[string, number]> = [
  ['table', KIND_TABLE],
  ['thead', KIND_SECTION],
  ['tbody', KIND_SECTION],
  ['tfoot', KIND_SECTION],
  ['tr', KIND_ROW],
  ['td', KIND_CELL],
  ['th', KIND_CELL],
  ['p', KIND_BLOCK],
  ['div', KIND_BLOCK],
  ['br', KIND_VOID],
  ['html', KIND_PREFIX],
  ['head', KIND_PREFIX],
  ['body', KIND_PREFIX],
  // Formatting elements (b … u) and ordinary phrasing elements ("any other start tag"): none is special or a scope
  // boundary, so, properly nested, each is a plain element of the cell.
  ...['b', 'big', 'code', 'em', 'font', 'i', 's', 'small', 'strike', 'strong', 'tt', 'u'].map((t): [string, number] => [t, KIND_FORMATTING]),
  ...['span', 'sup', 'sub', 'abbr', 'cite', 'dfn', 'kbd', 'mark', 'q', 'samp', 'var', 'bdi', 'bdo', 'ins', 'del'].map((t): [string, number] => [t, KIND_INLINE]),
];
/** Whether the nesting guard counts the tag, as a bit beside its kind (one lookup per tag). */
const COUNTS = 16;
const KINDS = new Map(KIND_LIST.map(([t, k]) => [t, countsTowardDepth(t) ? k | COUNTS : k]));

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
/** Max element nesting read here; deeper tables go to parse5 (and its guard). */
const MAX_STACK = 64;

const isWs = (c: number): boolean => c === 32 || c === 10 || c === 9 || c === 12;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isAlnum = (c: number): boolean => isAlpha(c) || isDigit(c);
const isAttrNameChar = (c: number): boolean => isAlnum(c) || c === 45 || c === 95 || c === 58 || c === 46; // - _ : .
/** Characters of an unquoted attribute value read here: printable ASCII but " ' < = > ` & / and space. */
const isUnquotedChar = (c: number): boolean => c > 32 && c < 127 && c !== 34 && c !== 39 && c !== 60 && c !== 61 && c !== 62 && c !== 96 && c !== 38 && c !== 47;
/** A code point a numeric reference gives unchanged (parse5 replaces NUL, C1 controls, surrogates, > U+10FFFF). */
const plainCodePoint = (cp: number): boolean => cp === 9 || cp === 10 || (cp >= 32 && cp < 127) || (cp >= 0xa0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff));

const DOCTYPE = '<!doctype html>';

/** The first table of `html` and the nesting guard's estimate for the whole text, or undefined: parse5 must read it. */
export function readStrictTable(html: string): { table: HtmlElement; depth: number } | undefined {
  return new StrictReader(html.includes('\r') ? html.replace(/\r\n?/g, '\n') : html).read();
}

class StrictReader {
  private i = 0;
  // The last tag read by tag().
  private name = '';
  private kind = 0;
  private close = false;
  private selfClosing = false;
  private attrs: HtmlAttr[] = [];
  // The nesting guard's running estimate over the tags read so far.
  private depth = 0;
  private max = 0;

  constructor(private readonly s: string) {}

  read(): { table: HtmlElement; depth: number } | undefined {
    const s = this.s;
    for (;;) {
      const lt = s.indexOf('<', this.i);
      if (lt < 0) return undefined;
      this.i = lt;
      if (s.charCodeAt(lt + 1) === 33 /* ! */) {
        if (s.slice(lt, lt + DOCTYPE.length).toLowerCase() !== DOCTYPE) return undefined;
        this.i += DOCTYPE.length;
        continue;
      }
      if (!this.tag()) return undefined;
      const kind = this.kind;
      if (kind === KIND_TABLE && !this.close && !this.selfClosing) break;
      if (kind !== KIND_PREFIX || this.attrs.length || this.selfClosing) return undefined;
      if (this.close && this.name !== 'head') return undefined;
    }
    const table = element('table', this.attrs);
    const stack: HtmlElement[] = [table];
    const kinds: number[] = [KIND_TABLE];
    let openP = 0;
    for (;;) {
      const top = stack[stack.length - 1]!;
      const topKind = kinds[kinds.length - 1]!;
      const inCell = topKind === KIND_CELL || topKind === KIND_INLINE || topKind === KIND_FORMATTING || topKind === KIND_BLOCK;
      if (inCell) {
        const text = this.text();
        if (text === undefined) return undefined;
        // Never next to another text node: a run of text always ends at a tag, which opens or closes an element.
        if (text) top.childNodes.push({ nodeName: '#text', value: text });
      } else {
        // Not in the table (whitespace text nodes or foster-parented text): skipped to the next tag.
        const lt = s.indexOf('<', this.i);
        if (lt < 0) return undefined;
        this.i = lt;
      }
      if (!this.tag()) return undefined;
      const kind = this.kind;
      if (this.close) {
        if (this.name !== top.tagName) return undefined;
        stack.pop();
        kinds.pop();
        if (this.name === 'p') openP--;
        if (topKind === KIND_TABLE) return { table, depth: nestingDepth(s, this.i, this.depth, this.max) };
        continue;
      }
      if (this.selfClosing && kind !== KIND_VOID) return undefined;
      let fits: boolean;
      if (topKind === KIND_TABLE) fits = kind === KIND_SECTION || kind === KIND_ROW;
      else if (topKind === KIND_SECTION) fits = kind === KIND_ROW;
      else if (topKind === KIND_ROW) fits = kind === KIND_CELL;
      else fits = kind === KIND_INLINE || kind === KIND_VOID || (kind === KIND_BLOCK && openP === 0) || (kind === KIND_FORMATTING && this.fewOpen(stack, kinds));
      if (!fits) return undefined;
      const el = element(this.name, this.attrs);
      top.childNodes.push(el);
      if (kind === KIND_VOID) continue;
      if (stack.length >= MAX_STACK) return undefined;
      stack.push(el);
      kinds.push(kind);
      if (this.name === 'p') openP++;
    }
  }

  /**
   * Whether fewer than three elements named like this formatting element are open in the cell. A fourth makes parse5
   * drop the earliest from its list of active formatting elements (the "Noah's Ark" clause), and the end tag of a
   * dropped one runs the adoption agency against an outer element of that name: not a plain close any more.
   */
  private fewOpen(stack: HtmlElement[], kinds: number[]): boolean {
    let same = 0;
    for (let k = stack.length - 1; kinds[k] !== KIND_CELL; k--) if (stack[k]!.tagName === this.name && ++same === 3) return false;
    return true;
  }

  /**
   * Reads the tag at this.i ('<') into name / close / selfClosing / attrs and moves past it; false when it is not a
   * tag written plainly enough to be read here. Counts it toward the nesting estimate as the guard's scan does.
   */
  private tag(): boolean {
    const s = this.s;
    const n = s.length;
    let j = this.i + 1;
    const close = s.charCodeAt(j) === 47;
    if (close) j++;
    const start = j;
    if (!isAlpha(s.charCodeAt(j))) return false;
    while (j < n && isAlnum(s.charCodeAt(j))) j++;
    const end = s.charCodeAt(j);
    if (!(isWs(end) || end === 62 || end === 47)) return false;
    const name = s.slice(start, j).toLowerCase();
    const kind = KINDS.get(name);
    if (kind === undefined) return false;
    let selfClosing = false;
    let attrs: HtmlAttr[] = NO_ATTRS;
    for (;;) {
      while (j < n && isWs(s.charCodeAt(j))) j++;
      const c = s.charCodeAt(j);
      if (c === 62) {
        j++;
        break;
      }
      if (c === 47) {
        if (close || s.charCodeAt(j + 1) !== 62) return false;
        selfClosing = true;
        j += 2;
        break;
      }
      if (close || !isAlpha(c)) return false;
      const a = j;
      while (j < n && isAttrNameChar(s.charCodeAt(j))) j++;
      const attrName = s.slice(a, j).toLowerCase();
      while (j < n && isWs(s.charCodeAt(j))) j++;
      let value = '';
      if (s.charCodeAt(j) === 61 /* = */) {
        j++;
        while (j < n && isWs(s.charCodeAt(j))) j++;
        const q = s.charCodeAt(j);
        if (q === 34 || q === 39) {
          const e = s.indexOf(q === 34 ? '"' : "'", j + 1);
          if (e < 0) return false;
          for (let k = j + 1; k < e; k++) {
            const v = s.charCodeAt(k);
            if (v === 38 || v === 60 || v === 62 || v === 0 || (v >= 0xd800 && v <= 0xdfff)) return false;
          }
          value = s.slice(j + 1, e);
          j = e + 1;
          const after = s.charCodeAt(j);
          if (!(isWs(after) || after === 62 || after === 47)) return false;
        } else {
          const v0 = j;
          while (j < n && isUnquotedChar(s.charCodeAt(j))) j++;
          const after = s.charCodeAt(j);
          if (j === v0 || !(isWs(after) || after === 62)) return false;
          value = s.slice(v0, j);
        }
      } else {
        const after = s.charCodeAt(j);
        if (!(j >= n || isAlpha(after) || after === 62 || after === 47)) return false;
      }
      if (attrs === NO_ATTRS) attrs = [];
      if (!attrs.some((x) => x.name === attrName)) attrs.push({ name: attrName, value });
    }
    this.i = j;
    this.name = name;
    this.kind = kind & ~COUNTS;
    this.close = close;
    this.selfClosing = selfClosing;
    this.attrs = attrs;
    if (!selfClosing && (kind & COUNTS) !== 0) {
      if (close) this.depth = Math.max(0, this.depth - 1);
      else if (++this.depth > this.max) this.max = this.depth;
    }
    return true;
  }

  /** Cell text from this.i to the next '<', entities decoded; undefined when parse5 might read it otherwise. */
  private text(): string | undefined {
    const s = this.s;
    const n = s.length;
    let out = '';
    let run = this.i;
    let j = this.i;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c === 60) break;
      if (c === 38) {
        const c1 = s.charCodeAt(j + 1);
        let decoded: string;
        let next: number;
        if (isAlnum(c1)) {
          const semi = s.indexOf(';', j + 1);
          if (semi < 0 || semi - j > 5) return undefined;
          const name = s.slice(j + 1, semi);
          if (!Object.hasOwn(NAMED, name)) return undefined;
          decoded = NAMED[name]!;
          next = semi + 1;
        } else if (c1 === 35 /* # */) {
          const hex = (s.charCodeAt(j + 2) | 32) === 120; // x or X
          let k = j + (hex ? 3 : 2);
          const d0 = k;
          let cp = 0;
          while (k < n && (hex ? isHex(s.charCodeAt(k)) : isDigit(s.charCodeAt(k))) && k - d0 < 7) cp = cp * (hex ? 16 : 10) + Number.parseInt(s[k++]!, 16);
          if (k === d0 || s.charCodeAt(k) !== 59 || !plainCodePoint(cp)) return undefined;
          decoded = String.fromCodePoint(cp);
          next = k + 1;
        } else continue; // a literal '&'
        out += s.slice(run, j) + decoded;
        run = next;
        j = next - 1;
      } else if (c === 0) return undefined;
      else if (c >= 0xd800 && c <= 0xdfff) {
        const t = s.charCodeAt(j + 1);
        if (c > 0xdbff || !(t >= 0xdc00 && t <= 0xdfff)) return undefined;
        j++;
      }
    }
    if (j >= n) return undefined;
    this.i = j;
    return run === j ? out : out + s.slice(run, j);
  }
}

const NO_ATTRS: HtmlAttr[] = [];

function element(tagName: string, attrs: HtmlAttr[]): HtmlElement {
  return { tagName, attrs: attrs === NO_ATTRS ? [] : attrs, childNodes: [] };
}
