// code.verilog (adders, muxes, counters, an FSM; correct, wrong, syntax error; area term) and code.lp through the real tools.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fence, item, makeService, verify } from './helpers.js';

const svc = makeService();
beforeAll(() => svc.start!());
afterAll(() => svc.stop!());

// Self-checking testbenches in the VerilogEval style: compare against a behavioural model, print "Mismatches: N in M samples".
const ADDER_TB = `module tb; reg [3:0] a, b; wire [4:0] s; integer i, j, m = 0, n = 0;
  adder dut(.a(a), .b(b), .s(s));
  initial begin for (i = 0; i < 16; i = i + 1) for (j = 0; j < 16; j = j + 1) begin a = i; b = j; #1; n = n + 1; if (s !== i + j) m = m + 1; end
  $display("Mismatches: %0d in %0d samples", m, n); $finish; end endmodule`;
const MUX_TB = `module tb; reg [7:0] x, y; reg sel; wire [7:0] o; integer i, m = 0;
  mux dut(.x(x), .y(y), .sel(sel), .o(o));
  initial begin for (i = 0; i < 64; i = i + 1) begin x = i * 3; y = 255 - i; sel = i[0]; #1; if (o !== (sel ? y : x)) m = m + 1; end
  $display("Mismatches: %0d in 64 samples", m); $finish; end endmodule`;
const COUNTER_TB = `module tb; reg clk = 0, rst = 1; wire [3:0] q; integer i, m = 0, want = 0;
  counter dut(.clk(clk), .rst(rst), .q(q));
  always #5 clk = ~clk;
  initial begin @(negedge clk); rst = 0; for (i = 0; i < 40; i = i + 1) begin @(posedge clk); #1; want = (want + 1) % 16; if (q !== want) m = m + 1; end
  $display("Mismatches: %0d in 40 samples", m); $finish; end endmodule`;
// FSM: detect the sequence 1,0,1 (overlapping); out is 1 in the cycle after the third bit.
const FSM_TB = `module tb; reg clk = 0, rst = 1, in = 0; wire out; integer i, m = 0; reg [2:0] hist = 0; reg [15:0] bits = 16'b1010110101001011;
  seq101 dut(.clk(clk), .rst(rst), .in(in), .out(out));
  always #5 clk = ~clk;
  initial begin @(negedge clk); rst = 0; for (i = 0; i < 16; i = i + 1) begin in = bits[i]; @(posedge clk); hist = {hist[1:0], in}; #1; if (out !== (hist == 3'b101)) m = m + 1; @(negedge clk); end
  $display("Mismatches: %0d in 16 samples", m); $finish; end endmodule`;

const DESIGNS = {
  adder: 'module adder(input [3:0] a, input [3:0] b, output [4:0] s); assign s = a + b; endmodule',
  adderWrong: 'module adder(input [3:0] a, input [3:0] b, output [4:0] s); assign s = a ^ b; endmodule',
  mux: 'module mux(input [7:0] x, input [7:0] y, input sel, output [7:0] o); assign o = sel ? y : x; endmodule',
  muxWrong: 'module mux(input [7:0] x, input [7:0] y, input sel, output [7:0] o); assign o = sel ? x : y; endmodule',
  counter: 'module counter(input clk, input rst, output reg [3:0] q); always @(posedge clk) if (rst) q <= 0; else q <= q + 1; endmodule',
  counterWrong: 'module counter(input clk, input rst, output reg [3:0] q); always @(posedge clk) if (rst) q <= 0; else q <= q + 2; endmodule',
  fsm: `module seq101(input clk, input rst, input in, output out); reg [1:0] s;
    always @(posedge clk) if (rst) s <= 0; else case (s) 0: s <= in ? 1 : 0; 1: s <= in ? 1 : 2; 2: s <= in ? 3 : 0; 3: s <= in ? 1 : 2; endcase
    assign out = (s == 3); endmodule`,
  fsmWrong: `module seq101(input clk, input rst, input in, output out); reg [1:0] s;
    always @(posedge clk) if (rst) s <= 0; else case (s) 0: s <= in ? 1 : 0; 1: s <= in ? 1 : 2; 2: s <= in ? 3 : 0; 3: s <= in ? 0 : 0; endcase
    assign out = (s == 3); endmodule`,
  syntax: 'module adder(input [3:0] a, input [3:0] b, output [4:0] s) assign s = a + b endmodule',
};

