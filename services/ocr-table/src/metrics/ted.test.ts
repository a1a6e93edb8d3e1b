// TEDS against hand-computed and published reference values, and the TED against a textbook definition.
import { describe, expect, it } from 'vitest';
import type { TableNode } from '../table/model.js';
import { editDistance } from '../../testing/index.js';
import { findTable } from '../table/find.js';
import { teds } from './teds.js';
import { Interner, flatten, treeEditDistance, treeEditDistanceOf } from './ted.js';

const html = (s: string, mode: 'pubtabnet' | 'omnidocbench' = 'pubtabnet') => {
  const t = findTable(s, mode);
  if (!t) throw new Error('no table');
  return t;
};

describe('TEDS against values computed by hand from PubTabNet metric.py', () => {
  // One-row table: nodes below <table> are tr, td, td (3). Renaming td "b" → "c" costs lev([b],[c])/1 = 1.
  it('one-row table a|b vs a|c: TEDS 2/3, TEDS-S 1', () => {
    const p = html('<table><tr><td>a</td><td>b</td></tr></table>');
    const r = html('<table><tr><td>a</td><td>c</td></tr></table>');
    expect(teds(p, r).score).toBeCloseTo(2 / 3, 12);
    expect(teds(p, r, true).score).toBe(1);
  });
  // Nodes tr, td (2); rename cost lev("abc","abd")/3 = 1/3; 1 − (1/3)/2 = 5/6.
  it('one cell abc vs abd: 0.833333', () => {
    expect(teds(html('<table><tr><td>abc</td></tr></table>'), html('<table><tr><td>abd</td></tr></table>')).score).toBeCloseTo(0.833333, 6);
  });
  // Pred counts tr, td, b (3); tokens [<b>, a, </b>] vs [a]: lev 2 / 3; 1 − (2/3)/3 = 7/9.
  it('<b>a</b> vs a under PubTabNet costs: 0.777778', () => {
    const r = teds(html('<table><tr><td><b>a</b></td></tr></table>'), html('<table><tr><td>a</td></tr></table>'));
    expect(r.score).toBeCloseTo(0.777778, 6);
    expect(r.nodes).toBe(3);
  });
  // The pair from PubTabNet's own src/demo.ipynb (ibm-aur-nlp/PubTabNet, Apache-2.0), whose printed output is
  // "TEDS score: 0.9781765018607124" from the reference implementation (lxml + APTED).
  it('reproduces the reference implementation on its published demo pair to all digits', () => {
    const rows = (a: string, b: string, c: string, d: string): string =>
      `<html><body><table><thead><tr><td><b>${a}</b></td><td><b>${b}</b></td></tr></thead><tbody>` +
      `<tr><td>MACS [23]</td><td>Uses both a control library and local statistics to minimize bias</td></tr>` +
      `<tr><td>${c}</td><td>Designed for detecting diffusely enriched regions; for example, histone modification</td></tr>` +
      `<tr><td>${d}</td><td>Corrects for reference genome mappability and local statistics</td></tr>` +
      `<tr><td>SISSRs [25]</td><td>High resolution, precise identification of binding-site location</td></tr>` +
      `<tr><td>F-seq [26]</td><td>Uses kernel density estimation</td></tr></tbody></table></body></html>`;
    const pred = rows('Name of algori', 'Notablefeatures', 'SICER [15]', 'PeakSEQ [24]');
    const truth = rows('Name of algorithm', 'Notable features', 'SICER [14]', 'PeakSeq [24]');
    expect(teds(html(pred), html(truth)).score).toBeCloseTo(0.9781765018607124, 14);
  });
  it('a bare <table> needs no <html><body> wrapping, and identical tables score 1', () => {
    const t = '<table><tr><td>x</td><td>y</td></tr><tr><td colspan="2">z</td></tr></table>';
    expect(teds(html(t), html(`<html><body>${t}</body></html>`)).score).toBe(1);
  });
  it('spans differ: the cell is renamed at cost 1', () => {
    // tr, td (2 nodes); colspan 2 vs 1 → rename 1 → 1 − 1/2.
    expect(teds(html('<table><tr><td colspan="2">a</td></tr></table>'), html('<table><tr><td>a</td></tr></table>')).score).toBeCloseTo(0.5, 12);
  });
  it('reports the raw (possibly negative) value and clamps the score', () => {
    // Pred: tr + 1 td (2 nodes). Ref: thead > tr > td, td, td, td (6 nodes): an edit distance can exceed the count.
    const p = html('<table><tr><td>q</td></tr></table>');
    const r = html('<table><thead><tr><td>a</td><td>b</td><td>c</td><td>d</td></tr></thead></table>');
    const out = teds(p, r);
    expect(out.score).toBeGreaterThanOrEqual(0);
    expect(out.score).toBeLessThanOrEqual(1);
    expect(out.raw).toBeCloseTo(1 - out.distance / 6, 12);
  });
  it('a raw value below 0 is reported and the score clamped to 0', () => {
    // table > thead > tr against table > td, td: no labels match and ancestry forbids mapping both pairs, so the
    // cheapest script is 3 unit edits (e.g. delete thead, rename tr → td, insert td) over max(2, 2) nodes: 1 − 3/2.
    const node = (tag: string, children: TableNode[] = []): TableNode => ({ tag, colspan: tag === 'td' ? 1 : 0, rowspan: tag === 'td' ? 1 : 0, ...(tag === 'td' ? { tokens: [] } : {}), children });
    const p = { root: node('table', [node('thead', [node('tr')])]), count: 2, cells: 0, format: 'html' as const };
    const r = { root: node('table', [node('td'), node('td')]), count: 2, cells: 2, format: 'html' as const };
    const out = teds(p, r);
    expect(out.distance).toBe(3);
    expect(out.raw).toBe(-0.5);
    expect(out.score).toBe(0);
  });
});

