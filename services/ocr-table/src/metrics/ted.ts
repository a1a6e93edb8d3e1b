// Exact tree edit distance (Zhang–Shasha) over flattened trees in typed arrays, with PubTabNet's TEDS costs.
import type { TableNode } from '../table/model.js';
import { levenshteinRange, myersDistance, releasePattern } from './levenshtein.js';

/** A tree in postorder: labels and cell tokens as integers, interned per comparison. */
export interface FlatTree {
  n: number;
  /** Label id of (tag, colspan, rowspan). */
  label: Int32Array;
  /** 1 for a "td" cell (its tokens are compared), 0 otherwise. */
  cell: Uint8Array;
  /** Postorder index of the leftmost leaf of each node's subtree. */
  lml: Int32Array;
  keyroots: Int32Array;
  /** Cell i's tokens are toks[tokStart[i], tokEnd[i]). */
  tokStart: Int32Array;
  tokEnd: Int32Array;
  toks: Int32Array;
}

/** Interns labels and tokens of the two trees of one comparison into small integers. */
export class Interner {
  private readonly labels = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  label(node: TableNode): number {
    const key = `${node.tag}\u0000${node.colspan}\u0000${node.rowspan}`;
    let id = this.labels.get(key);
    if (id === undefined) this.labels.set(key, (id = this.labels.size));
    return id;
  }
  token(t: string): number {
    let id = this.tokens.get(t);
    if (id === undefined) this.tokens.set(t, (id = this.tokens.size));
    return id;
  }
}

export function flatten(root: TableNode, interner: Interner, structureOnly: boolean): FlatTree {
  // Iterative postorder (tables from a model can be deep; recursion would be a stack risk).
  const order: TableNode[] = [];
  const lmlList: number[] = [];
  const stack: Array<{ node: TableNode; next: number; first: number }> = [{ node: root, next: 0, first: -1 }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.node.children.length) {
      stack.push({ node: top.node.children[top.next++]!, next: 0, first: -1 });
      continue;
    }
    stack.pop();
    const idx = order.length;
    order.push(top.node);
    const leftmost = top.first < 0 ? idx : top.first;
    lmlList.push(leftmost);
    const parent = stack[stack.length - 1];
    if (parent && parent.first < 0) parent.first = leftmost;
  }
  const n = order.length;
  const label = new Int32Array(n);
  const cell = new Uint8Array(n);
  const lml = Int32Array.from(lmlList);
  const tokStart = new Int32Array(n);
  const tokEnd = new Int32Array(n);
  let total = 0;
  if (!structureOnly) for (const node of order) total += node.tokens?.length ?? 0;
  const toks = new Int32Array(total);
  let t = 0;
  for (let i = 0; i < n; i++) {
    const node = order[i]!;
    label[i] = interner.label(node);
    tokStart[i] = t;
    if (node.tag === 'td') {
      cell[i] = 1;
      if (!structureOnly && node.tokens) for (const tok of node.tokens) toks[t++] = interner.token(tok);
    }
    tokEnd[i] = t;
  }
  // Keyroots: for every leftmost leaf, the highest node that has it (the root, and every node with a left sibling).
  const seen = new Uint8Array(n);
  const kr: number[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const l = lml[i]!;
    if (!seen[l]) {
      seen[l] = 1;
      kr.push(i);
    }
  }
  kr.reverse();
  return { n, label, cell, lml, keyroots: Int32Array.from(kr), tokStart, tokEnd, toks };
}

/** PubTabNet's CustomConfig.rename: 1 if tag or spans differ; for cells the normalized Levenshtein of the tokens. */
export function renameCost(a: FlatTree, i: number, b: FlatTree, j: number): number {
  if (a.label[i] !== b.label[j]) return 1;
  if (!a.cell[i]) return 0;
  const s1 = a.tokStart[i]!, e1 = a.tokEnd[i]!, s2 = b.tokStart[j]!, e2 = b.tokEnd[j]!;
  const l1 = e1 - s1, l2 = e2 - s2;
  if (l1 === 0 && l2 === 0) return 0;
  const max = l1 > l2 ? l1 : l2;
  if (l1 === 0 || l2 === 0) return 1;
  // A cell of the first tree is the bit-parallel pattern as is (no prefix/suffix strip), so that its masks serve
  // the whole run of rename calls Zhang–Shasha makes for it against the cells of the second tree.
  if (l1 <= 32) return myersDistance(a.toks, s1, l1, b.toks, s2, e2) / max;
  return levenshteinRange(a.toks, s1, e1, b.toks, s2, e2) / max;
}

