// The real code-exec service as its pod runs it (its own process, non-root uid 65532, rlimits instead of cgroups) and
// a workload that takes every path of its sandbox: each language's compile and run, Python's zygotes, JavaScript's
// checker, iverilog/vvp and Yosys, HiGHS, timeouts, output floods, forks, a network attempt, crashes.
// derive-seccomp.ts runs it under strace to list the syscalls; seccomp.int.test.ts runs it under the shipped profile.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { loadPackage } from '@verimesh/proto';
import { REPO } from './helm.js';

/** The uid/gid of the code-exec image and pod (services/code-exec/README.md). */
export const POD_UID = 65532;

const fence = (lang: string, code: string) => `Here you go.\n\`\`\`${lang}\n${code}\n\`\`\`\n`;
const IO = [
  { stdin: '2 3\n', stdout: '5\n' },
  { stdin: '10 -4\n', stdout: '6\n' },
];
const ADDER = 'module adder(input [3:0] a, input [3:0] b, output [4:0] s); assign s = a + b; endmodule';
const ADDER_TB = `module tb; reg [3:0] a, b; wire [4:0] s; integer i, j, m = 0, n = 0;
  adder dut(.a(a), .b(b), .s(s));
  initial begin for (i = 0; i < 16; i = i + 1) for (j = 0; j < 16; j = j + 1) begin a = i; b = j; #1; n = n + 1; if (s !== i + j) m = m + 1; end
  $display("Mismatches: %0d in %0d samples", m, n); $finish; end endmodule`;

interface WorkItem {
  key: string;
  verifier: string;
  response: string;
  reference: object;
  params?: object;
  /** The score the item must get; every item must also end with component status ok (no infrastructure failure). */
  score: number;
}

/** Hand-derived expectations: correct programs score 1, the hostile or wrong ones 0 (their tests fail, time out or crash). */
export const WORKLOAD: WorkItem[] = [
  { key: 'py-asserts', verifier: 'code.tests', response: fence('python', 'def add(a, b):\n    return a + b'), reference: { language: 'python', tests: ['assert add(1, 2) == 3', 'assert add(-1, 1) == 0'] }, score: 1 },
  { key: 'py-numpy', verifier: 'code.tests', response: fence('python', 'import numpy as np\ndef norm(v):\n    return float(np.linalg.norm(v))'), reference: { language: 'python', tests: ['assert norm([3, 4]) == 5.0'] }, score: 1 },
  { key: 'py-io', verifier: 'code.tests', response: fence('python', 'a, b = map(int, input().split())\nprint(a + b)'), reference: { language: 'python', tests: IO }, score: 1 },
  { key: 'py-wrong', verifier: 'code.tests', response: fence('python', 'def add(a, b):\n    return a - b'), reference: { language: 'python', tests: ['assert add(1, 2) == 3'] }, score: 0 },
  { key: 'py-loop', verifier: 'code.tests', response: fence('python', 'while True:\n    pass'), reference: { language: 'python', tests: IO.slice(0, 1) }, params: { test_timeout_ms: 500 }, score: 0 },
  { key: 'py-flood', verifier: 'code.tests', response: fence('python', 'import sys\nwhile True:\n    sys.stdout.write("x" * 65536)'), reference: { language: 'python', tests: IO.slice(0, 1) }, score: 0 },
  {
    key: 'py-hostile',
    verifier: 'code.tests',
    // Forks and threads, then tries the network (no route in the sandbox's namespace) before printing a wrong sum.
    response: fence(
      'python',
      'import os, socket, threading\nt = threading.Thread(target=lambda: None); t.start(); t.join()\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nos.waitpid(pid, 0)\ntry:\n    socket.create_connection(("192.0.2.1", 80), timeout=0.2)\nexcept OSError:\n    pass\nprint(0)',
    ),
    reference: { language: 'python', tests: IO.slice(0, 1) },
    score: 0,
  },
  { key: 'py-crash', verifier: 'code.tests', response: fence('python', 'import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)'), reference: { language: 'python', tests: IO.slice(0, 1) }, score: 0 },
  { key: 'js-asserts', verifier: 'code.tests', response: fence('js', 'function add(a, b) { return a + b; }'), reference: { language: 'javascript', tests: ['assert.strictEqual(add(1, 2), 3)'] }, score: 1 },
  {
    key: 'js-io',
    verifier: 'code.tests',
    response: fence('js', 'const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\\s+/).map(Number);\nconsole.log(a + b);'),
    reference: { language: 'javascript', tests: IO },
    score: 1,
  },
  { key: 'c-io', verifier: 'code.tests', response: fence('c', '#include <stdio.h>\nint main(void) { int a, b; if (scanf("%d %d", &a, &b) != 2) return 1; printf("%d\\n", a + b); return 0; }'), reference: { language: 'c', tests: IO }, score: 1 },
  {
    key: 'cpp-io',
    verifier: 'code.tests',
    response: fence('cpp', '#include <iostream>\n#include <thread>\nint main() { long a, b; std::cin >> a >> b; std::thread t([]{}); t.join(); std::cout << a + b << std::endl; }'),
    reference: { language: 'cpp', tests: IO },
    score: 1,
  },
  {
    key: 'java-io',
    verifier: 'code.tests',
    response: fence('java', 'import java.util.Scanner;\npublic class Main { public static void main(String[] x) { Scanner s = new Scanner(System.in); System.out.println(s.nextInt() + s.nextInt()); } }'),
    reference: { language: 'java', tests: IO.slice(0, 1) },
    score: 1,
  },
  { key: 'verilog', verifier: 'code.verilog', response: fence('verilog', ADDER), reference: { top: 'adder', testbench: ADDER_TB }, score: 1 },
  // reference_area runs Yosys for the area term; a reference far larger than this design leaves the full score.
  { key: 'verilog-area', verifier: 'code.verilog', response: fence('verilog', ADDER), reference: { top: 'adder', testbench: ADDER_TB, reference_area: 100_000 }, score: 1 },
  { key: 'lp', verifier: 'code.lp', response: 'Minimize\n obj: x\nSubject To\n c: x >= 2\nEnd', reference: { objective: 2 }, params: { extract: 'none' }, score: 1 },
];

