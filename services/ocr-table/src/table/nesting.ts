// The nesting guard of HTML tables: an upper estimate of element depth, checked before any tree is built.

/** Deeper element nesting than this is refused before parsing (the HTML5 algorithm is O(depth) per tag). */
export const MAX_HTML_DEPTH = 256;

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
// Elements whose end tag is implied by the next sibling: an unclosed run of them does not nest.
const SELF_CLOSING_RUN = new Set(['td', 'th', 'tr', 'thead', 'tbody', 'tfoot', 'p', 'li', 'dt', 'dd', 'option', 'colgroup', 'caption']);

/** Whether a tag (lower-case name, not written self-closing) moves the estimate: void elements and runs do not. */
export const countsTowardDepth = (tag: string): boolean => !(VOID.has(tag) || SELF_CLOSING_RUN.has(tag));

const isWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isNameChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45;

/**
 * An upper estimate of the element nesting depth, by a linear scan of the tags: what the pattern
 * /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(\/?)>/g finds, scanned by hand (a regex here was an eighth of parsing).
 * A scan can resume at `from` with the running `depth` and `max` of the text before it (the strict table reader
 * counts its own tags and scans only what follows the table).
 */
export function nestingDepth(html: string, from = 0, depth = 0, max = 0): number {
  const n = html.length;
  let i = html.indexOf('<', from);
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
    const selfClosing = gt - 1 >= p && html.charCodeAt(gt - 1) === 47;
    if (!selfClosing && countsTowardDepth(html.slice(j, p).toLowerCase())) {
      if (close) depth = Math.max(0, depth - 1);
      else if (++depth > max) max = depth;
    }
    i = html.indexOf('<', gt + 1);
  }
  return max;
}