describe('code.verilog', () => {
  it('scores correct designs 1, wrong ones 0.1, syntax errors 0 (SPEC 4.2: 0.1 + 0.9·pass)', async () => {
    const v = (key: string, design: string, top: string, tb: string, params = {}) => item(key, 'code.verilog', fence('verilog', design), { top, testbench: tb }, params);
    const o = await verify(svc, [
      v('adder', DESIGNS.adder, 'adder', ADDER_TB),
      v('adderWrong', DESIGNS.adderWrong, 'adder', ADDER_TB),
      v('mux', DESIGNS.mux, 'mux', MUX_TB),
      v('muxWrong', DESIGNS.muxWrong, 'mux', MUX_TB),
      v('counter', DESIGNS.counter, 'counter', COUNTER_TB),
      v('counterWrong', DESIGNS.counterWrong, 'counter', COUNTER_TB),
      v('fsm', DESIGNS.fsm, 'seq101', FSM_TB),
      v('fsmWrong', DESIGNS.fsmWrong, 'seq101', FSM_TB),
      v('syntax', DESIGNS.syntax, 'adder', ADDER_TB),
      v('dense', DESIGNS.muxWrong, 'mux', MUX_TB, { function: 'dense' }),
      v('densePartial', DESIGNS.adderWrong, 'adder', ADDER_TB, { function: 'dense' }),
      v('lint', DESIGNS.adder, 'adder', ADDER_TB, { lint: true }),
    ]);
    for (const k of ['adder', 'mux', 'counter', 'fsm']) {
      expect(o[k]!.status, o[k]!.detail).toBe('ok');
      expect(o[k]!.score, `${k}: ${o[k]!.detail}`).toBeCloseTo(1, 10);
      expect(o[`${k}Wrong`]!.score, `${k}Wrong: ${o[`${k}Wrong`]!.detail}`).toBeCloseTo(0.1, 10);
    }
    // a ^ b equals a + b exactly when a & b == 0: 3^4 = 81 of 256 pairs, so 175 mismatches.
    expect(o.adderWrong!.metrics.mismatches).toBe(175);
    expect(o.syntax!.score).toBe(0);
    expect(o.syntax!.metrics.stage).toBe('syntax');
    // swapped mux inputs: wrong whenever x != y; x = 3i, y = 255 - i differ for every i in 0..63 → 64 mismatches, dense pass 0.
    expect(o.dense!.metrics.mismatches).toBe(64);
    expect(o.dense!.score).toBeCloseTo(0.1, 10);
    // a ^ b: 175 mismatches in 256 samples (above) → dense pass 1 − 175/256 = 81/256 → 0.1 + 0.9 · 81/256.
    expect(o.densePartial!.metrics.pass).toBeCloseTo(81 / 256, 12);
    expect(o.densePartial!.score).toBeCloseTo(0.1 + (0.9 * 81) / 256, 12);
    expect(typeof o.lint!.metrics.lint_warnings).toBe('number');
  });

  it('adds the area term on two designs of different size (cell counts from Yosys stat -json, run here on the host)', async () => {
    // Two correct adders of different size: the + operator, and a ripple-carry adder built from a redundant full adder.
    const ripple = `module adder(input [3:0] a, input [3:0] b, output [4:0] s); wire [4:0] c; assign c[0] = 0;
      genvar i; generate for (i = 0; i < 4; i = i + 1) begin : fa
        assign s[i] = (a[i] ^ b[i]) ^ c[i];
        assign c[i+1] = (a[i] & b[i]) | (a[i] & c[i]) | (b[i] & c[i]) | ((a[i] ^ b[i]) & c[i]);
      end endgenerate assign s[4] = c[4]; endmodule`;
    // The second method: Yosys's JSON statistics ("num_cells" of the flattened top), not the service's text parsing.
    const cells = (design: string): number => {
      const dir = mkdtempSync(join(tmpdir(), 'verimesh-area-'));
      try {
        writeFileSync(join(dir, 'd.sv'), design);
        execFileSync('yosys', ['-q', '-p', `read_verilog -sv ${join(dir, 'd.sv')}; synth -flatten -top adder; tee -q -o ${join(dir, 's.json')} stat -json`]);
        return JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).modules['\\adder'].num_cells;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const plusArea = cells(DESIGNS.adder);
    const rippleArea = cells(ripple);
    const o = await verify(svc, [
      item('plus', 'code.verilog', fence('verilog', DESIGNS.adder), { top: 'adder', testbench: ADDER_TB, reference_area: plusArea }),
      item('ripple', 'code.verilog', fence('verilog', ripple), { top: 'adder', testbench: ADDER_TB, reference_area: plusArea }),
      item('large', 'code.verilog', fence('verilog', DESIGNS.adder), { top: 'adder', testbench: ADDER_TB, reference_area: 1000 }),
      item('wrong', 'code.verilog', fence('verilog', DESIGNS.adderWrong), { top: 'adder', testbench: ADDER_TB, reference_area: plusArea }),
    ]);
    expect(o.plus!.metrics.area).toBe(plusArea);
    expect(o.ripple!.metrics.area).toBe(rippleArea);
    expect(o.plus!.score).toBeCloseTo(1, 12); // 0.1 + 0.7 + 0.2 · min(1, ref/area = 1)
    expect(o.large!.score).toBeCloseTo(1, 12); // the ratio is capped at 1
    // SPEC 4.2: 0.1 + 0.7·1 + 0.2·1·min(1, plusArea / rippleArea); the two designs differ in size, so this is below 1.
    expect(o.ripple!.score).toBeCloseTo(0.8 + (0.2 * Math.min(1, plusArea / rippleArea)), 12);
    expect(rippleArea).not.toBe(plusArea);
    expect(o.wrong!.score).toBeCloseTo(0.1, 12); // no pass, no area term (Yosys is not even run)
    expect(o.wrong!.metrics.area).toBeUndefined();
  });

  it('params.pass_regex serves testbenches that print something else', async () => {
    const tb = `module tb; reg [3:0] a, b; wire [4:0] s; adder dut(.a(a), .b(b), .s(s));
      initial begin a = 7; b = 9; #1; if (s === 16) $display("ALL TESTS PASSED"); else $display("FAILED"); $finish; end endmodule`;
    const o = await verify(svc, [
      item('ok', 'code.verilog', fence('verilog', DESIGNS.adder), { top: 'adder', testbench: tb }, { pass_regex: '^ALL TESTS PASSED$' }),
      item('bad', 'code.verilog', fence('verilog', DESIGNS.adderWrong), { top: 'adder', testbench: tb }, { pass_regex: '^ALL TESTS PASSED$' }),
      item('badre', 'code.verilog', fence('verilog', DESIGNS.adder), { top: 'adder', testbench: tb }, { pass_regex: '(' }),
    ]);
    expect(o.ok!.score).toBeCloseTo(1, 10);
    expect(o.bad!.score).toBeCloseTo(0.1, 10); // 7 ^ 9 = 14, not 16
    expect(o.badre!.status).toBe('invalid');
  });

  it('a bad reference is invalid', async () => {
    const o = await verify(svc, [item('x', 'code.verilog', fence('verilog', DESIGNS.adder), { top: 'adder' })]);
    expect(o.x!.status).toBe('invalid');
  });
});

// Max x + 2y s.t. x + y <= 4, x + 3y <= 6, x, y >= 0: vertices (0,0)=0, (4,0)=4, (0,2)=4, (3,1)=5 → optimum 5 at (3, 1).
const LP_OPT = 'Maximize\n obj: x + 2 y\nSubject To\n c1: x + y <= 4\n c2: x + 3 y <= 6\nBounds\n x >= 0\n y >= 0\nEnd';
// Min -x s.t. x <= 4 in MPS: optimum -4.
const MPS_OPT = 'NAME T\nROWS\n N obj\n L c1\nCOLUMNS\n x obj -1 c1 1\nRHS\n rhs c1 4\nENDATA';

describe('code.lp', () => {
  it('optimal, infeasible, unbounded, unparsable, sense, and the tolerance edge', async () => {
    const lp = (key: string, model: string, reference: object) => item(key, 'code.lp', fence('', model), reference);
    const o = await verify(svc, [
      lp('opt', LP_OPT, { objective: 5 }),
      lp('mps', MPS_OPT, { objective: -4 }),
      lp('wrongObj', LP_OPT, { objective: 6 }),
      lp('infeasible', 'Minimize\n obj: x\nSubject To\n c1: x >= 5\n c2: x <= 3\nEnd', { objective: 'infeasible' }),
      lp('infeasibleVsNumber', 'Minimize\n obj: x\nSubject To\n c1: x >= 5\n c2: x <= 3\nEnd', { objective: 1 }),
      lp('unbounded', 'Maximize\n obj: x\nSubject To\n c1: x >= 5\nEnd', { objective: 'unbounded' }),
      lp('garbage', 'this is not a model at all', { objective: 5 }),
      lp('sense', LP_OPT, { objective: 5, sense: 'min' }),
      // |5 - 5.0000059| / (5.0000059 + 1) = 9.83e-7 <= 1e-6 → 1; |5 - 5.0000061| / 6.0000061 = 1.0167e-6 > 1e-6 → 0.
      lp('edgeIn', LP_OPT, { objective: 5.0000059 }),
      lp('edgeOut', LP_OPT, { objective: 5.0000061 }),
      lp('tolerance', LP_OPT, { objective: 5.5, tolerance: 0.1 }),
      item('badref', 'code.lp', LP_OPT, { objective: 'big' }),
    ]);
    expect(o.opt!.score).toBe(1);
    expect(o.opt!.metrics.status).toBe('optimal');
    expect(o.mps!.score).toBe(1);
    expect(o.mps!.metrics.format).toBe('mps');
    expect(o.wrongObj!.score).toBe(0);
    expect(o.infeasible!.score).toBe(1);
    expect(o.infeasibleVsNumber!.score).toBe(0);
    expect(o.infeasibleVsNumber!.metrics.status).toBe('infeasible');
    expect(o.unbounded!.score).toBe(1);
    expect(o.garbage!.score).toBe(0);
    expect(o.garbage!.status).toBe('ok');
    expect(o.garbage!.metrics.status).toBe('parse_error');
    expect(o.sense!.score).toBe(0);
    expect(o.edgeIn!.score).toBe(1);
    expect(o.edgeOut!.score).toBe(0);
    expect(o.tolerance!.score).toBe(1); // 0.5 / 6.5 = 0.077 <= 0.1
    expect(o.badref!.status).toBe('invalid');
  });
  it('red team: "infeasible or unbounded" is settled, so one unbounded integer model does not answer both status questions', async () => {
    // min -x, x integer and >= 0: HiGHS's MIP says "infeasible or unbounded", which matched both references. The
    // feasibility problem (cost 0) is feasible (x = 0), so the model is unbounded.
    const model = 'Minimize\n obj: -x\nSubject To\n c1: x >= 0\nGeneral\n x\nEnd';
    const o = await verify(svc, [
      item('asUnbounded', 'code.lp', fence('', model), { objective: 'unbounded' }),
      item('asInfeasible', 'code.lp', fence('', model), { objective: 'infeasible' }),
      // Infeasible integers (2y = 1) beside the same unbounded ray: settled as infeasible.
      item('infeasibleMip', 'code.lp', fence('', 'Minimize\n obj: -x\nSubject To\n c1: 2 y = 1\n c2: x >= 0\nGeneral\n x\n y\nEnd'), { objective: 'infeasible' }),
    ]);
    expect([o.asUnbounded!.score, o.asUnbounded!.metrics.status]).toEqual([1, 'unbounded']);
    expect([o.asInfeasible!.score, o.asInfeasible!.metrics.status]).toEqual([0, 'unbounded']);
    expect([o.infeasibleMip!.score, o.infeasibleMip!.metrics.status]).toEqual([1, 'infeasible']);
  });
});
