// Per language: correct, wrong, crashing, compile error, timeout and huge output, through the real sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fence, item, makeService, verify, type Outcome } from './helpers.js';

const svc = makeService();
beforeAll(() => svc.start!());
afterAll(() => svc.stop!());

// a + b over stdin; expected sums computed by hand.
const IO = [
  { stdin: '2 3\n', stdout: '5\n' },
  { stdin: '10 -4\n', stdout: '6\n' },
  { stdin: '100 200\n', stdout: '300\n' },
];

interface Programs {
  lang: string;
  correct: string;
  wrong: string; // prints a - b
  crash: string;
  compileError: string;
  loop: string;
  flood: string;
}

const PROGRAMS: Programs[] = [
  {
    lang: 'python',
    correct: 'a, b = map(int, input().split())\nprint(a + b)',
    wrong: 'a, b = map(int, input().split())\nprint(a - b)',
    crash: 'a, b = map(int, input().split())\nprint(1 // 0)',
    compileError: 'def f(:\n  pass',
    loop: 'while True:\n  pass',
    flood: 'import sys\nwhile True:\n  sys.stdout.write("x" * 65536)',
  },
  {
    lang: 'javascript',
    correct: 'const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);\nconsole.log(a + b);',
    wrong: 'const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);\nconsole.log(a - b);',
    crash: 'null.x;',
    compileError: 'function (',
    loop: 'for (;;) {}',
    flood: 'const s = "x".repeat(65536); for (;;) process.stdout.write(s);',
  },
  {
    lang: 'c',
    correct: '#include <stdio.h>\nint main(){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);return 0;}',
    wrong: '#include <stdio.h>\nint main(){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a-b);return 0;}',
    crash: '#include <stdio.h>\nint main(){int *p=0; *p=1; return 0;}',
    compileError: 'int main( { return 0; }',
    loop: 'int main(){volatile int x=0; for(;;) x++;}',
    flood: '#include <stdio.h>\nint main(){for(;;) fputs("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\n", stdout);}',
  },
  {
    lang: 'cpp',
    correct: '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}',
    wrong: '#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a-b<<"\\n";}',
    crash: '#include <stdexcept>\nint main(){throw std::runtime_error("boom");}',
    compileError: '#include <iostream>\nint main(){ std::cout << undefined_name; }',
    loop: 'int main(){volatile long x=0; for(;;) x++;}',
    flood: '#include <iostream>\nint main(){std::string s(65536,\'x\'); for(;;) std::cout<<s;}',
  },
];

function run(lang: string, code: string, params: object = {}): Promise<Outcome> {
  return verify(svc, [item('k', 'code.tests', fence(lang, code), { language: lang, tests: IO }, params)]).then((o) => o.k!);
}

describe.each(PROGRAMS)('code.tests $lang', (p) => {
  it('scores a correct program 1 and a wrong one 0, with the per-test matrix', async () => {
    const [ok, bad] = await Promise.all([run(p.lang, p.correct), run(p.lang, p.wrong)]);
    expect(ok.status).toBe('ok');
    expect(ok.score).toBe(1);
    expect(ok.metrics.tests.map((t: any) => t.status)).toEqual(['pass', 'pass', 'pass']);
    // a - b: 2-3=-1 (no), 10-(-4)=14 (no), 100-200=-100 (no): all fail.
    expect(bad.score).toBe(0);
    expect(bad.metrics.tests.map((t: any) => t.status)).toEqual(['fail', 'fail', 'fail']);
    expect(bad.detail).toContain('expected "5"');
  });

  it('reports a crash as runtime_error (status ok, score 0)', async () => {
    const r = await run(p.lang, p.crash);
    expect(r.status).toBe('ok');
    expect(r.score).toBe(0);
    expect(r.metrics.tests.every((t: any) => t.status === 'runtime_error')).toBe(true);
  });

  it('reports a compile error', async () => {
    const r = await run(p.lang, p.compileError);
    expect(r.status).toBe('ok');
    expect(r.score).toBe(0);
    const expected = p.lang === 'c' || p.lang === 'cpp' ? 'compile_error' : 'runtime_error';
    expect(r.metrics.tests.every((t: any) => t.status === expected)).toBe(true);
    if (expected === 'compile_error') expect(r.metrics.stage).toBe('compile');
    else expect(r.detail).toMatch(/SyntaxError/);
  });

  it('times out an endless loop', async () => {
    const r = await run(p.lang, p.loop, { test_timeout_ms: 700 });
    expect(r.status).toBe('ok');
    expect(r.metrics.tests.every((t: any) => t.status === 'timeout')).toBe(true);
  });

  it('caps an output flood and fails it', async () => {
    const r = await run(p.lang, p.flood, { test_timeout_ms: 700 });
    expect(r.status).toBe('ok');
    expect(r.score).toBe(0);
    expect(r.metrics.tests.every((t: any) => t.status === 'fail' || t.status === 'timeout' || t.status === 'runtime_error')).toBe(true);
  });
});

