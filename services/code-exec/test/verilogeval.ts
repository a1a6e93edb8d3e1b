// VerilogEval v2-style problems (spec-to-rtl layout): a testbench with `stimulus_gen`, the reference `RefModule` and
// `tb`, which compares RefModule against the response's `TopModule` on every clock edge and prints, from a `final`
// block, "Mismatches: N in M samples"; a watchdog prints TIMEOUT. Each problem has a canonical and a wrong design.

interface Port {
  name: string;
  width?: number;
}

const decl = (p: Port): string => (p.width ? `[${p.width - 1}:0] ${p.name}` : p.name);

/** The VerilogEval testbench shape around one problem's stimulus and reference module. */
function testbench(o: { clocked: boolean; inputs: Port[]; outputs: Port[]; stimulus: string; ref: string }): string {
  const ins = o.inputs.map((p) => `\toutput reg ${decl(p)},\n`).join('');
  const clkPort = o.clocked ? '\t\t.clk,\n' : '';
  const inConn = o.inputs.map((p) => `\t\t.${p.name}`).join(',\n');
  const conn = (suffix: string): string => `${clkPort}${inConn},\n${o.outputs.map((p) => `\t\t.${p.name}(${p.name}_${suffix})`).join(',\n')}`;
  const outs = o.outputs;
  const ref = outs.map((p) => `${p.name}_ref`).join(', ');
  const dut = outs.map((p) => `${p.name}_dut`).join(', ');
  return `\`timescale 1 ps/1 ps
module stimulus_gen (
\tinput clk,
${ins}\toutput reg [511:0] wavedrom_title,
\toutput reg wavedrom_enable
);
\ttask wavedrom_start(input [511:0] title = ""); endtask
\ttask wavedrom_stop; #1; endtask
${o.stimulus}
endmodule

${o.ref}

module tb();
\ttypedef struct packed { int errors; int errortime; int clocks; } stats;
\tstats stats1;
\twire [511:0] wavedrom_title;
\twire wavedrom_enable;
\treg clk = 0;
\tinitial forever #5 clk = ~clk;
${o.inputs.map((p) => `\tlogic ${decl(p)};\n`).join('')}${outs.map((p) => `\tlogic ${decl({ ...p, name: `${p.name}_ref` })};\n\tlogic ${decl({ ...p, name: `${p.name}_dut` })};\n`).join('')}
\twire tb_match;
\tstimulus_gen stim1 (.clk, .*, ${o.inputs.map((p) => `.${p.name}`).join(', ')});
\tRefModule good1 (
${conn('ref')} );
\tTopModule top_module1 (
${conn('dut')} );

\tfinal begin
\t\t$display("Hint: Total mismatched samples is %1d out of %1d samples\\n", stats1.errors, stats1.clocks);
\t\t$display("Simulation finished at %0d ps", $time);
\t\t$display("Mismatches: %1d in %1d samples", stats1.errors, stats1.clocks);
\tend
\t// X in the reference matches anything; X in the design matches only X.
\tassign tb_match = ( { ${ref} } === ( { ${ref} } ^ { ${dut} } ^ { ${ref} } ) );
\talways @(posedge clk, negedge clk) begin
\t\tstats1.clocks++;
\t\tif (!tb_match) begin
\t\t\tif (stats1.errors == 0) stats1.errortime = $time;
\t\t\tstats1.errors++;
\t\tend
\tend
\tinitial begin
\t\t#1000000
\t\t$display("TIMEOUT");
\t\t$finish();
\tend
endmodule
`;
}

export interface VerilogEvalProblem {
  name: string;
  testbench: string;
  canonical: string;
  wrong: string;
}

