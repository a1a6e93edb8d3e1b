// The README's `npm run demo` command on examples/demo.jsonl: every line scores what its hand-derived `metadata.expect` says.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '@verimesh/proto';
import { ROOT, parseJsonl, runCli } from './helpers.js';

/**
 * What a demo line promises, worked out by hand from the published definitions (the `why`), never from a run:
 * the reward, optionally per component either a score or a status (`skipped`, `unavailable`), and the sentinel
 * flags the result raises (SPEC 3.1; absent = none: a line that raises a flag must say so).
 */
interface Expectation {
  reward: number;
  why: string;
  components?: Record<string, number | string>;
  flags?: string[];
}

interface ComponentOut {
  score: number;
  status: string;
  detail?: string;
}

const DEMO = join(ROOT, 'examples/demo.jsonl');
const TOLERANCE = 1e-4;
const MISSING_PACKAGE = /Cannot find module|ERR_MODULE_NOT_FOUND|failed to load|no createService|not configured on this gateway/;

const samples = parseJsonl(readFileSync(DEMO, 'utf8'));
const expectationOf = (s: Record<string, unknown>): Expectation | undefined =>
  (s.metadata as { expect?: Expectation } | undefined)?.expect;

describe('npm run demo', () => {
  it('has a hand-derived expectation on every line and shows every catalogue verifier', () => {
    for (const s of samples) {
      const e = expectationOf(s);
      expect(typeof e?.reward, `${String(s.id)}: metadata.expect.reward`).toBe('number');
      expect(e?.why, `${String(s.id)}: metadata.expect.why`).toMatch(/\S/);
    }
    expect(new Set(samples.map((s) => s.id)).size, 'ids are unique').toBe(samples.length);
    const used = new Set(samples.flatMap((s) => (s.reward as { components: Array<{ verifier: string }> }).components.map((c) => c.verifier)));
    expect(Object.keys(CATALOGUE).filter((v) => !used.has(v)), 'catalogue verifiers the demo never shows').toEqual([]);
  });

  it('scores every demo line on the embedded mesh as its metadata.expect says', { timeout: 180_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'verimesh-demo-out-')), 'results.jsonl');
    const r = await runCli(['score', '--in', DEMO, '--out', out, '--table'], { timeoutMs: 170_000 });
    expect(r.code, r.stderr).toBe(0);
    const results = parseJsonl(readFileSync(out, 'utf8'));
    expect(results).toHaveLength(samples.length);
    for (const s of samples) {
      const id = String(s.id);
      const mine = results.filter((x) => x.id === s.id);
      expect(mine, `${id}: exactly one result`).toHaveLength(1);
      const res = mine[0]!;
      const e = expectationOf(s)!;
      const label = `${id} (${e.why})`;
      const comps = (res.components ?? {}) as Record<string, ComponentOut>;
      for (const [name, c] of Object.entries(comps)) {
        expect(c.status, `${id}.${name}: ${c.detail ?? ''}`).not.toBe('error');
        expect(c.detail ?? '', `${id}.${name}`).not.toMatch(MISSING_PACKAGE);
      }
      // Soft from here on: one run lists every line that drifted, not just the first.
      expect.soft(res.status, `${label}: ${String(res.error)}`).not.toBe('invalid');
      expect.soft(Math.abs(Number(res.reward) - e.reward), `${label}: reward ${String(res.reward)}, expected ${e.reward}`).toBeLessThanOrEqual(TOLERANCE);
      for (const [name, want] of Object.entries(e.components ?? {})) {
        const c = comps[name];
        if (!c) {
          expect.soft(Object.keys(comps), `${label}: component ${name} missing`).toContain(name);
        } else if (typeof want === 'number') {
          expect.soft(Math.abs(c.score - want), `${label}: ${name} scored ${c.score}, expected ${want}`).toBeLessThanOrEqual(TOLERANCE);
        } else {
          expect.soft(c.status, `${label}: ${name} status (${c.detail ?? ''})`).toBe(want);
        }
      }
      expect.soft(res.flags, `${label}: flags`).toEqual(e.flags ?? []);
      // SPEC 1: metadata is echoed back untouched (the expectations included).
      expect.soft(res.metadata, `${id}: metadata echoed`).toEqual(s.metadata);
    }
    expect(r.stderr).not.toMatch(/not loaded in this process/);
    expect(r.stdout).toMatch(new RegExp(`scored ${samples.length} samples`));
    // The summary's flag line counts what the expectations list.
    const flagged = samples.filter((s) => expectationOf(s)!.flags?.length).length;
    expect(r.stdout).toMatch(new RegExp(`^flags: ${flagged} of ${samples.length} samples flagged: `, 'm'));
  });
});
