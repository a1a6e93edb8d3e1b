// Text similarity metrics for doc.text, doc.ocr and doc.anls, each reported as a similarity in [0, 1].
import { codePoints, levenshtein, levenshteinSeq, levenshteinTokens } from './levenshtein.js';

export const TEXT_METRICS = ['ned', 'cer', 'wer', 'bleu', 'rouge_l', 'token_f1'] as const;
export type TextMetric = (typeof TEXT_METRICS)[number];

export const TEXT_NORMALIZATIONS = ['none', 'whitespace', 'basic', 'squad'] as const;
export type TextNormalization = (typeof TEXT_NORMALIZATIONS)[number];

const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** SQuAD's normalize_answer: lower case, punctuation removed, articles removed, whitespace collapsed. */
function squadNormalize(s: string): string {
  return collapse(
    s
      .toLowerCase()
      .replace(/[\p{P}\p{S}]/gu, '')
      .replace(/\b(a|an|the)\b/g, ' '),
  );
}

/** none: as is; whitespace: runs collapsed and trimmed; basic: also NFKC and lower case; squad: SQuAD's. */
export function normalizeString(s: string, how: TextNormalization): string {
  switch (how) {
    case 'none':
      return s;
    case 'whitespace':
      return collapse(s);
    case 'basic':
      return collapse(s.normalize('NFKC').toLowerCase());
    case 'squad':
      return squadNormalize(s.normalize('NFKC'));
  }
}

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/** 1 − Levenshtein / max length (code points); both empty = 1. */
export function nedSimilarity(pred: string, ref: string): number {
  const a = codePoints(pred);
  const b = codePoints(ref);
  const max = Math.max(a.length, b.length);
  return max === 0 ? 1 : 1 - levenshteinSeq(a, b) / max;
}

/** Character error rate: Levenshtein / reference length (an empty reference: 0 if the prediction is empty, else 1). */
export function cer(pred: string, ref: string): number {
  const n = codePoints(ref).length;
  if (n === 0) return pred.length === 0 ? 0 : 1;
  return levenshtein(pred, ref) / n;
}

/** Word error rate over whitespace words (can exceed 1). */
export function wer(pred: string, ref: string): number {
  const r = words(ref);
  const p = words(pred);
  if (r.length === 0) return p.length === 0 ? 0 : 1;
  return levenshteinTokens(p, r) / r.length;
}

/** Tokens for BLEU: words with punctuation split off (close to sacreBLEU's 13a tokenizer for plain text). */
function bleuTokens(s: string): string[] {
  return words(s.replace(/([\p{P}\p{S}])/gu, ' $1 '));
}

