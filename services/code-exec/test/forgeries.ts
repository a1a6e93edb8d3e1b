// Programs that try to pass assert tests without doing the task, each aimed at how a harness in the same process
// (or the same files) as the program decides completion and equality. All but the two aimed at the checker itself
// (killing it, reading or tracing it) scored 1 with the previous harness, which kept its completion token in the
// program's frames, argv or source and ran the test and its comparisons inside the program's process.
export interface Forgery {
  name: string;
  language: 'python' | 'javascript';
  /** The program (it never computes add correctly). */
  code: string;
  tests: string[];
  /** Run on the one-off path (a fresh sandbox per test) instead of the zygote. */
  oneOff?: boolean;
  /** Whether the harness can tell it was a forgery (tamper), besides failing it. */
  tamper: boolean;
}

const ADD_TESTS = ['assert add(1, 2) == 3', 'assert add(2, 2) == 5'];
const JS_TESTS = ['assert.strictEqual(add(1, 2), 3)', 'assert.strictEqual(add(2, 2), 5)'];

export const FORGERIES: Forgery[] = [
  {
    name: "walks sys._getframe().f_back to the harness's completion token and writes it",
    language: 'python',
    code: `import os, sys
f = sys._getframe()
while f is not None:
    for k, v in list(f.f_locals.items()):
        if k == 'nonce' and isinstance(v, (bytes, str)):
            os.write(3, v if isinstance(v, bytes) else v.encode())
            os._exit(0)
    f = f.f_back
def add(a, b):
    return 0`,
    tests: ADD_TESTS,
    tamper: true,
  },
  {
    name: 'reads the completion token from /proc/self/cmdline and writes it (one-off path)',
    language: 'python',
    code: `import os, re
args = open('/proc/self/cmdline', 'rb').read().split(b'\\0')
tokens = [a for a in args if re.fullmatch(rb'[0-9a-f]{32}', a)]
if tokens:
    os.write(3, tokens[-1])
    os._exit(0)
def add(a, b):
    return 0`,
    tests: ADD_TESTS,
    oneOff: true,
    tamper: true,
  },
  {
    name: 'returns an object whose __eq__ always answers True (and __ne__ False)',
    language: 'python',
    code: `class Always:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = object.__hash__
def add(a, b):
    return Always()`,
    tests: ADD_TESTS,
    tamper: true,
  },
  {
    name: 'returns an int subclass whose __eq__ always answers True (one-off path)',
    language: 'python',
    code: `class Int(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__
def add(a, b):
    return Int(0)`,
    tests: ADD_TESTS,
    oneOff: true,
    tamper: true,
  },
  {
    name: "reads the test's expected values from its own source file and answers from them",
    language: 'python',
    code: `import re, sys
src = open(sys.argv[0]).read()
table = {(int(a), int(b)): int(c) for a, b, c in re.findall(r'add\\((-?\\d+), (-?\\d+)\\) == (-?\\d+)', src)}
def add(a, b):
    return table.get((a, b), 0)`,
    tests: ADD_TESTS,
    tamper: false,
  },
  {
    name: 'patches math.isclose and abs, which the test uses to compare',
    language: 'python',
    code: `import builtins, math
math.isclose = lambda *a, **k: True
builtins.abs = lambda x: 0
def area(r):
    return 0.0`,
    tests: ['import math\nassert math.isclose(area(1), 3.141592653589793)', 'assert abs(area(2) - 12.566370614359172) < 1e-9'],
    tamper: false,
  },
  {
    name: "kills the test's checker (every other process it can see)",
    language: 'python',
    code: `import os, signal
for p in os.listdir('/proc'):
    if p.isdigit() and int(p) not in (1, os.getpid()):
        try:
            os.kill(int(p), signal.SIGKILL)
        except OSError:
            pass
def add(a, b):
    return 0`,
    tests: ADD_TESTS,
    tamper: true,
  },
  {
    name: "reads the checker's memory, traces it or takes its descriptors (exit 7 if it got anything)",
    language: 'python',
    code: `import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
got = []
for p in [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:
    try:
        open(f'/proc/{p}/mem', 'rb').close(); got.append(('mem', p))
    except OSError:
        pass
    if libc.ptrace(16, p, 0, 0) == 0:
        got.append(('ptrace', p)); libc.ptrace(17, p, 0, 0)
    try:
        pfd = os.pidfd_open(p)
    except OSError:
        continue
    for n in range(16):
        if libc.syscall(438, pfd, n, 0) >= 0:
            got.append(('fd', p, n))
if got:
    print(got)
    os._exit(7)
def add(a, b):
    return 0`,
    tests: ADD_TESTS,
    tamper: false,
  },
  {
    name: 'reads its own source for the completion write and performs it (javascript)',
    language: 'javascript',
    code: `const fs = require('node:fs');
const m = /writeSync\\(3, "([0-9a-f]{32})"\\)/.exec(fs.readFileSync(__filename, 'utf8'));
if (m) { fs.writeSync(3, m[1]); process.exit(0); }
function add(a, b) { return 0; }`,
    tests: JS_TESTS,
    tamper: true,
  },
  {
    name: 'replaces node:assert with no-ops (javascript)',
    language: 'javascript',
    code: `const assert = require('node:assert');
for (const k of Object.keys(assert)) assert[k] = () => {};
globalThis.assert = new Proxy(() => {}, { get: () => () => {} });
function add(a, b) { return 0; }`,
    tests: JS_TESTS,
    tamper: false,
  },
  {
    name: 'reads the test from its own source and answers from it (javascript)',
    language: 'javascript',
    code: `const src = require('node:fs').readFileSync(__filename, 'utf8');
const table = new Map([...src.matchAll(/add\\((-?\\d+), (-?\\d+)\\), (-?\\d+)\\)/g)].map((m) => [m[1] + ',' + m[2], Number(m[3])]));
function add(a, b) { return table.get(a + ',' + b) ?? 0; }`,
    tests: JS_TESTS,
    tamper: false,
  },
];