// ---- An independent textbook tree edit distance: the recursive forest definition, memoized on forest keys. ----

interface T {
  id: number;
  tag: string;
  colspan: number;
  tokens: string;
  kids: T[];
}

function ren(a: T, b: T): number {
  if (a.tag !== b.tag || a.colspan !== b.colspan) return 1;
  if (a.tag === 'td' && (a.tokens || b.tokens)) return editDistance(a.tokens, b.tokens) / Math.max(a.tokens.length, b.tokens.length);
  return 0;
}

function size(f: T[]): number {
  return f.reduce((n, t) => n + 1 + size(t.kids), 0);
}

function textbook(f1: T[], f2: T[], memo = new Map<string, number>()): number {
  if (f1.length === 0) return size(f2);
  if (f2.length === 0) return size(f1);
  const key = `${f1.map((t) => t.id).join(',')}|${f2.map((t) => t.id).join(',')}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const v = f1[f1.length - 1]!;
  const w = f2[f2.length - 1]!;
  const f1v = [...f1.slice(0, -1), ...v.kids];
  const f2w = [...f2.slice(0, -1), ...w.kids];
  const best = Math.min(
    textbook(f1v, f2, memo) + 1,
    textbook(f1, f2w, memo) + 1,
    textbook(f1.slice(0, -1), f2.slice(0, -1), memo) + textbook(v.kids, w.kids, memo) + ren(v, w),
  );
  memo.set(key, best);
  return best;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

let nextId = 0;
function randomTree(rand: () => number, budget: { n: number }, depth = 0): T {
  budget.n--;
  const tag = ['td', 'tr', 'x'][Math.floor(rand() * 3)]!;
  const t: T = { id: nextId++, tag, colspan: rand() < 0.2 ? 2 : 1, tokens: tag === 'td' ? 'abc'.slice(0, Math.floor(rand() * 4)).split('').map(() => 'ab'[Math.floor(rand() * 2)]).join('') : '', kids: [] };
  while (budget.n > 0 && depth < 3 && rand() < 0.6) t.kids.push(randomTree(rand, budget, depth + 1));
  return t;
}

const toNode = (t: T): TableNode => ({ tag: t.tag, colspan: t.colspan, rowspan: 1, tokens: t.tag === 'td' ? t.tokens.split('') : undefined, children: t.kids.map(toNode) });

function fast(a: T, b: T, structureOnly = false): number {
  const i = new Interner();
  return treeEditDistance(flatten(toNode(a), i, structureOnly), flatten(toNode(b), i, structureOnly));
}

describe('tree edit distance properties on random small trees', () => {
  const rand = rng(42);
  const trees = Array.from({ length: 40 }, () => randomTree(rand, { n: 1 + Math.floor(rand() * 7) }));
  it('TED(t, t) = 0', () => {
    for (const t of trees) expect(fast(t, t)).toBe(0);
  });
  it('is symmetric', () => {
    for (let k = 0; k + 1 < trees.length; k += 2) expect(fast(trees[k]!, trees[k + 1]!)).toBeCloseTo(fast(trees[k + 1]!, trees[k]!), 12);
  });
  it('equals the textbook recursive definition', () => {
    let compared = 0;
    for (let k = 0; k < trees.length; k++) {
      for (let m = k + 1; m < Math.min(trees.length, k + 6); m++) {
        expect(fast(trees[k]!, trees[m]!)).toBeCloseTo(textbook([trees[k]!], [trees[m]!]), 10);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
  it('equals the textbook definition mirrored, structure only, and with shared subtrees (every fast path)', () => {
    const strip = (t: T): T => ({ ...t, tokens: '', kids: t.kids.map(strip) });
    // Trees with repeated identical subtrees, so that shapes repeat and the memo and closed forms are used.
    const twin = (t: T): T => ({ id: nextId++, tag: 'x', colspan: 1, tokens: '', kids: [t, t, ...t.kids] });
    let compared = 0;
    for (let k = 0; k + 1 < trees.length; k++) {
      for (const [p, q] of [[trees[k]!, trees[k + 1]!], [twin(trees[k]!), trees[k + 1]!], [twin(trees[k]!), twin(trees[k + 1]!)]] as Array<[T, T]>) {
        const expectFull = textbook([p], [q]);
        const expectS = textbook([strip(p)], [strip(q)]);
        const i = new Interner();
        expect(treeEditDistance(flatten(toNode(p), i, false, true), flatten(toNode(q), i, false, true))).toBeCloseTo(expectFull, 10);
        expect(treeEditDistance(flatten(toNode(p), i, true, true), flatten(toNode(q), i, true, true))).toBe(expectS);
        expect(fast(p, q, true)).toBe(expectS);
        expect(treeEditDistanceOf(toNode(p), toNode(q), false)).toBeCloseTo(expectFull, 10);
        expect(treeEditDistanceOf(toNode(p), toNode(q), true)).toBe(expectS);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
  it('TEDS is symmetric on tables', () => {
    const a = html('<table><tr><td>ab</td><td>c</td></tr><tr><td colspan="2">x</td></tr></table>');
    const b = html('<table><tr><td>a</td></tr><tr><td>x</td><td>y</td><td>z</td></tr></table>');
    expect(teds(a, b).score).toBeCloseTo(teds(b, a).score, 12);
  });
});

describe('cell rename cost (bit-parallel with a cached pattern) equals Levenshtein / max length', () => {
  it('on random cells of 0..40 tokens, in the row-by-row call order of Zhang–Shasha and shuffled', async () => {
    const { renameCost } = await import('./ted.js');
    const rand = rng(9);
    const cell = (): TableNode => ({ tag: 'td', colspan: 1, rowspan: 1, tokens: Array.from({ length: Math.floor(rand() * 41) }, () => 'abcd'[Math.floor(rand() * 4)]!), children: [] });
    const row = (k: number): TableNode => ({ tag: 'tr', colspan: 0, rowspan: 0, children: Array.from({ length: k }, cell) });
    const ta: TableNode = { tag: 'table', colspan: 0, rowspan: 0, children: [row(12)] };
    const tb: TableNode = { tag: 'table', colspan: 0, rowspan: 0, children: [row(12)] };
    const interner = new Interner();
    const fa = flatten(ta, interner, false);
    const fb = flatten(tb, interner, false);
    const expected = (i: number, j: number): number => {
      const x = ta.children[0]!.children[i]!.tokens!.join('');
      const y = tb.children[0]!.children[j]!.tokens!.join('');
      return x.length + y.length === 0 ? 0 : editDistance(x, y) / Math.max(x.length, y.length);
    };
    // Cells are postorder 0..11 in both trees (leaves first).
    for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) expect(renameCost(fa, i, fb, j)).toBeCloseTo(expected(i, j), 12);
    // Shuffled, with one-off Levenshtein calls in between that take over the shared bit-parallel pattern.
    const { levenshteinSeq } = await import('./levenshtein.js');
    for (let k = 0; k < 200; k++) {
      const i = Math.floor(rand() * 12);
      const j = Math.floor(rand() * 12);
      expect(renameCost(fa, i, fb, j)).toBeCloseTo(expected(i, j), 12);
      const x = Array.from({ length: Math.floor(rand() * 20) }, () => Math.floor(rand() * 3));
      const y = Array.from({ length: Math.floor(rand() * 20) }, () => Math.floor(rand() * 3));
      expect(levenshteinSeq(x, y)).toBe(editDistance(x, y));
    }
  });
});
