// Running totals over results (count, mean reward, statuses, sentinel flags, per-component means) and the plain-text results table.
import type { ResultJson } from '@verimesh/proto';

interface ComponentTotals {
  count: number;
  sum: number;
  statuses: Map<string, number>;
}

export interface SummaryData {
  count: number;
  /** Groups seen, and those whose rewards were all equal (no GRPO signal; same 1e-12 tolerance as the gateway). */
  groups: { count: number; allEqual: number };
  meanReward: number;
  statuses: Record<string, number>;
  /** Samples that raised at least one sentinel (SPEC 3.1), and how many samples raised each flag (names sorted). */
  flags: { flagged: number; counts: Record<string, number> };
  components: Record<string, { count: number; mean: number; statuses: Record<string, number> }>;
}

const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);

interface GroupTotals {
  count: number;
  min: number;
  max: number;
}

/** Accumulates results as they stream past, in O(components + groups) memory. */
export class Summary {
  private readonly groups = new Map<string, GroupTotals>();
  private count = 0;
  private sum = 0;
  private readonly statuses = new Map<string, number>();
  private readonly components = new Map<string, ComponentTotals>();
  private flagged = 0;
  private readonly flags = new Map<string, number>();

  /** `group`: the sample's GRPO group, when it had one (results do not carry it). */
  add(r: ResultJson, group?: string): void {
    this.count++;
    if (group !== undefined) {
      const g = this.groups.get(group);
      if (!g) this.groups.set(group, { count: 1, min: r.reward, max: r.reward });
      else {
        g.count++;
        g.min = Math.min(g.min, r.reward);
        g.max = Math.max(g.max, r.reward);
      }
    }
    this.sum += Number.isFinite(r.reward) ? r.reward : 0;
    bump(this.statuses, r.status);
    const flags = r.flags ?? [];
    if (flags.length) this.flagged++;
    for (const f of flags) bump(this.flags, f);
    for (const [name, c] of Object.entries(r.components ?? {})) {
      let t = this.components.get(name);
      if (!t) this.components.set(name, (t = { count: 0, sum: 0, statuses: new Map() }));
      bump(t.statuses, c.status);
      // A skipped component was never evaluated: it would drag the mean towards 0 for no reason.
      if (c.status === 'skipped') continue;
      t.count++;
      t.sum += c.score;
    }
  }

  data(): SummaryData {
    const components: SummaryData['components'] = Object.create(null); // keyed by user-chosen component names
    for (const [name, t] of [...this.components].sort(([a], [b]) => a.localeCompare(b))) {
      components[name] = { count: t.count, mean: t.count ? t.sum / t.count : 0, statuses: Object.fromEntries(t.statuses) };
    }
    let allEqual = 0;
    for (const g of this.groups.values()) if (g.max - g.min <= 1e-12) allEqual++;
    const flags = { flagged: this.flagged, counts: Object.fromEntries([...this.flags].sort(([a], [b]) => a.localeCompare(b))) };
    return { count: this.count, groups: { count: this.groups.size, allEqual }, meanReward: this.count ? this.sum / this.count : 0, statuses: Object.fromEntries(this.statuses), flags, components };
  }

  /** Human-readable lines. */
  format(): string {
    const d = this.data();
    const fmtStatuses = (s: Record<string, number>): string =>
      Object.entries(s)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
    const lines = [`scored ${d.count} sample${d.count === 1 ? '' : 's'}: mean reward ${fmt(d.meanReward)}; ${fmtStatuses(d.statuses) || 'no results'}`];
    if (d.groups.count) {
      lines.push(`groups: ${d.groups.count}, of which ${d.groups.allEqual} with all rewards equal (no GRPO signal)`);
    }
    lines.push(d.flags.flagged ? `flags: ${d.flags.flagged} of ${d.count} samples flagged: ${fmtStatuses(d.flags.counts)}` : 'flags: none raised');
    const names = Object.keys(d.components);
    if (names.length) {
      const w = Math.max(9, ...names.map((n) => n.length));
      lines.push(`  ${'component'.padEnd(w)}  ${'mean'.padStart(7)}  ${'n'.padStart(5)}  statuses`);
      for (const [name, c] of Object.entries(d.components)) {
        lines.push(`  ${name.padEnd(w)}  ${fmt(c.mean).padStart(7)}  ${String(c.count).padStart(5)}  ${fmtStatuses(c.statuses)}`);
      }
    }
    return lines.join('\n');
  }
}

/** 4 significant decimals, no trailing zeros, "-0" shown as "0". */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const s = (Math.round(x * 10_000) / 10_000).toString();
  return s === '-0' ? '0' : s;
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, Math.max(0, n - 1))}…` : one;
}

/**
 * A fixed-width table, one row per result: id, reward, status, each component's score and status, and a short
 * detail (the sample's error, else the first failed component's detail, else the first component detail).
 */
export function formatTable(results: readonly ResultJson[], width = 140): string {
  const rows = results.map((r) => {
    const comps = Object.entries(r.components ?? {});
    const parts = comps.map(([name, c]) => `${name}=${c.status === 'ok' ? fmt(c.score) : `${fmt(c.score)}(${c.status})`}`);
    // The failure that explains the reward: a non-ok component (skipped ones are consequences), else the first detail.
    const pick = comps.find(([, c]) => c.status !== 'ok' && c.status !== 'skipped') ?? comps.find(([, c]) => c.detail);
    const detail = r.error ?? (pick ? `${pick[0]}: ${pick[1].detail ?? ''}` : '');
    return [r.id, fmt(r.reward), r.status, parts.join(' '), detail];
  });
  const head = ['id', 'reward', 'status', 'components', 'detail'];
  const caps = [24, 8, 8, 60];
  const widths = caps.map((cap, i) => Math.min(cap, Math.max(head[i]!.length, ...rows.map((r) => r[i]!.length))));
  const used = widths.reduce((a, b) => a + b + 2, 0);
  const detailWidth = Math.max(20, width - used);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < widths.length ? (i === 1 ? clip(c, widths[i]!).padStart(widths[i]!) : clip(c, widths[i]!).padEnd(widths[i]!)) : clip(c, detailWidth)))
      .join('  ')
      .trimEnd();
  return [line(head), line(head.map((h, i) => '-'.repeat(i < widths.length ? widths[i]! : Math.min(detailWidth, 6)))), ...rows.map(line)].join('\n');
}
