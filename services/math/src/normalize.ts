// From an answer's text to clean LaTeX for the parser: units, \text{}, currency, thousands separators, decimal commas,
// percent and degree signs understood; what they change is kept as flags for the comparison.

/** `latex`: a comma separates list elements; `plain`: `3,5` may be a decimal comma, `sqrt(2)` and `pi` are read. */
export type Context = 'latex' | 'plain';

export interface Normalized {
  /** LaTeX for the parser; several when the answer used ± (each sign is one element of a list). */
  latex: string;
  /** The answer ended in a percent sign (28\% may stand for 28 or 0.28). */
  percent: boolean;
  /** The answer was in degrees (30^\circ): it matches 30 and π/6. */
  degree: boolean;
  /** The answer is words only (\text{Monday}, "yes"): compared as text. */
  words?: string;
}

/** Unit words dropped after a number (Math-Verify drops a longer list; these cover MATH, GSM8K and Numina answers). */
const UNITS = [
  'mm', 'cm', 'm', 'km', 'in', 'inch', 'inches', 'ft', 'foot', 'feet', 'yd', 'yard', 'yards', 'mi', 'mile', 'miles', 'meter', 'meters',
  'metre', 'metres', 'centimeter', 'centimeters', 'kilometer', 'kilometers', 'g', 'kg', 'mg', 'gram', 'grams', 'kilogram', 'kilograms',
  'lb', 'lbs', 'pound', 'pounds', 'oz', 'ounce', 'ounces', 'ton', 'tons', 'l', 'ml', 'liter', 'liters', 'litre', 'litres', 'gallon',
  'gallons', 's', 'sec', 'second', 'seconds', 'min', 'minute', 'minutes', 'h', 'hr', 'hrs', 'hour', 'hours', 'day', 'days', 'week',
  'weeks', 'month', 'months', 'year', 'years', 'mph', 'kmh', 'km/h', 'm/s', 'dollar', 'dollars', 'cent', 'cents', 'usd', 'euro', 'euros',
  'unit', 'units', 'sq', 'square', 'cubic', 'degree', 'degrees', 'deg', 'point', 'points', 'people', 'persons', 'students', 'times',
  'ways', 'items', 'apples', 'cookies', 'marbles', 'pages', 'books', 'cups', 'boxes', 'balls', 'pieces', 'trees', 'cars',
];
export const UNIT_WORDS: ReadonlySet<string> = new Set(UNITS);
const UNIT_RE = `(?:${UNITS.map((u) => u.replace(/[/]/g, '\\/')).join('|')})`;
/** A trailing unit, possibly squared or cubed, after a number, a closing brace or a space. */
const TRAILING_UNIT = new RegExp(`(?<=[\\d}\\s)])\\s*(?:\\\\,|~)?\\s*(?:(?:sq\\.?|square|cubic|cu\\.?)\\s+)?${UNIT_RE}\\.?(?:\\s*(?:\\^\\s*\\{?[23]\\}?|²|³))?\\s*$`, 'i');
const TEXT_CMD = /\\(?:text|textrm|textbf|textit|textnormal|mathrm|mathbf|mathit|mathsf|mbox|operatorname)\s*\{([^{}]*)\}(\s*\^\s*\{?[23]\}?)?/g;
const DEGREE = /\s*(?:\^\s*\{?\s*\\circ\s*\}?|°|\\degree|\^\s*\{?\s*o\s*\}?(?![a-z]))/g;