describe('assert snippets', () => {
  it('python: partial credit, all-or-nothing, and an early exit fails the skipped tests', async () => {
    const sol = fence('python', 'def add(a, b):\n    return a + b');
    const tests = ['assert add(1, 2) == 3', 'assert add(2, 2) == 5', 'assert add(-1, 1) == 0'];
    const o = await verify(svc, [
      item('partial', 'code.tests', sol, { language: 'python', tests }),
      item('strict', 'code.tests', sol, { language: 'python', tests }, { partial_credit: false }),
      item('exit', 'code.tests', fence('python', 'import sys\ndef add(a, b):\n    return 0\nsys.exit(0)'), { language: 'python', tests }),
      item('osexit', 'code.tests', fence('python', 'import os\ndef add(a, b):\n    return 0\nos._exit(0)'), { language: 'python', tests }),
    ]);
    expect(o.partial!.score).toBeCloseTo(2 / 3, 10);
    expect(o.strict!.score).toBe(0);
    expect(o.exit!.score).toBe(0);
    expect(o.exit!.metrics.tests[0].detail).toContain('exited before');
    expect(o.osexit!.score).toBe(0);
  });

  it('python: the same verdicts on the slow path (one fresh interpreter per test) as on the zygote', async () => {
    const slow = (await import('./helpers.js')).makeService({ VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '0' });
    await slow.start!();
    try {
      const tests = ['assert add(1, 2) == 3', 'assert add(2, 2) == 5'];
      const o = await verify(slow, [
        item('a', 'code.tests', fence('python', 'def add(a, b):\n    return a + b'), { language: 'python', tests }),
        item('b', 'code.tests', fence('python', 'import sys\ndef add(a, b):\n    return a + b\nsys.exit(0)'), { language: 'python', tests }),
      ]);
      expect(o.a!.status, o.a!.detail).toBe('ok');
      expect(o.a!.score).toBe(0.5);
      expect(o.a!.metrics.path).toBe('sandbox');
      expect(o.b!.score).toBe(0);
    } finally {
      await slow.stop!();
    }
  });

  it('javascript: asserts with the node assert module; process.exit before the tests fails them', async () => {
    const tests = ['assert.strictEqual(add(1, 2), 3)', 'assert.strictEqual(add(2, 2), 5)'];
    const o = await verify(svc, [
      item('a', 'code.tests', fence('js', 'function add(a, b) { return a + b; }'), { language: 'javascript', tests }),
      item('b', 'code.tests', fence('js', 'function add(a, b) { return a + b; }\nprocess.exit(0);'), { language: 'javascript', tests }),
      item('esm', 'code.tests', fence('js', "import { strictEqual } from 'node:assert';\nexport function add(a, b) { return a + b; }\nstrictEqual(add(0, 0), 0);"), { language: 'javascript', tests }),
    ]);
    expect(o.a!.score).toBe(0.5);
    expect(o.b!.score).toBe(0);
    expect(o.esm!.score, o.esm!.detail).toBe(0.5);
  });
});

