// VerilogEval v2-style problems through the real iverilog/vvp in the sandbox: canonical designs pass, wrong ones fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fence, item, makeService, verify } from './helpers.js';
import { PROBLEMS } from './verilogeval.js';

const svc = makeService();
beforeAll(() => svc.start!());
afterAll(() => svc.stop!());

describe('VerilogEval-style problems (stimulus_gen + RefModule + tb, "Mismatches: N in M samples" from a final block)', () => {
  it('canonical designs score 1 and wrong ones 0.1; tb is found as the only root', async () => {
    const items = PROBLEMS.flatMap((p) => [
      item(`${p.name}:canonical`, 'code.verilog', fence('verilog', p.canonical), { top: 'TopModule', testbench: p.testbench }),
      item(`${p.name}:wrong`, 'code.verilog', fence('verilog', p.wrong), { top: 'TopModule', testbench: p.testbench }),
    ]);
    const o = await verify(svc, items);
    for (const p of PROBLEMS) {
      const ok = o[`${p.name}:canonical`]!;
      const bad = o[`${p.name}:wrong`]!;
      expect(ok.status, ok.detail).toBe('ok');
      expect(ok.score, `${p.name}: ${ok.detail}`).toBeCloseTo(1, 12);
      expect(ok.metrics).toMatchObject({ roots: ['tb'], mismatches: 0, pass: 1 });
      expect(ok.metrics.samples).toBeGreaterThan(0);
      expect(bad.score, `${p.name} wrong: ${bad.detail}`).toBeCloseTo(0.1, 12);
      expect(bad.metrics.mismatches).toBeGreaterThan(0);
    }
  });
});
