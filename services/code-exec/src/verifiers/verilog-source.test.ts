import { describe, expect, it } from 'vitest';
import { blankCommentsAndStrings, judgeSimulation, mismatchLines, moduleDeclarations, neutralizeSimControl, readingCalls, tagTestbenchOutput, testbenchOutput, testbenchRoots } from './verilog-source.js';

describe('reading Verilog source', () => {
  it('blanks comments, strings and escaped identifiers without moving offsets', () => {
    const src = 'a // $finish\n/* module x; */ b "str $stop \\" q" \\$finish  c';
    const out = blankCommentsAndStrings(src);
    expect(out.length).toBe(src.length);
    expect(out.split('\n').length).toBe(2);
    expect(out.replace(/\s+/g, ' ').trim()).toBe('a b c');
  });

  it('finds module declarations, including a last one without endmodule', () => {
    const d = moduleDeclarations('module a(); endmodule\n// module fake;\nmodule automatic b #(parameter W = 1) (input x); endmodule\nmodule c;');
    expect(d.map((m) => m.name)).toEqual(['a', 'b', 'c']);
  });

  it('testbench roots: the module nobody instantiates, preferring tb / testbench', () => {
    // VerilogEval's layout: stimulus_gen and RefModule are instantiated by tb (ports by name, .* and parameters).
    const ve = `module stimulus_gen(input clk, output reg a); endmodule
      module RefModule(input a, output out); assign out = a; endmodule
      module tb(); reg clk; wire a, o1, o2;
        stimulus_gen stim1 (.clk, .*, .a);
        RefModule #(.W(2)) good1 (.a, .out(o1));
        TopModule top_module1 (.a, .out(o2));
      endmodule`;
    expect(testbenchRoots(ve)).toEqual({ modules: ['stimulus_gen', 'RefModule', 'tb'], roots: ['tb'] });
    // Two uninstantiated modules, neither called tb: both are roots. An arrayed instance counts as an instantiation.
    expect(testbenchRoots('module helper(input x); endmodule module bench; helper h [3:0] (x); endmodule module clocks; endmodule').roots).toEqual(['bench', 'clocks']);
    // A testbench named TestBench is preferred over a stray uninstantiated module; a mention in a comment instantiates nothing.
    expect(testbenchRoots('module monitor; endmodule module TestBench; // monitor m ();\n endmodule').roots).toEqual(['TestBench']);
    expect(testbenchRoots('// no modules here').modules).toEqual([]);
  });

  it('turns the design’s simulation-control calls into displays of a marker, leaving comments and strings alone', () => {
    const src = 'initial $finish;\ninitial #5 $stop(1);\nalways if (x) $fatal(1, "m"); else $exit();\n// $finish\ninitial $display("$finish");\n$finished = 1;';
    const { text, calls } = neutralizeSimControl(src, 'MK');
    expect(calls).toEqual(['$finish', '$stop', '$fatal', '$exit']);
    expect(text).toBe('initial $display("MK $finish");\ninitial #5 $display("MK $stop", 1);\nalways if (x) $display("MK $fatal", 1, "m"); else $display("MK $exit", );\n// $finish\ninitial $display("$finish");\n$finished = 1;');
  });
});