describe('java and rust (compile once, then run)', () => {
  it('runs a correct Java program and reports a Java compile error', async () => {
    const o = await verify(svc, [
      item('ok', 'code.tests', fence('java', 'import java.util.*;\npublic class Main { public static void main(String[] a) { Scanner s = new Scanner(System.in); System.out.println(s.nextLong() + s.nextLong()); } }'), { language: 'java', tests: IO }),
      item('bad', 'code.tests', fence('java', 'public class Main { public static void main(String[] a) { int x = "no"; } }'), { language: 'java', tests: IO }),
    ]);
    expect(o.ok!.score).toBe(1);
    expect(o.bad!.metrics.stage).toBe('compile');
  });

  it('java and rust: wrong, crashing, compile error, timeout and huge output in one batch', async () => {
    const J = (body: string) => `import java.util.*;\npublic class Main { public static void main(String[] args) { Scanner s = new Scanner(System.in); long a = s.nextLong(), b = s.nextLong(); ${body} } }`;
    const R = (body: string) => `use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect(); let (a, b) = (v[0], v[1]); ${body} }`;
    const cases = {
      jWrong: ['java', J('System.out.println(a - b);')],
      jCrash: ['java', J('int[] x = new int[1]; System.out.println(x[(int) (a + b)]);')],
      jLoop: ['java', J('while (a >= 0) { a = (a + 1) % 1000; }')],
      jFlood: ['java', J('String x = "x".repeat(65536); while (true) System.out.print(x);')],
      rWrong: ['rust', R('println!("{}", a - b);')],
      rCrash: ['rust', R('let z = v.len() as i64 - 2; println!("{}", (a + b) / z);')],
      rCompile: ['rust', 'fn main() { let x: i32 = "no"; }'],
      rLoop: ['rust', R('let mut x = a; while x >= 0 { x = std::hint::black_box((x + 1) % 1000); } println!("{}", x + b);')],
      rFlood: ['rust', R('let x = "x".repeat(65536); loop { print!("{}{}", x, a + b); }')],
    } as const;
    const o = await verify(
      svc,
      Object.entries(cases).map(([k, [lang, code]]) => item(k, 'code.tests', fence(lang, code), { language: lang, tests: IO }, { test_timeout_ms: 1500 })),
    );
    const statuses = (k: string) => o[k]!.metrics.tests.map((t: any) => t.status);
    expect(statuses('jWrong')).toEqual(['fail', 'fail', 'fail']);
    expect(statuses('rWrong')).toEqual(['fail', 'fail', 'fail']);
    expect(statuses('jCrash')).toEqual(['runtime_error', 'runtime_error', 'runtime_error']);
    expect(statuses('rCrash')).toEqual(['runtime_error', 'runtime_error', 'runtime_error']); // division by zero panics
    expect(o.rCompile!.metrics.stage).toBe('compile');
    expect(statuses('jLoop')).toEqual(['timeout', 'timeout', 'timeout']);
    expect(statuses('rLoop')).toEqual(['timeout', 'timeout', 'timeout']);
    expect(o.jFlood!.score).toBe(0);
    expect(o.rFlood!.score).toBe(0);
    for (const k of Object.keys(cases)) expect(o[k]!.status, `${k}: ${o[k]!.detail}`).toBe('ok');
  });

  it('runs a correct Rust program', async () => {
    const o = await verify(svc, [
      item('ok', 'code.tests', fence('rust', 'use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect(); println!("{}", v[0] + v[1]); }'), { language: 'rust', tests: IO }),
    ]);
    expect(o.ok!.score).toBe(1);
    expect(typeof o.ok!.metrics.compile_ms).toBe('number');
  });
});

describe('which code runs (SPEC 4.2)', () => {
  it('the last block in the requested language, else the last fenced block, else the extracted answer', async () => {
    const sum = 'print(sum(map(int, input().split())))';
    const o = await verify(svc, [
      // A python block followed by an untagged block of sample output: the python block is the program.
      item('lang', 'code.tests', `${fence('python', 'print(0)')}${fence('python', sum)}Output:\n\`\`\`\n5\n\`\`\`\n`, { language: 'python', tests: IO }),
      // No block in the language: the last fenced block whatever its tag.
      item('last', 'code.tests', `${fence('text', 'print(0)')}${fence('', sum)}`, { language: 'python', tests: IO }),
      // No fence at all: the extracted answer is the code.
      item('answer', 'code.tests', `I think <answer>${sum}</answer>`, { language: 'python', tests: IO }),
    ]);
    for (const k of ['lang', 'last', 'answer']) expect(o[k]!.score, `${k}: ${o[k]!.detail}`).toBe(1);
  });
});

describe('whose fault', () => {
  it('a bad reference is invalid; a response without code scores 0 with status ok', async () => {
    const o = await verify(svc, [
      item('nolang', 'code.tests', fence('python', 'print(1)'), { tests: IO }),
      item('badlang', 'code.tests', fence('python', 'print(1)'), { language: 'cobol', tests: IO }),
      item('cassert', 'code.tests', fence('c', 'int main(){}'), { language: 'c', tests: ['assert(1)'] }),
      item('empty', 'code.tests', '', { language: 'python', tests: IO }),
    ]);
    expect(o.nolang!.status).toBe('invalid');
    expect(o.badlang!.status).toBe('invalid');
    expect(o.cassert!.status).toBe('invalid');
    expect(o.empty!.status).toBe('ok');
    expect(o.empty!.score).toBe(0);
  });
});