export interface CodeExecProcess {
  child: ChildProcess;
  address: string;
  /** Every line the service logged. */
  log: string[];
  stop(): Promise<number | null>;
}

/**
 * Starts `node --import tsx services/code-exec/src/main.ts` on 127.0.0.1 as the pod's non-root user, behind `prefix`
 * (a wrapper command such as strace or the seccomp loader, which exec the rest), and waits for its "serving" line.
 */
export async function startCodeExec(prefix: string[], env: Record<string, string> = {}): Promise<CodeExecProcess> {
  const argv = [
    ...prefix,
    'setpriv', '--reuid', String(POD_UID), '--regid', String(POD_UID), '--clear-groups', '--no-new-privs', '--',
    process.execPath, '--import', 'tsx', 'services/code-exec/src/main.ts', '--host', '127.0.0.1', '--port', '0',
  ];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: REPO,
    // What the image's environment gives the service: no toolchains under /root, a writable HOME in /tmp.
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', NODE_ENV: 'production', VERIMESH_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-exec did not start within 120 s:\n${log.join('\n')}`)), 120_000);
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        log.push(line);
        try {
          const j = JSON.parse(line);
          if (j.msg === 'serving') {
            clearTimeout(timer);
            resolve(j.port);
          }
        } catch {
          // not a log line (strace's own output, a warning)
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`code-exec exited (${code}) before serving:\n${log.join('\n')}`));
    });
  });
  return {
    child,
    address: `127.0.0.1:${port}`,
    log,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      // SIGTERM to the service itself, as Kubernetes sends it (its drain is part of what runs): the wrappers either
      // exec it (setpriv, the seccomp loader: same pid) or trace it as their child (strace, which then exits with it).
      process.kill(servicePid(child.pid!), 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const [code] = await exited;
      clearTimeout(timer);
      return code as number | null;
    },
  };
}

/** The node process under a chain of wrappers that exec or fork it. */
function servicePid(pid: number): number {
  for (let depth = 0; depth < 4; depth++) {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node') return pid;
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    if (!kids.length) break;
    pid = Number(kids[0]);
  }
  return pid;
}

export interface Outcome {
  status: string;
  score: number;
  detail: string;
}

/** One VerifyBatch with the whole workload (and a Describe), over real gRPC. */
export async function runWorkload(address: string): Promise<Record<string, Outcome>> {
  const client = new (loadPackage().verimesh.v1.VerifierService)(address, grpc.credentials.createInsecure());
  try {
    await new Promise((resolve, reject) => client.Describe({}, { deadline: Date.now() + 30_000 }, (e, r) => (e ? reject(e) : resolve(r))));
    const items = WORKLOAD.map((w) => ({
      key: w.key,
      verifier: w.verifier,
      response: w.response,
      reference_json: JSON.stringify(w.reference),
      params_json: JSON.stringify(w.params ?? {}),
      prompt: '',
      media: [],
      metadata_json: '',
      timeout_ms: 0,
    }));
    const res = await new Promise<any>((resolve, reject) =>
      client.VerifyBatch({ items }, { deadline: Date.now() + 300_000 }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    const out: Record<string, Outcome> = {};
    for (const r of res.results) {
      out[r.key] = { status: String(r.result.status).replace('COMPONENT_STATUS_', '').toLowerCase(), score: Number(r.result.score ?? 0), detail: r.result.detail ?? '' };
    }
    return out;
  } finally {
    client.close();
  }
}