describe('the simulation verdict (SPEC 4.2, VerilogEval)', () => {
  it('reads every Mismatches line', () => {
    expect(mismatchLines('Hint: x\nMismatches: 3 in 100 samples\nMismatches: 0\n')).toEqual([{ mismatches: 3, samples: 100 }, { mismatches: 0 }]);
  });
  it('passes on Mismatches: 0 in M ≥ 1 samples, fails on 0 samples, TIMEOUT, error lines and any non-zero line', () => {
    expect(judgeSimulation('Hint: Total mismatched samples is 0 out of 99 samples\nMismatches: 0 in 99 samples\n', 'binary').pass).toBe(1);
    expect(judgeSimulation('Mismatches: 0\n', 'binary').pass).toBe(1);
    expect(judgeSimulation('Mismatches: 0 in 0 samples\n', 'binary')).toMatchObject({ pass: 0, why: expect.stringContaining('checked no sample') });
    expect(judgeSimulation('TIMEOUT\nMismatches: 0 in 40 samples\n', 'binary').pass).toBe(0);
    expect(judgeSimulation('ERROR: tb.sv:3: bad\nMismatches: 0 in 4 samples\n', 'binary').pass).toBe(0);
    expect(judgeSimulation('tb.sv:3: error: x\nMismatches: 0 in 4 samples\n', 'binary').pass).toBe(0);
    expect(judgeSimulation('FATAL: tb.sv:3: x\nMismatches: 0 in 4 samples\n', 'binary').pass).toBe(0);
    // Words that merely contain "error" are not error lines.
    expect(judgeSimulation('Total errors: 0\nError count is 0\nMismatches: 0 in 4 samples\n', 'binary').pass).toBe(1);
    // A forged line printed by the design cannot hide the testbench's own.
    expect(judgeSimulation('Mismatches: 0 in 400 samples\nMismatches: 37 in 400 samples\n', 'binary')).toMatchObject({ pass: 0, worst: { mismatches: 37, samples: 400 } });
    expect(judgeSimulation('Mismatches: 37 in 400 samples\nMismatches: 0 in 400 samples\n', 'binary').pass).toBe(0);
  });
  it('dense: 1 − N/M of the worst line; pass_regex after the TIMEOUT and error checks', () => {
    expect(judgeSimulation('Mismatches: 175 in 256 samples\n', 'dense').pass).toBeCloseTo(81 / 256, 12);
    expect(judgeSimulation('Mismatches: 1 in 100 samples\nMismatches: 3 in 10 samples\n', 'dense').pass).toBeCloseTo(0.7, 12);
    expect(judgeSimulation('Mismatches: 3\n', 'dense').pass).toBe(0);
    expect(judgeSimulation('ALL PASS\n', 'binary', /^ALL PASS$/m).pass).toBe(1);
    expect(judgeSimulation('ALL PASS\nTIMEOUT\n', 'binary', /^ALL PASS$/m).pass).toBe(0);
  });
});

describe('pass_regex reads the testbench\'s own output (red team: a design printed the pass line itself)', () => {
  it('wraps every output call of the testbench in marker delimiters, keeping its arguments and descriptor', () => {
    const tb = 'initial begin $display("ALL (TESTS) PASSED"); $display; $write("n=%0d", (a+b)); $fdisplay(f, "x", y); $fwrite(f); $monitor("%b", q);\n  // $display("no")\n $info("i"); $displayh (v); end';
    expect(tagTestbenchOutput(tb, 'MK')).toBe(
      'initial begin $display( "@MKS@","ALL (TESTS) PASSED", "@MKD@"); $display("@MKS@", "@MKD@"); $write( "@MKS@","n=%0d", (a+b), "@MKW@"); $fdisplay(f, "@MKS@", "x", y, "@MKD@"); $fwrite(f, "@MKS@", "@MKW@"); $monitor( "@MKS@","%b", q, "@MKD@");\n  // $display("no")\n $info( "@MKS@","i", "@MKD@"); $displayh ( "@MKS@",v, "@MKD@"); end',
    );
  });
  it('reads back only what the testbench printed, lines kept, whatever the design printed around it', () => {
    const out = 'ALL TESTS PASSED\n@MKS@FAILED: @MKW@design text@MKS@3 errors@MKD@\n@MKS@@MKD@\nMismatches: 0\n';
    expect(testbenchOutput(out, 'MK')).toBe('FAILED: 3 errors\n\n');
    expect(judgeSimulation(out, 'binary', /^ALL TESTS PASSED$/m, testbenchOutput(out, 'MK')).pass).toBe(0);
    expect(judgeSimulation('x\n@MKS@ALL TESTS PASSED@MKD@\n', 'binary', /^ALL TESTS PASSED$/m, 'ALL TESTS PASSED\n').pass).toBe(1);
  });
  it('finds the design\'s calls that read files, arguments or the simulator (not in comments or strings)', () => {
    expect(readingCalls('initial fd = $fopen("/src/sim.vvp", "r");\ninitial $readmemh("m.hex", mem);\n// $value$plusargs\ninitial $display("$fopen");\ninitial x = $ivlh_file_open(f);')).toEqual(['$fopen', '$readmemh', '$ivlh_file_open']);
    expect(readingCalls('assign y = $signed(a) >>> $clog2(W); initial $display("%d", $floor(1.5));')).toEqual([]);
  });
});
