// TEDS: 1 − TED(pred, ref) / max(|pred|, |ref|), PubTabNet's definition, on the shared table model.
import type { Table } from '../table/model.js';
import { treeEditDistanceOf } from './ted.js';

export interface TedsResult {
  /** Clamped to [0, 1]. */
  score: number;
  /** 1 − distance / nodes, as the reference computes it (can be negative). */
  raw: number;
  distance: number;
  /** max(|pred|, |ref|) in the reference's count (elements below <table>). */
  nodes: number;
}

export function teds(pred: Table, ref: Table, structureOnly = false): TedsResult {
  const distance = treeEditDistanceOf(pred.root, ref.root, structureOnly);
  const nodes = Math.max(pred.count, ref.count);
  // The reference divides by zero for two empty tables; two empty tables are the same table.
  const raw = nodes === 0 ? (distance === 0 ? 1 : 0) : 1 - distance / nodes;
  return { score: Math.min(1, Math.max(0, raw)), raw, distance, nodes };
}

/** Nodes of the TED tree (root included): what the O(n1·n2) matrices are sized by. */
export function tedSize(t: Table): number {
  let n = 0;
  const stack = [t.root];
  while (stack.length) {
    const x = stack.pop()!;
    n++;
    for (const c of x.children) stack.push(c);
  }
  return n;
}