function ngrams(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0001');
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

/**
 * Sentence BLEU-4 (Papineni et al. 2002) with sacreBLEU's sentence defaults: "exp" smoothing (Chen & Cherry 2014,
 * method 3: the k-th n-gram order with no match gets precision 1 / (2^k · total)) and effective order (orders with
 * no n-grams in the hypothesis are left out of the geometric mean). Brevity penalty exp(1 − r/c) when c < r.
 */
export function sentenceBleu(pred: string, ref: string): number {
  const h = bleuTokens(pred);
  const r = bleuTokens(ref);
  if (h.length === 0 || r.length === 0) return h.length === r.length ? 1 : 0;
  let logSum = 0;
  let orders = 0;
  let smooth = 1;
  for (let n = 1; n <= 4; n++) {
    const total = h.length - n + 1;
    if (total <= 0) break;
    const hg = ngrams(h, n);
    const rg = ngrams(r, n);
    let correct = 0;
    for (const [g, c] of hg) correct += Math.min(c, rg.get(g) ?? 0);
    let p: number;
    if (correct === 0) {
      smooth *= 2;
      p = 1 / (smooth * total);
    } else p = correct / total;
    logSum += Math.log(p);
    orders++;
  }
  const bp = h.length >= r.length ? 1 : Math.exp(1 - r.length / h.length);
  return bp * Math.exp(logSum / orders);
}

/** Tokens for ROUGE: lower case, runs of letters/digits (as the rouge-score package's default tokenizer). */
function rougeTokens(s: string): string[] {
  return s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** ROUGE-L F-measure (β = 1) from the longest common subsequence of tokens. */
export function rougeL(pred: string, ref: string): number {
  const p = rougeTokens(pred);
  const r = rougeTokens(ref);
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  const prev = new Int32Array(r.length + 1);
  const cur = new Int32Array(r.length + 1);
  for (let i = 1; i <= p.length; i++) {
    for (let j = 1; j <= r.length; j++) cur[j] = p[i - 1] === r[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    prev.set(cur);
  }
  const lcs = prev[r.length]!;
  if (lcs === 0) return 0;
  const precision = lcs / p.length;
  const recall = lcs / r.length;
  return (2 * precision * recall) / (precision + recall);
}

/** SQuAD token F1 on SQuAD-normalized answers (both empty = 1). */
export function tokenF1(pred: string, ref: string): number {
  const p = words(squadNormalize(pred));
  const r = words(squadNormalize(ref));
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / r.length;
  return (2 * precision * recall) / (precision + recall);
}

/** A metric as a similarity in [0, 1], with the raw rate where there is one. */
export function textSimilarity(metric: TextMetric, pred: string, ref: string): { score: number; value: number } {
  switch (metric) {
    case 'ned': {
      const s = nedSimilarity(pred, ref);
      return { score: s, value: 1 - s };
    }
    case 'cer': {
      const v = cer(pred, ref);
      return { score: Math.max(0, 1 - v), value: v };
    }
    case 'wer': {
      const v = wer(pred, ref);
      return { score: Math.max(0, 1 - v), value: v };
    }
    case 'bleu': {
      const v = sentenceBleu(pred, ref);
      return { score: v, value: v };
    }
    case 'rouge_l': {
      const v = rougeL(pred, ref);
      return { score: v, value: v };
    }
    case 'token_f1': {
      const v = tokenF1(pred, ref);
      return { score: v, value: v };
    }
  }
}

/** ANLS variants: "docvqa" is the official one; "lmms_eval" is lmms-eval's (and Qwen-VL's) boundary behaviour. */
export type AnlsVariant = 'docvqa' | 'lmms_eval';

/**
 * ANLS of one prediction against its accepted answers (max over answers). Both sides are trimmed, lower-cased and
 * whitespace-collapsed. docvqa: NL = lev / max(len) of the normalized strings, score 1 − NL when NL < threshold,
 * else 0. lmms_eval: the lengths in the denominator are those of the raw strings, and the best similarity is kept
 * when it is ≥ threshold (so NL = 0.5 scores 0.5 there and 0 in docvqa).
 */
export function anls(pred: string, answers: readonly string[], threshold = 0.5, variant: AnlsVariant = 'docvqa'): { score: number; best: number; nl: number } {
  const norm = (s: string): string => s.trim().toLowerCase().split(/\s+/).filter(Boolean).join(' ');
  const p = norm(pred);
  let minNl = Infinity;
  for (const a of answers) {
    const g = norm(a);
    const dist = levenshtein(g, p);
    // Python's len() counts code points.
    const len = variant === 'lmms_eval' ? Math.max(codePoints(a.toUpperCase()).length, codePoints(pred.toUpperCase()).length) : Math.max(codePoints(g).length, codePoints(p).length);
    const nl = len === 0 ? 0 : dist / len;
    if (nl < minNl) minNl = nl;
  }
  if (!Number.isFinite(minNl)) return { score: 0, best: 0, nl: 1 };
  const best = 1 - minNl;
  const keep = variant === 'lmms_eval' ? best >= threshold : minNl < threshold;
  return { score: keep ? Math.max(0, best) : 0, best, nl: minNl };
}
