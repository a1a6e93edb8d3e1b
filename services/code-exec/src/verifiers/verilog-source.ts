// Reading Verilog text for code.verilog: the testbench's root modules, the design's simulation-control calls, and the
// simulation's verdict lines (the VerilogEval convention). Pure functions; the verifier runs the tools.

/**
 * The source with every comment and string literal replaced by spaces (newlines kept), so that offsets still match
 * the original and nothing inside a comment or string is mistaken for code.
 */
export function blankCommentsAndStrings(src: string): string {
  const out = src.split('');
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"' && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      blank(i, j + 1);
      i = j + 1;
    } else if (c === '\\') {
      // An escaped identifier (\name ends at whitespace) is a name, never a keyword or a system task.
      let j = i + 1;
      while (j < src.length && !/\s/.test(src[j]!)) j++;
      blank(i, j);
      i = j;
    } else {
      i++;
    }
  }
  return out.join('');
}

const IDENT = '[A-Za-z_][A-Za-z0-9_$]*';

export interface ModuleDecl {
  name: string;
  /** Offsets of the declaration's body in the source (from `module` to its `endmodule`). */
  start: number;
  end: number;
}

/** Module declarations of a source, in order (Verilog modules do not nest). */
export function moduleDeclarations(src: string): ModuleDecl[] {
  const text = blankCommentsAndStrings(src);
  const re = new RegExp(`\\b(?:module|macromodule)\\s+(?:(?:automatic|static)\\s+)?(${IDENT})|\\bendmodule\\b`, 'g');
  const decls: ModuleDecl[] = [];
  let open: ModuleDecl | undefined;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== undefined) {
      if (open) decls.push({ ...open, end: m.index });
      open = { name: m[1], start: m.index, end: text.length };
    } else if (open) {
      decls.push({ ...open, end: m.index + m[0].length });
      open = undefined;
    }
  }
  if (open) decls.push(open);
  return decls;
}

