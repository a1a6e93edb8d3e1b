// The README's `npm run demo` command on the bundled demo samples: every line gets a result, none broken by a missing package.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, parseJsonl, runCli } from './helpers.js';

/** examples/demo.jsonl, or (before the lead assembles it) examples/demo/*.jsonl concatenated. */
function demoInput(): string {
  const bundled = join(ROOT, 'examples/demo.jsonl');
  if (existsSync(bundled)) return bundled;
  const parts = readdirSync(join(ROOT, 'examples/demo'))
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => readFileSync(join(ROOT, 'examples/demo', f), 'utf8').trim());
  const file = join(mkdtempSync(join(tmpdir(), 'verimesh-demo-')), 'demo.jsonl');
  writeFileSync(file, parts.join('\n') + '\n');
  return file;
}

const MISSING_PACKAGE = /Cannot find module|ERR_MODULE_NOT_FOUND|failed to load|no createService|not configured on this gateway/;

describe('npm run demo', () => {
  it('scores every demo line on the embedded mesh', { timeout: 180_000 }, async () => {
    const input = demoInput();
    const samples = parseJsonl(readFileSync(input, 'utf8'));
    const out = join(mkdtempSync(join(tmpdir(), 'verimesh-demo-out-')), 'results.jsonl');
    const r = await runCli(['score', '--in', input, '--out', out, '--table'], { timeoutMs: 170_000 });
    expect(r.code, r.stderr).toBe(0);
    const results = parseJsonl(readFileSync(out, 'utf8'));
    expect(results).toHaveLength(samples.length);
    const ids = samples.map((x) => x.id);
    expect(new Set(results.map((x) => x.id))).toEqual(new Set(ids));
    for (const res of results) {
      const comps = Object.entries((res.components ?? {}) as Record<string, { status: string; detail?: string }>);
      for (const [name, c] of comps) {
        expect(c.status, `${String(res.id)}.${name}: ${c.detail ?? ''}`).not.toBe('error');
        expect(c.detail ?? '', `${String(res.id)}.${name}`).not.toMatch(MISSING_PACKAGE);
      }
    }
    expect(r.stderr).not.toMatch(/not loaded in this process/);
    expect(r.stdout).toMatch(new RegExp(`scored ${samples.length} samples`));
  });

  it('scores the text demo exactly as its samples promise', async () => {
    // Hand-computed from examples/demo/text.jsonl: the gate fails without <think>, 1 - 0.5 DAPO penalty = 0.5.
    const r = await runCli(['score', '--in', 'examples/demo/text.jsonl']);
    expect(r.code, r.stderr).toBe(0);
    const byId = new Map(parseJsonl(r.stdout).map((x) => [x.id, x]));
    expect(byId.get('text-mc-letter')).toMatchObject({ reward: 1, status: 'ok' });
    expect(byId.get('text-exact-list')).toMatchObject({ reward: 1, status: 'ok' });
    expect(byId.get('text-numeric-chartqa')).toMatchObject({ reward: 1, status: 'ok' });
    expect(byId.get('text-format-gate-pass')).toMatchObject({ reward: 1, status: 'ok' });
    expect(byId.get('text-format-gate-fail')).toMatchObject({ reward: 0, status: 'ok', components: { answer: { status: 'skipped' } } });
    expect(byId.get('text-length-dapo')).toMatchObject({ reward: 0.5, status: 'ok', components: { overlong: { score: -0.5 } } });
  });
});