// Scratch matrices reused across calls (the computation is synchronous, so one set serves the process).
let treeDist = new Float64Array(0);
let forest = new Float64Array(0);
const KEEP_BYTES = 64 * 1024 * 1024;

/**
 * Exact tree edit distance with unit insert/delete and PubTabNet's rename cost (Zhang & Shasha 1989). For the
 * shallow, wide trees of tables the keyroot pairs stay few, so this runs in about O(n1·n2) cell updates.
 */
export function treeEditDistance(a: FlatTree, b: FlatTree): number {
  const n1 = a.n, n2 = b.n;
  if (n1 === 0) return n2;
  if (n2 === 0) return n1;
  if (treeDist.length < n1 * n2) treeDist = new Float64Array(n1 * n2);
  if (forest.length < (n1 + 1) * (n2 + 1)) forest = new Float64Array((n1 + 1) * (n2 + 1));
  const td = treeDist, fd = forest;
  const kr1 = a.keyroots, kr2 = b.keyroots;
  for (let x = 0; x < kr1.length; x++) {
    const k1 = kr1[x]!;
    for (let y = 0; y < kr2.length; y++) forestDistance(a, b, k1, kr2[y]!, td, fd);
  }
  const result = td[(n1 - 1) * n2 + (n2 - 1)]!;
  releasePattern();
  if (treeDist.byteLength > KEEP_BYTES) treeDist = new Float64Array(0);
  if (forest.byteLength > KEEP_BYTES) forest = new Float64Array(0);
  return result;
}

/**
 * One keyroot pair: the forest distances of subtree(k1) × subtree(k2), filling tree distances as they complete.
 * A separate small function over typed arrays only, so that V8 keeps one optimized version of the hot loop.
 */
function forestDistance(a: FlatTree, b: FlatTree, k1: number, k2: number, td: Float64Array, fd: Float64Array): void {
  const l1 = a.lml, l2 = b.lml;
  const n2 = b.n;
  const lk1 = l1[k1]!;
  const lk2 = l2[k2]!;
  const rows = k1 - lk1 + 2;
  const cols = k2 - lk2 + 2;
  // fd is rows × cols: row r = the forest l1[k1]..(l1[k1]+r-1), column c likewise.
  fd[0] = 0;
  for (let r = 1; r < rows; r++) fd[r * cols] = r;
  for (let c = 1; c < cols; c++) fd[c] = c;
  for (let r = 1; r < rows; r++) {
    const i = lk1 + r - 1;
    const li = l1[i]!;
    const rowBase = r * cols;
    const upBase = rowBase - cols;
    const tdRow = i * n2;
    if (li === lk1) {
      for (let c = 1; c < cols; c++) {
        const j = lk2 + c - 1;
        const del = fd[upBase + c]! + 1;
        const ins = fd[rowBase + c - 1]! + 1;
        let best = del < ins ? del : ins;
        if (l2[j] === lk2) {
          const sub = fd[upBase + c - 1]! + renameCost(a, i, b, j);
          if (sub < best) best = sub;
          td[tdRow + j] = best;
        } else {
          const sub = fd[l2[j]! - lk2]! + td[tdRow + j]!;
          if (sub < best) best = sub;
        }
        fd[rowBase + c] = best;
      }
    } else {
      const liRow = (li - lk1) * cols - lk2;
      for (let c = 1; c < cols; c++) {
        const j = lk2 + c - 1;
        const del = fd[upBase + c]! + 1;
        const ins = fd[rowBase + c - 1]! + 1;
        const sub = fd[liRow + l2[j]!]! + td[tdRow + j]!;
        let best = del < ins ? del : ins;
        if (sub < best) best = sub;
        fd[rowBase + c] = best;
      }
    }
  }
}