export const PROBLEMS: VerilogEvalProblem[] = [
  {
    name: 'andgate',
    testbench: testbench({
      clocked: false,
      inputs: [{ name: 'a' }, { name: 'b' }],
      outputs: [{ name: 'out' }],
      stimulus: `\tinitial begin
\t\tint count; count = 0;
\t\t{a, b} <= 1'b0;
\t\twavedrom_start("AND gate");
\t\trepeat (10) @(posedge clk) {a, b} <= count++;
\t\twavedrom_stop();
\t\trepeat (200) @(posedge clk, negedge clk) {b, a} <= $random;
\t\t#1 $finish;
\tend`,
      ref: 'module RefModule (input a, input b, output out);\n\tassign out = a & b;\nendmodule',
    }),
    canonical: 'module TopModule (\n  input a,\n  input b,\n  output out\n);\n  assign out = a && b;\nendmodule',
    wrong: 'module TopModule (input a, input b, output out);\n  assign out = a | b;\nendmodule',
  },
  {
    name: 'popcount3',
    testbench: testbench({
      clocked: false,
      inputs: [{ name: 'in', width: 3 }],
      outputs: [{ name: 'out', width: 2 }],
      stimulus: `\tinitial begin
\t\trepeat (100) @(posedge clk, negedge clk) in <= $random;
\t\t$finish;
\tend`,
      ref: 'module RefModule (input [2:0] in, output [1:0] out);\n\tassign out = in[0] + in[1] + in[2];\nendmodule',
    }),
    canonical: 'module TopModule (\n  input [2:0] in,\n  output reg [1:0] out\n);\n  always @(*) begin\n    out = 0;\n    for (int i = 0; i < 3; i++) out = out + in[i];\n  end\nendmodule',
    // Counts a pair of ones as one: wrong for 3'b011, 3'b101, 3'b110 and 3'b111.
    wrong: 'module TopModule (input [2:0] in, output [1:0] out);\n  assign out = (in[0] | in[1]) + in[2];\nendmodule',
  },
  {
    name: 'count1to10',
    testbench: testbench({
      clocked: true,
      inputs: [{ name: 'reset' }],
      outputs: [{ name: 'q', width: 4 }],
      stimulus: `\tinitial begin
\t\treset <= 1;
\t\twavedrom_start("Synchronous reset and counting.");
\t\t@(posedge clk) reset <= 0;
\t\trepeat (12) @(posedge clk);
\t\twavedrom_stop();
\t\trepeat (400) @(posedge clk, negedge clk) reset <= !($random & 31);
\t\t#1 $finish;
\tend`,
      ref: `module RefModule (input clk, input reset, output reg [3:0] q);
\talways @(posedge clk)
\t\tif (reset || q == 10) q <= 1;
\t\telse q <= q + 1;
endmodule`,
    }),
    canonical: `module TopModule (
  input clk,
  input reset,
  output reg [3:0] q
);
  always @(posedge clk) begin
    if (reset) q <= 4'd1;
    else if (q == 4'd10) q <= 4'd1;
    else q <= q + 4'd1;
  end
endmodule`,
    // Counts 0..9 instead of 1..10.
    wrong: 'module TopModule (input clk, input reset, output reg [3:0] q);\n  always @(posedge clk) q <= (reset || q == 9) ? 0 : q + 1;\nendmodule',
  },
  {
    name: 'edgedetect',
    testbench: testbench({
      clocked: true,
      inputs: [{ name: 'in', width: 8 }],
      outputs: [{ name: 'pedge', width: 8 }],
      stimulus: `\tinitial begin
\t\tin <= 0;
\t\t@(posedge clk);
\t\twavedrom_start("");
\t\trepeat (2) @(posedge clk);
\t\tin <= 1;
\t\trepeat (4) @(posedge clk);
\t\tin <= 0;
\t\trepeat (4) @(negedge clk);
\t\twavedrom_stop();
\t\trepeat (200) @(posedge clk, negedge clk) in <= $random;
\t\t$finish;
\tend`,
      ref: `module RefModule (input clk, input [7:0] in, output reg [7:0] pedge);
\treg [7:0] d_last;
\talways @(posedge clk) begin
\t\td_last <= in;
\t\tpedge <= in & ~d_last;
\tend
endmodule`,
    }),
    canonical: `module TopModule (
  input clk,
  input [7:0] in,
  output reg [7:0] pedge
);
  reg [7:0] prev;
  always @(posedge clk) begin
    prev <= in;
    pedge <= in & ~prev;
  end
endmodule`,
    // Any edge instead of rising edges.
    wrong: 'module TopModule (input clk, input [7:0] in, output reg [7:0] pedge);\n  reg [7:0] prev;\n  always @(posedge clk) begin prev <= in; pedge <= in ^ prev; end\nendmodule',
  },
];
