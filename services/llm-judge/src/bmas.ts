// Bidirectional Max-Average Similarity (Mixed-R1): sentence split, cosine matrix, mean of row and column maxima.

/** Sentences: split after . ! ? (and their CJK forms) followed by space, and at line breaks; empty pieces dropped. */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?。！？])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * The sentences without repeats (compared lower-cased, punctuation and spacing ignored), first occurrence kept. For the
 * response: a copy adds no content, but counted again it raised the response→reference mean, so writing one good
 * sentence many times diluted any number of wrong ones.
 */
export function distinctSentences(sentences: readonly string[]): string[] {
  const seen = new Set<string>();
  return sentences.filter((s) => {
    const key = s.toLowerCase().replace(/[\p{P}\p{S}\s]+/gu, ' ').trim();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`embedding sizes differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export interface Bmas {
  /** Mean over response sentences of the best match among reference sentences. */
  precision: number;
  /** Mean over reference sentences of the best match among response sentences. */
  recall: number;
  bmas: number;
}

/** BMAS of response sentence embeddings `r` against reference sentence embeddings `g` (both non-empty). */
export function bmas(r: readonly number[][], g: readonly number[][]): Bmas {
  const sim = r.map((x) => g.map((y) => cosine(x, y)));
  const rowMax = sim.map((row) => Math.max(...row));
  const colMax = g.map((_, j) => Math.max(...sim.map((row) => row[j]!)));
  const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const precision = mean(rowMax);
  const recall = mean(colMax);
  return { precision, recall, bmas: (precision + recall) / 2 };
}
