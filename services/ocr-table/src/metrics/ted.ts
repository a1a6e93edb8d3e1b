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
  /** Shape id of each node's subtree: equal ids are equal subtrees (labels, and tokens unless structure only). */
  shape: Int32Array;
}

/** Interns labels and tokens of the two trees of one comparison into small integers. */
export class Interner {
  private readonly labels = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  private readonly shapes = new Map<string, number>();
  /** Id of a subtree shape, from its own key and its children's shape ids. */
  shape(key: string): number {
    let id = this.shapes.get(key);
    if (id === undefined) this.shapes.set(key, (id = this.shapes.size));
    return id;
  }
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

/**
 * The tree in postorder as typed arrays. `mirror` visits children right to left: the edit distance of two mirrored
 * trees is that of the trees (the mapping's ancestor and sibling orders are both kept), and for some shapes the
 * mirrored keyroots are far fewer (see `treeEditDistanceOf`).
 */
export function flatten(root: TableNode, interner: Interner, structureOnly: boolean, mirror = false): FlatTree {
  // Iterative postorder (tables from a model can be deep; recursion would be a stack risk).
  const order: TableNode[] = [];
  const lmlList: number[] = [];
  const shapeList: number[] = [];
  interface Frame {
    node: TableNode;
    next: number;
    first: number;
    kids: number[];
  }
  const stack: Frame[] = [{ node: root, next: 0, first: -1, kids: [] }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const kids = top.node.children;
    if (top.next < kids.length) {
      const child = kids[mirror ? kids.length - 1 - top.next++ : top.next++]!;
      stack.push({ node: child, next: 0, first: -1, kids: [] });
      continue;
    }
    stack.pop();
    const idx = order.length;
    const node = top.node;
    order.push(node);
    const leftmost = top.first < 0 ? idx : top.first;
    lmlList.push(leftmost);
    const own = node.tag === 'td' && !structureOnly && node.tokens ? `${interner.label(node)}|${node.tokens.join('\u0001')}` : String(interner.label(node));
    const shape = interner.shape(top.kids.length ? `${own}(${top.kids.join(',')})` : own);
    shapeList.push(shape);
    const parent = stack[stack.length - 1];
    if (parent) {
      if (parent.first < 0) parent.first = leftmost;
      parent.kids.push(shape);
    }
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
  return { n, label, cell, lml, keyroots: Int32Array.from(kr), tokStart, tokEnd, toks, shape: Int32Array.from(shapeList) };
}

/**
 * Zhang–Shasha's cost for a tree decomposed along leftmost paths (the sum of its keyroots' subtree sizes) and along
 * rightmost paths (the same for the mirrored tree). A pair of trees costs the product of the two trees' sums.
 */
function pathCosts(root: TableNode): { left: number; right: number } {
  let left = 0;
  let right = 0;
  // Postorder by an explicit stack: sizes of subtrees, then each node's contribution as first / last child.
  const stack: Array<{ node: TableNode; next: number; size: number; firstChild: boolean; lastChild: boolean }> = [
    { node: root, next: 0, size: 1, firstChild: false, lastChild: false },
  ];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const kids = top.node.children;
    if (top.next < kids.length) {
      const k = top.next++;
      stack.push({ node: kids[k]!, next: 0, size: 1, firstChild: k === 0, lastChild: k === kids.length - 1 });
      continue;
    }
    stack.pop();
    if (!top.firstChild) left += top.size;
    if (!top.lastChild) right += top.size;
    const parent = stack[stack.length - 1];
    if (parent) parent.size += top.size;
  }
  return { left, right };
}

/**
 * The edit distance of two trees, decomposed along leftmost or rightmost paths, whichever makes fewer subproblems
 * for this pair (a global choice of path side, the simplest of RTED's strategies).
 */
export function treeEditDistanceOf(a: TableNode, b: TableNode, structureOnly: boolean): number {
  const ca = pathCosts(a);
  const cb = pathCosts(b);
  const mirror = ca.right * cb.right < ca.left * cb.left;
  const interner = new Interner();
  return treeEditDistance(flatten(a, interner, structureOnly, mirror), flatten(b, interner, structureOnly, mirror));
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
  const l1 = a.lml, l2 = b.lml;
  // Keyroot pairs whose two subtrees have the shapes of a pair already computed take its tree distances (for the
  // nodes on both leftmost paths, the ones a pair writes), shifted: identical rows of a table are solved once.
  const done = new Map<number, number>();
  // Without cell tokens, renames cost 0 or 1 by label alone, and a subtree against a single node has a closed form.
  const labelsOnly = a.toks.length === 0 && b.toks.length === 0;
  let shapes = 0;
  for (const v of a.shape) if (v >= shapes) shapes = v + 1;
  for (const v of b.shape) if (v >= shapes) shapes = v + 1;
  // Label-only renames: a keyroot against a single node has a closed form (see `SingleNode`), prepared once per
  // keyroot of either tree.
  const lab1 = a.label, lab2 = b.label;
  const single2 = labelsOnly ? kr2.map((k) => (l2[k] === k ? -1 : k)) : undefined;
  const prepared2 = single2 ? Array.from(single2, (k) => (k < 0 ? undefined : new SingleNode(b, k))) : [];
  for (let x = 0; x < kr1.length; x++) {
    const k1 = kr1[x]!;
    const leaf1 = l1[k1] === k1;
    const tdRow = k1 * n2;
    const prepared1 = labelsOnly && !leaf1 ? new SingleNode(a, k1) : undefined;
    if (leaf1 && labelsOnly) {
      // A single node against every keyroot of the other tree: by label alone (the hot loop of table shapes).
      const v1 = lab1[k1]!;
      for (let y = 0; y < kr2.length; y++) {
        const k2 = kr2[y]!;
        if (l2[k2] === k2) td[tdRow + k2] = lab2[k2] === v1 ? 0 : 1;
        else prepared2[y]!.against(v1, td, tdRow, 1);
      }
      continue;
    }
    for (let y = 0; y < kr2.length; y++) {
      const k2 = kr2[y]!;
      const leaf2 = l2[k2] === k2;
      if (leaf1 && leaf2) {
        td[tdRow + k2] = renameCost(a, k1, b, k2); // two leaves: the forest distance is the rename
        continue;
      }
      if (prepared1 && leaf2) {
        prepared1.against(b.label[k2]!, td, k2, n2);
        continue;
      }
      const key = a.shape[k1]! * shapes + b.shape[k2]!;
      const seen = done.get(key);
      if (seen === undefined) {
        done.set(key, k1 * n2 + k2);
        forestDistance(a, b, k1, k2, td, fd);
      } else copyPaths(a, b, k1, k2, Math.floor(seen / n2) - k1, (seen % n2) - k2, td);
    }
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

/** Tree distances of the leftmost-path nodes of k1 × those of k2, from the same-shaped pair shifted by (d1, d2). */
function copyPaths(a: FlatTree, b: FlatTree, k1: number, k2: number, d1: number, d2: number, td: Float64Array): void {
  const n2 = b.n;
  const lk1 = a.lml[k1]!, lk2 = b.lml[k2]!;
  for (let i = lk1; i <= k1; i++) {
    if (a.lml[i] !== lk1) continue;
    const row = i * n2, from = (i + d1) * n2 + d2;
    for (let j = lk2; j <= k2; j++) if (b.lml[j] === lk2) td[row + j] = td[from + j]!;
  }
}

/**
 * The tree distances of a keyroot's leftmost-path nodes against a single node v, for label-only renames:
 * TED(T, v) = |T| − 1 + (0 if some node of T has v's label, else 1) (map v onto such a node or rename one, delete the
 * rest; not mapping v costs |T| + 1, never less). A leftmost-path node i has the subtree [lml, i] in postorder, so
 * the first position of each label in [lml, keyroot] answers every path node at once.
 */
class SingleNode {
  private readonly l: number;
  private readonly path: Int32Array;
  private readonly first = new Map<number, number>();
  constructor(t: FlatTree, k: number) {
    const l = (this.l = t.lml[k]!);
    const path: number[] = [];
    for (let u = l; u <= k; u++) {
      if (!this.first.has(t.label[u]!)) this.first.set(t.label[u]!, u);
      if (t.lml[u] === l) path.push(u);
    }
    this.path = Int32Array.from(path);
  }
  /** Writes TED(subtree(i), v) for each path node i at td[base + i·stride] (v's label `label`). */
  against(label: number, td: Float64Array, base: number, stride: number): void {
    const first = this.first.get(label) ?? Infinity;
    const l = this.l;
    for (const i of this.path) td[base + i * stride] = i - l + (first <= i ? 0 : 1);
  }
}
