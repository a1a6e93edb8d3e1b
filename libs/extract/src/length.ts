// How long a text is however its spaces are arranged: a floor on its tokens or words that dropping spaces cannot dodge.
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;
const SPACE = /\s/gu;
const SURROGATE_PAIR = /[\uD800-\uDBFF](?=[\uDC00-\uDFFF])/g;

/**
 * At least one unit per 8 non-space characters plus one per 2 CJK characters, counted in code points (a BPE token
 * holds about 4 English or 1.5 CJK characters; an English word about 5 characters). Never above the whitespace count
 * of ordinary text, whose words are shorter than 8 characters; it binds only on text with its spaces dropped
 * ("glued-words-like-this", words joined by zero-width spaces, CJK prose), which a whitespace count reads as one unit.
 */
export function lengthFloor(text: string): number {
  const codePoints = text.length - (text.match(SURROGATE_PAIR)?.length ?? 0);
  const spaces = text.match(SPACE)?.length ?? 0;
  const cjk = text.match(CJK)?.length ?? 0;
  return Math.ceil((codePoints - spaces - cjk) / 8 + cjk / 2);
}