/** The words of a text answer, lower-cased, for text comparison ("(B)" and "b" are the same choice). */
export function wordsOf(text: string): string {
  return text
    .toLowerCase()
    .replace(/\\[a-z]+/g, ' ')
    .replace(/[{}()[\]$.,;:!?"'`*_]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Splits a list answer on top-level commas: `1, \frac{1,2}{3}` has two elements. */
function hasTopLevelComma(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) return true;
  }
  return false;
}

/** Thousands separators and decimal commas in numbers: 14{,}916, 1\,000, 10,\!000 and (plain text) 1,000 or 3,5. */
function numbers(text: string, context: Context): string {
  let t = text
    .replace(/(\d)\s*\{,\}\s*(?=\d{3}(?!\d))/g, '$1')
    .replace(/(\d)\{,\}(\d)/g, '$1.$2')
    .replace(/(\d),\\!\s*(?=\d{3}(?!\d))/g, '$1')
    .replace(/(\d)(?:\\,|\\ |\\;|\u2009|\u202f|\u00a0)(?=\d{3}(?!\d))/g, '$1');
  // A whole answer such as 7,425,000 is a number, never the list {7, 425, 0}; elsewhere a comma separates a list.
  const whole = /^\s*([-−]?)(\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+)(\.\d+)?\s*(\\?%)?\s*$/.exec(t);
  if (whole) return `${whole[1]}${whole[2]!.replace(/[, ]/g, '')}${whole[3] ?? ''}${whole[4] ?? ''}`;
  if (context === 'plain') {
    const dec = /^\s*([-−]?\d+),(\d{1,2}|\d{4,})\s*(\\?%)?\s*$/.exec(t);
    if (dec) return `${dec[1]}.${dec[2]}${dec[3] ?? ''}`;
    t = t.replace(/(?<![\d,])(\d{1,3})((?:,\d{3})+)(?![\d,])/g, (_m, a: string, b: string) => a + b.replace(/,/g, ''));
  }
  return t;
}

/** Plain-text arithmetic written the calculator way, in LaTeX: sqrt(2), pi, 2**3, ×, ÷. */
function plainToLatex(text: string): string {
  let t = text
    .replace(/\*\*/g, '^')
    .replace(/×|·/g, '\\times ')
    .replace(/÷/g, '\\div ')
    .replace(/−/g, '-')
    .replace(/π|(?<!\\)\bpi\b/gi, '\\pi ')
    .replace(/√\s*(\d+)/g, '\\sqrt{$1}')
    .replace(/√/g, '\\sqrt');
  // sqrt(...) with balanced parentheses becomes \sqrt{...}; ^(...) becomes ^{...}.
  for (const [word, open] of [['sqrt', '\\sqrt{'], ['^', '^{']] as const) {
    for (let i = t.indexOf(`${word}(`); i >= 0; i = t.indexOf(`${word}(`, i + 1)) {
      if (word === 'sqrt' && t[i - 1] === '\\') continue;
      let depth = 0;
      let j = i + word.length;
      for (; j < t.length; j++) {
        if (t[j] === '(') depth++;
        else if (t[j] === ')' && --depth === 0) break;
      }
      if (j >= t.length) break;
      t = `${t.slice(0, i)}${open}${t.slice(i + word.length + 1, j)}}${t.slice(j + 1)}`;
    }
  }
  // A caret followed by a multi-digit number means the whole number (2^10 is 1024, not 2^1·0).
  return t.replace(/\^\s*(-?\d+(?:\.\d+)?)/g, '^{$1}').replace(/(?<!\\)\bsqrt\b/g, '\\sqrt');
}

/**
 * Normalizes one reading of an answer. Returns the LaTeX (or several, for ±) with the percent and degree flags, or
 * the words of a text answer.
 */
export function normalize(text: string, context: Context): Normalized[] {
  let t = text;
  let percent = false;
  let degree = false;
  t = numbers(t.replace(/\\\$|\$/g, ' ').replace(/(?:US)?\$|€|£|¥/g, ' ').trim(), context);
  const relational = /[<>≤≥]|\\[lg]eq?(?![a-zA-Z])|\\[lg]eqslant/.test(t);
  t = t
    .replace(/\\(?:displaystyle|textstyle|scriptstyle|left|right|bigl|bigr|Bigl|Bigr|big|Big|middle)(?![a-zA-Z])/g, '')
    .replace(/\\(?:[!;:,]|quad|qquad)/g, ' ')
    .replace(/\\(?:d|t|c)frac/g, '\\frac')
    .replace(/\\(?:dots|ldots|cdots)/g, ' ')
    .replace(/\\mathbb\s*\{\s*([RZNQC])\s*\}/g, '\\mathbb{$1}')
    .replace(/[≤⩽]/g, '\\le ')
    .replace(/[≥⩾]/g, '\\ge ')
    .replace(/≠/g, '\\ne ')
    .replace(/\\neq(?![a-zA-Z])/g, '\\ne ')
    .replace(/\\(?:leqslant|leq)(?![a-zA-Z])/g, '\\le ')
    .replace(/\\(?:geqslant|geq)(?![a-zA-Z])/g, '\\ge ')
    .replace(/\\emptyset|\\varnothing|∅/g, '\\emptyset ')
    .replace(/\binfinity\b|∞/g, '\\infty ')
    .trim();
  if (relational) t = t.replace(/\s*\\text\s*\{\s*or\s*\}\s*|\s+or\s+/g, ' \\lor ');
  if (DEGREE.test(t)) {
    DEGREE.lastIndex = 0;
    degree = true;
    t = t.replace(DEGREE, '');
  }
  DEGREE.lastIndex = 0;
  // \text{...}: "and"/"or" separate list elements; a unit is dropped; anything else keeps its words.
  t = t.replace(TEXT_CMD, (m: string, inner: string, power: string | undefined) => {
    const w = inner.trim();
    if (/^(?:,?\s*(?:and|or))$/i.test(w)) return ', ';
    if (/^(?:degrees?|°)$/i.test(w)) {
      degree = true;
      return ' ';
    }
    if (/^(?:percent|percentage|pct|%)$/i.test(w)) return '\\%';
    if (new RegExp(`^(?:(?:sq\\.?|square|cubic)\\s+)?${UNIT_RE}(?:\\^?[23])?$`, 'i').test(w)) return ' ';
    return power ? m : ` \\text{${w}} `;
  });
  t = t.replace(/\s*\b(?:percent|percentage|pct)\b\s*$/i, '\\%');
  for (let i = 0; i < 2; i++) t = t.replace(TRAILING_UNIT, '').trim();
  if (/\s*degrees?\s*$/i.test(t)) {
    degree = true;
    t = t.replace(/\s*degrees?\s*$/i, '');
  }
  if (/\\?%\s*$/.test(t) && !hasTopLevelComma(t)) {
    percent = true;
    t = t.replace(/\\?%\s*$/, '');
  }
  // A percent inside (\frac{28}{100} \cdot 100\%) is a factor of 1/100.
  t = t.replace(/\\?%/g, '\\cdot\\frac{1}{100}').trim();
  // A ratio of two numbers is their quotient (3:4 is 3/4, as Math-Verify reads it).
  t = t.replace(/^\s*(-?\d+(?:\.\d+)?)\s*:\s*(-?\d+(?:\.\d+)?)\s*$/, '\\frac{$1}{$2}');
  if (context === 'plain') t = plainToLatex(t);
  const textOnly = t.replace(/\\text\{([^{}]*)\}/g, '$1');
  if (/\\text\{/.test(t) && !/[\d\\=<>^_]/.test(textOnly)) return [{ latex: t, percent, degree, words: wordsOf(textOnly) }];
  t = textOnly === t ? t : t.replace(/\\text\{\s*([a-zA-Z])\s*\}/g, '$1');
  // ± and ∓: each sign gives one element of a list (x = 1 \pm \sqrt{2} is two roots).
  const pm = /\\pm|±|\\mp|∓/.exec(t);
  if (pm) {
    const plus = `${t.slice(0, pm.index)}+${t.slice(pm.index + pm[0].length)}`;
    const minus = `${t.slice(0, pm.index)}-${t.slice(pm.index + pm[0].length)}`;
    if (!/\\pm|±|\\mp|∓/.test(plus)) return [{ latex: plus, percent, degree }, { latex: minus, percent, degree }];
  }
  return [{ latex: t, percent, degree }];
}