/** Whether `body` instantiates module `name`: `name [#(...)] instance [ [dims] ] (`. */
function instantiates(body: string, name: string): boolean {
  const re = new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}(?![\\w$])\\s*`, 'g');
  for (let m = re.exec(body); m; m = re.exec(body)) {
    let k = m.index + m[0].length;
    if (body[k] === '#') {
      k = skipSpace(body, k + 1);
      if (body[k] === '(') k = skipBalanced(body, k);
      else k = skipSpace(body, k + (new RegExp(`^(?:${IDENT}|\\d+)`).exec(body.slice(k))?.[0].length ?? 0));
      k = skipSpace(body, k);
    }
    const inst = new RegExp(`^${IDENT}\\s*(?:\\[[^\\]]*\\]\\s*)*\\(`).exec(body.slice(k));
    if (inst) return true;
  }
  return false;
}

function skipSpace(s: string, k: number): number {
  while (k < s.length && /\s/.test(s[k]!)) k++;
  return k;
}

function skipBalanced(s: string, k: number): number {
  let depth = 0;
  for (; k < s.length; k++) {
    if (s[k] === '(') depth++;
    else if (s[k] === ')' && --depth === 0) return k + 1;
  }
  return k;
}

export interface TestbenchModules {
  modules: string[];
  /** The roots of the simulation (`iverilog -s`). */
  roots: string[];
}

/**
 * The testbench's roots: its modules that no other of its modules instantiates; when one of those is named `tb` or
 * `testbench` (VerilogEval's convention, any case), that one alone. Modules of the response are never roots.
 */
export function testbenchRoots(tb: string): TestbenchModules {
  const decls = moduleDeclarations(tb);
  const text = blankCommentsAndStrings(tb);
  const modules = decls.map((d) => d.name);
  const candidates = modules.filter((name) => !decls.some((d) => d.name !== name && instantiates(text.slice(d.start, d.end), name)));
  for (const preferred of ['tb', 'testbench']) {
    const hit = candidates.find((n) => n.toLowerCase() === preferred);
    if (hit) return { modules, roots: [hit] };
  }
  return { modules, roots: [...new Set(candidates)] };
}

/** System tasks that end a simulation. A design (the response) has no business calling them. */
const SIM_CONTROL = /(?<![\w$\\])\$(finish|stop|fatal|exit)(?![\w$])(\s*\()?/g;

/**
 * The design with every simulation-control call ($finish, $stop, $fatal, $exit) turned into a `$display` of `marker`
 * (same arguments, so the statement stays valid wherever it stood): the design can never end the simulation before
 * the testbench has checked it. Returns the rewritten text and the tasks it called.
 */
export function neutralizeSimControl(src: string, marker: string): { text: string; calls: string[] } {
  const code = blankCommentsAndStrings(src);
  const calls: string[] = [];
  let text = '';
  let last = 0;
  SIM_CONTROL.lastIndex = 0;
  for (let m = SIM_CONTROL.exec(code); m; m = SIM_CONTROL.exec(code)) {
    calls.push(`$${m[1]}`);
    const hasArgs = m[2] !== undefined;
    text += src.slice(last, m.index) + `$display("${marker} $${m[1]}"${hasArgs ? ', ' : ')'}`;
    last = m.index + m[0].length;
    // `$finish()`: the empty argument list becomes `$display("…", )`, which iverilog accepts as one empty argument.
  }
  return { text: text + src.slice(last), calls: [...new Set(calls)] };
}

// Output tasks whose text reaches the simulation's output: the $f… forms take a descriptor first.
const OUTPUT_TASK = /(?<![\w$\\])\$(f?)(display|write|strobe|monitor)([bho]?)(?![\w$])|(?<![\w$\\])\$(info|warning)(?![\w$])/g;

/** The offset of the `)` closing the `(` at `open` in blanked text (strings and comments already blank), or -1. */
function closingParen(code: string, open: number): number {
  let depth = 0;
  for (let k = open; k < code.length; k++) {
    if (code[k] === '(') depth++;
    else if (code[k] === ')' && --depth === 0) return k;
  }
  return -1;
}

/** The offset of the first top-level comma between `from` and `to` in blanked text, or -1. */
function topLevelComma(code: string, from: number, to: number): number {
  let depth = 0;
  for (let k = from; k < to; k++) {
    const c = code[k];
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) return k;
  }
  return -1;
}

/**
 * The testbench with every output call's text wrapped in `marker` delimiters: `$display(a, b)` prints
 * `@<marker>S@ a b @<marker>D@` and its newline (`W` for $write, which prints none); the `$f…` forms keep their
 * descriptor first. `testbenchOutput` then reads back what the testbench printed, whatever the design printed around
 * it: the marker is made after the response was written, so no design can print it.
 */
export function tagTestbenchOutput(tb: string, marker: string): string {
  const code = blankCommentsAndStrings(tb);
  let out = '';
  let last = 0;
  OUTPUT_TASK.lastIndex = 0;
  for (let m = OUTPUT_TASK.exec(code); m; m = OUTPUT_TASK.exec(code)) {
    const end = `"@${marker}${m[2] === 'write' ? 'W' : 'D'}@"`;
    const start = `"@${marker}S@"`;
    const after = m.index + m[0].length;
    let k = after;
    while (k < code.length && /\s/.test(code[k]!)) k++;
    if (code[k] !== '(') {
      // No argument list (`$display;`): give it one.
      if (m[1]) continue; // $fdisplay needs its descriptor: leave the odd form alone
      out += tb.slice(last, after) + `(${start}, ${end})`;
      last = after;
      continue;
    }
    const close = closingParen(code, k);
    if (close < 0) continue;
    let insertAt = k + 1;
    if (m[1]) {
      const comma = topLevelComma(code, k + 1, close);
      if (comma < 0) {
        // `$fdisplay(fd)`: only the descriptor.
        out += tb.slice(last, close) + `, ${start}, ${end}`;
        last = close;
        OUTPUT_TASK.lastIndex = close;
        continue;
      }
      insertAt = comma + 1;
    }
    const empty = tb.slice(insertAt, close).trim() === ''; // the original: the blanked text hides string arguments
    out += tb.slice(last, insertAt) + ` ${start}${empty ? '' : ','}` + tb.slice(insertAt, close) + `, ${end}`;
    last = close;
    OUTPUT_TASK.lastIndex = close;
  }
  return out + tb.slice(last);
}

/** What the testbench printed (the text of its output calls, in order), from a simulation's output. */
export function testbenchOutput(out: string, marker: string): string {
  const re = new RegExp(`@${marker}S@([\\s\\S]*?)@${marker}([DW])@(\\n?)`, 'g');
  let text = '';
  for (const m of out.matchAll(re)) text += m[1]! + (m[2] === 'D' ? '\n' : '');
  return text;
}

/**
 * Calls of the design that read files, arguments or the simulator's internals ($fopen, $readmemh, $value$plusargs,
 * $ivl…): with `pass_regex` the verdict is the testbench's text behind a marker compiled into the simulation, and a
 * design that could read the compiled simulation could print it.
 */
export function readingCalls(src: string): string[] {
  const code = blankCommentsAndStrings(src);
  const re = /(?<![\w$\\])\$(fopen|readmem[bh]|sreadmem[bh]|sdf_annotate|value\$plusargs|test\$plusargs|ivl\w*)(?![\w$])/g;
  return [...new Set(Array.from(code.matchAll(re), (m) => `$${m[1]}`))];
}

export interface MismatchLine {
  mismatches: number;
  samples?: number;
}

/** Every `Mismatches: N` (optionally `in M samples`) the simulation printed, in order. */
export function mismatchLines(out: string): MismatchLine[] {
  const re = /Mismatches:\s*(\d+)(?:\s+in\s+(\d+)\s+samples)?/g;
  const lines: MismatchLine[] = [];
  for (let m = re.exec(out); m; m = re.exec(out)) lines.push({ mismatches: Number(m[1]), ...(m[2] !== undefined ? { samples: Number(m[2]) } : {}) });
  return lines;
}

/** A diagnostic line: `error:` / `ERROR:` / `fatal:` at its start, optionally after `file:line:` (iverilog, vvp, $error). */
const ERROR_LINE = /^\s*(?:[^\s:]+:\d+:\s*)?(?:error|fatal)\s*:/i;

export interface SimVerdict {
  /** 0..1: 1 passes; with `dense`, 1 − N/M. */
  pass: number;
  why: string;
  /** The worst Mismatches line (what the pass was decided on). */
  worst?: MismatchLine;
}

/**
 * The function verdict of a simulation that ended by itself (SPEC 4.2, VerilogEval's convention): a `TIMEOUT` or an
 * error line fails; then `passRe` decides when given (on `testbenchText`, what the testbench printed, when given); else every `Mismatches:` line must report 0 (a design may print
 * lines of its own: extra lines can only fail it) and every `in M samples` needs M ≥ 1 (a run that checked nothing fails).
 */
export function judgeSimulation(out: string, fn: 'binary' | 'dense', passRe?: RegExp, testbenchText?: string): SimVerdict {
  const lines = out.split('\n');
  const timeout = lines.find((l) => l.includes('TIMEOUT'));
  if (timeout !== undefined) return { pass: 0, why: `the testbench printed ${JSON.stringify(timeout.trim().slice(0, 120))}` };
  const error = lines.find((l) => ERROR_LINE.test(l));
  if (error !== undefined) return { pass: 0, why: `the simulation printed an error line: ${JSON.stringify(error.trim().slice(0, 200))}` };
  if (passRe) {
    // On the testbench's own text when the caller has it (a design printing the pass line must not pass).
    const pass = passRe.test(testbenchText ?? out) ? 1 : 0;
    return { pass, why: pass ? 'pass_regex matched' : 'pass_regex did not match the simulation output' };
  }
  const mm = mismatchLines(out);
  if (!mm.length) return { pass: 0, why: 'the testbench printed no "Mismatches: N" line' };
  const describe = (l: MismatchLine): string => `${l.mismatches} mismatches${l.samples !== undefined ? ` in ${l.samples} samples` : ''}`;
  const empty = mm.find((l) => l.samples === 0);
  if (empty) return { pass: 0, why: `${describe(empty)}: the run checked no sample`, worst: empty };
  const ratio = (l: MismatchLine): number => (l.mismatches === 0 ? 0 : l.samples !== undefined ? Math.min(1, l.mismatches / l.samples) : 1);
  const worst = mm.reduce((w, l) => (ratio(l) > ratio(w) || (ratio(l) === ratio(w) && l.mismatches >= w.mismatches) ? l : w));
  const pass = worst.mismatches === 0 ? 1 : fn === 'dense' && worst.samples !== undefined ? 1 - ratio(worst) : 0;
  return { pass, why: describe(worst) + (mm.length > 1 ? ` (worst of ${mm.length} Mismatches lines)` : ''), worst };
}
