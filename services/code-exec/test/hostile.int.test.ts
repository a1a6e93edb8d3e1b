// The hostile suite: programs that attack the sandbox, each bounded on its own (a fork bomb stops at 2,000 processes, a
// memory bomb at 8 GB, signals only reach the program's own tree) so that a broken sandbox fails a test, not the machine.
// Programs that can observe their own containment print "contained" when every attack failed.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fence, item, makeService, verify, type Outcome } from './helpers.js';
import { FORGERIES } from './forgeries.js';
import { PROBLEMS } from './verilogeval.js';

const svc = makeService({ VERIMESH_CODE_EXEC_COMPILE_TIMEOUT_MS: '4000', VERIMESH_CODE_EXEC_PROCESSES: '24' });
const SECRET = `verimesh-secret-${Math.random().toString(36).slice(2)}`;
const TAG = `verimesh-hostile-${process.pid}-${Math.random().toString(36).slice(2)}`;
const HOST_MARK = `/tmp/${TAG}`;
const OUTSIDE = ['/usr', '/etc', '/bin', '', '/var/tmp', '/root'].map((d) => `${d}/${TAG}`);
let server: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  process.env.VERIMESH_HOSTILE_SECRET = SECRET; // the service process has it; programs must not
  server = createServer((s) => {
    connections++;
    s.end('hello');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  await svc.start!();
});
afterAll(async () => {
  delete process.env.VERIMESH_HOSTILE_SECRET;
  server.close();
  await svc.stop!();
});

const CONTAINED = [{ stdin: '', stdout: 'contained\n' }];

interface Case {
  name: string;
  lang: string;
  code: () => string;
  params?: object;
  /** Default: the program printed "contained" (score 1). */
  check?: (o: Outcome) => void;
}

/** Params that put a Python case on the zygote path (the default) or on the one-off sandbox path (a lower memory limit). */
const SLOW = (path: 'zygote' | 'sandbox'): object => (path === 'sandbox' ? { memory_mb: 200 } : {});
const onPath = (path: 'zygote' | 'sandbox') => (o: Outcome): void => {
  expect(o.status, o.detail).toBe('ok');
  expect(o.metrics.path).toBe(path);
};
/** The same check as the default one, but also on the path the case names. */
const containedOn = (path: 'zygote' | 'sandbox') => (o: Outcome): void => {
  onPath(path)(o);
  expect(o.score, o.detail).toBe(1);
};
function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return '';
  }
}

const failedAll = (o: Outcome): void => {
  expect(o.status).toBe('ok');
  expect(o.score).toBe(0);
};
const statusIs = (s: string) => (o: Outcome): void => {
  expect(o.status).toBe('ok');
  expect(o.metrics.tests[0].status).toBe(s);
};

const CASES: Case[] = [
  {
    name: 'network: connect to a server on the host loopback',
    lang: 'python',
    code: () => `import socket\ntry:\n    socket.create_connection(("127.0.0.1", ${port}), timeout=1).recv(5)\n    print("connected")\nexcept OSError:\n    print("contained")`,
  },
  {
    name: 'network: no interface but loopback',
    lang: 'python',
    code: () => `import socket\nnames = [n for _, n in socket.if_nameindex()]\nprint("contained" if names in ([], ["lo"]) else names)`,
  },
  {
    name: 'write outside the work dir',
    lang: 'python',
    // Unique names: were the sandbox broken, the check finds (and removes) them on the host.
    code: () =>
      `ok = True\nfor p in ${JSON.stringify(OUTSIDE)}:\n    try:\n        open(p, "w").write("x")\n        ok = False\n    except OSError:\n        pass\nopen("${HOST_MARK}", "w").write("x")  # lands in the private /tmp, never on the host\nprint("contained" if ok else "wrote")`,
    check: (o) => {
      const leaked = [...OUTSIDE, HOST_MARK].filter((p) => existsSync(p));
      for (const p of leaked) rmSync(p, { force: true });
      expect(leaked).toEqual([]);
      expect(o.score).toBe(1);
    },
  },
  {
    name: 'read the host: the repository, /root and /etc/shadow are not there',
    lang: 'python',
    code: () => `import os\nseen = [p for p in ["${process.cwd()}/package.json", "/etc/shadow", "/etc/passwd", "/root/.bash_history", "/work/main"] if os.path.exists(p)]\nprint("contained" if not seen else seen)`,
  },
  {
    name: 'plant files for other runs (writer)',
    lang: 'python',
    code: () => `import os, time\nfor d in ["/work", "/tmp", "/dev/shm"]:\n    open(os.path.join(d, "verimesh-planted"), "w").write("x")\ntime.sleep(1.5)\nprint("contained")`,
  },
  {
    name: "read another run's files (reader, running alongside the writer)",
    lang: 'python',
    code: () =>
      `import os, time\nfound = []\nfor _ in range(15):\n    for d in ["/work", "/tmp", "/dev/shm", "/"]:\n        found += [os.path.join(d, f) for f in os.listdir(d) if f.startswith("verimesh-planted")]\n    for p in [p for p in os.listdir("/proc") if p.isdigit()]:\n        try:\n            found += [f for f in os.listdir(f"/proc/{p}/root/work") if f.startswith("verimesh-planted")]\n        except OSError:\n            pass\n    time.sleep(0.1)\nprint("contained" if not found else found)`,
  },
  ...(['zygote', 'sandbox'] as const).map((path) => ({
    name: `read environment secrets and the launcher's settings (${path} path)`,
    lang: 'python',
    // Every process the program can see, the sandbox's init included, must hold none of the service's environment.
    code: () =>
      `import os\ndata = str(dict(os.environ))\nfor p in [p for p in os.listdir("/proc") if p.isdigit()] + ["self"]:\n    try:\n        data += open(f"/proc/{p}/environ", "rb").read().decode("latin1")\n    except OSError:\n        pass\nleaks = [k for k in ["verimesh-secret", "VERIMESH_", "VM_", ${JSON.stringify(process.cwd())}] if k in data]\nprint("contained" if not leaks else leaks)`,
    params: SLOW(path),
    check: containedOn(path),
  })),
  {
    name: '/proc snooping: only the sandbox own processes are visible',
    lang: 'python',
    code: () =>
      `import os\npids = [p for p in os.listdir("/proc") if p.isdigit()]\ncmds = []\nfor p in pids:\n    try:\n        cmds.append(open(f"/proc/{p}/cmdline", "rb").read())\n    except OSError:\n        pass\nprint("contained" if len(pids) < 8 and not any(b"vitest" in c or b"node" in c for c in cmds) else (pids, cmds))`,
  },
  {
    name: "take the service's sockets from another process in the zygote sandbox (pidfd_getfd, ptrace) and forge a passing reply",
    lang: 'python',
    // bwrap's init keeps the launcher's stdio: in a zygote sandbox that was the service's request/reply channel, where
    // a forged reply line ({"id": n, "done": true, "stdout": ...}) would pass this run or answer another rollout's.
    // The zygote is its sandbox's init and not dumpable, so nothing else in there holds a file or can be traced.
    code: () =>
      `import ctypes, json, os, sys\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\ngot = []\nfor p in [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:\n    if libc.ptrace(16, p, 0, 0) == 0:\n        got.append(("ptrace", p)); libc.ptrace(17, p, 0, 0)\n    try:\n        pfd = os.pidfd_open(p)\n    except OSError:\n        continue\n    for n in range(64):\n        fd = libc.syscall(438, pfd, n, 0)\n        if fd < 0:\n            continue\n        got.append(("fd", p, n))\n        os.set_blocking(fd, False)\n        for i in range(1, 300):\n            try:\n                os.write(fd, (json.dumps({"id": i, "exit": 0, "signal": None, "timeout": False, "stdout": "contained\\n", "stderr": "", "out_trunc": False, "err_trunc": False, "done": True, "wall_ms": 1, "cpu_ms": 1}) + "\\n").encode())\n            except OSError:\n                break\n        os.close(fd)\nif got:\n    sys.stderr.write(str(got))\nprint("contained")\nos._exit(3)  # the real reply fails the test: only a forged one could pass it`,
    check: (o: Outcome) => {
      expect(o.metrics.path).toBe('zygote');
      expect(o.score, 'a forged reply was accepted').toBe(0);
      expect(o.metrics.tests[0].detail).toBe('exit code 3'); // and nothing grabbed (it would be on stderr)
    },
  },
  {
    name: 'write into the toolchains (Python installation, compiler directories) and the read-only /src',
    lang: 'python',
    code: () =>
      `import os, sys, sysconfig\nok = True\nfor d in {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"], "/src", "/usr/lib/gcc", "/usr/include"}:\n    try:\n        open(os.path.join(d, "${TAG}"), "w").write("x"); ok = False\n    except OSError:\n        pass\n    try:\n        os.utime(os.path.join(d, os.listdir(d)[0])); ok = False\n    except (OSError, IndexError):\n        pass\nprint("contained" if ok else "wrote")`,
    params: { memory_mb: 200 }, // the one-off sandbox path, where the program's own files sit read-only at /src
  },
  ...(['zygote', 'sandbox'] as const).map((path) => ({
    name: `a double-forked setsid daemon does not outlive its run (${path} path; checked from the host)`,
    lang: 'python',
    code: () =>
      `import os\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.execv("/bin/sh", ["sh", "-c", "sleep 20; : ${TAG}-daemon"])\n    os._exit(0)\nprint("contained")`,
    params: SLOW(path),
    check: (o: Outcome) => {
      containedOn(path)(o);
      const alive = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && cmdline(p).includes(`${TAG}-daemon`));
      for (const p of alive) process.kill(Number(p), 'SIGKILL'); // only our own program's leftovers carry the tag
      expect(alive).toEqual([]);
    },
  })),
  {
    name: 'fill /dev/shm and write into /dev (stops at 1 GB)',
    lang: 'python',
    code: () =>
      `ok = True\ntry:\n    open("/dev/${TAG}", "w").write("x"); ok = False\nexcept OSError:\n    pass\ntry:\n    for i in range(256):\n        open(f"/dev/shm/${TAG}-{i}", "wb").write(b"x" * (4 << 20))\n    ok = False\nexcept OSError:\n    pass\nprint("contained" if ok else "filled")`,
    check: (o) => {
      const leaked = readdirSync('/dev/shm').filter((f) => f.startsWith(TAG));
      for (const f of leaked) rmSync(`/dev/shm/${f}`, { force: true });
      expect(leaked).toEqual([]);
      expect(o.score, o.detail).toBe(1);
    },
  },
  ...([['bwrap: Can\'t find source path /x: No such file or directory', 1], ['verimesh-launcher: cannot join cgroup', 125]] as const).map(([text, code]) => ({
    name: `pose as a failing sandbox ("${text.split(':')[0]}:" on stderr, exit ${code}) to turn a wrong answer into an error`,
    lang: 'c',
    code: () => `#include <stdio.h>\nint main(){fputs("${text}\\n", stderr); return ${code};}`,
    check: (o: Outcome) => {
      expect(o.status, o.detail).toBe('ok');
      expect(o.score).toBe(0);
      expect(o.metrics.tests[0].status).toBe('runtime_error');
    },
  })),
  {
    name: 'ptrace the runner that started it',
    lang: 'python',
    code: () => `import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nr = libc.ptrace(16, os.getppid(), 0, 0)\nprint("contained" if r == -1 else r)`,
  },
  {
    name: 'read the parent memory',
    lang: 'python',
    code: () => `import os\ntry:\n    open(f"/proc/{os.getppid()}/mem", "rb").read(1)\n    print("read")\nexcept OSError:\n    print("contained")`,
  },
  {
    name: 'no root, no capabilities, no new user namespaces, no mounts',
    lang: 'python',
    code: () =>
      `import os, ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\ncap = [l for l in open("/proc/self/status") if l.startswith("CapEff")][0].split()[1]\nok = os.getuid() != 0 and int(cap, 16) == 0\ntry:\n    os.setuid(0); ok = False\nexcept OSError:\n    pass\nok = ok and libc.unshare(0x10000000) == -1  # CLONE_NEWUSER\nok = ok and libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) == -1\nprint("contained" if ok else "escalated")`,
  },
  {
    name: 'device access',
    lang: 'python',
    code: () => `ok = True\nfor p in ["/dev/mem", "/dev/kmsg", "/dev/sda", "/dev/vda", "/dev/kvm"]:\n    try:\n        open(p, "rb").read(1); ok = False\n    except OSError:\n        pass\nprint("contained" if ok else "device")`,
  },
  {
    name: 'symlink escape',
    lang: 'python',
    code: () => `import os\nos.symlink("/etc/shadow", "s")\ntry:\n    open("s").read(); print("read")\nexcept OSError:\n    print("contained")`,
  },
  {
    name: 'fork bomb (stops at 2,000 processes)',
    lang: 'python',
    code: () => `import os, time\nn = 0\ntry:\n    while n < 2000:\n        if os.fork() == 0:\n            time.sleep(5); os._exit(0)\n        n += 1\n    print("forked", n)\nexcept OSError:\n    print("contained")`,
  },
  {
    name: 'fork bomb in C (stops at 2,000 processes)',
    lang: 'c',
    code: () => `#include <stdio.h>\n#include <unistd.h>\nint main(){int n=0; for(;n<2000;n++){pid_t p=fork(); if(p==0){sleep(5);_exit(0);} if(p<0) break;} puts(n<2000?"contained":"forked"); return 0;}`,
  },
  {
    name: 'thread bomb (stops at 2,000 threads)',
    lang: 'python',
    code: () => `import threading, time\nn = 0\ntry:\n    while n < 2000:\n        threading.Thread(target=time.sleep, args=(5,), daemon=True).start(); n += 1\n    print("threads", n)\nexcept RuntimeError:\n    print("contained")`,
  },
  {
    name: 'memory bomb (stops at 8 GB)',
    lang: 'python',
    code: () => `chunks = []\ntry:\n    for _ in range(128):\n        chunks.append(bytearray(64 << 20))\n    print("allocated 8 GB")\nexcept MemoryError:\n    print("contained")`,
    check: (o) => {
      // Either the allocation failed (contained) or the memory cgroup killed it (or, on a loaded machine, reclaim
      // made it run out of time): never "allocated 8 GB", which would be a plain `fail`.
      expect(o.status).toBe('ok');
      expect(o.score === 1 || ['runtime_error', 'timeout'].includes(o.metrics.tests[0].status), o.detail).toBe(true);
    },
  },
  {
    name: 'memory bomb in C touching pages (stops at 8 GB)',
    lang: 'c',
    code: () => `#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\nint main(){for(int i=0;i<128;i++){char*p=malloc(64<<20); if(!p){puts("contained");return 0;} memset(p,1,64<<20);} puts("allocated"); return 0;}`,
    check: (o) => {
      expect(o.status).toBe('ok');
      if (String((svc.info!() as any).sandbox.limits_by).startsWith('cgroup')) {
        // With a memory cgroup, the kernel's OOM killer ends it and the service says why.
        expect(o.metrics.tests[0]).toMatchObject({ status: 'runtime_error', detail: 'memory limit exceeded' });
      } else expect(o.score).toBe(1); // RLIMIT_AS: malloc fails
    },
  },
  {
    name: 'memory bomb in JavaScript (stops at 8 GB)',
    lang: 'javascript',
    code: () => `const a = []; for (let i = 0; i < 128; i++) a.push(Buffer.alloc(64 << 20, 1)); console.log('allocated');`,
    check: failedAll,
  },
  {
    name: 'big file (file-size limit)',
    lang: 'python',
    code: () => `try:\n    with open("big", "wb") as f:\n        for _ in range(100):\n            f.write(b"x" * (1 << 20))\n    print("wrote 100 MB")\nexcept OSError:\n    print("contained")`,
  },
  {
    name: 'fill the tmpfs (stops at 1 GB)',
    lang: 'python',
    code: () => `try:\n    for i in range(256):\n        open(f"/tmp/${TAG}-fill-{i}", "wb").write(b"x" * (4 << 20))\n    print("filled")\nexcept OSError:\n    print("contained")`,
    check: (o) => {
      const leaked = readdirSync('/tmp').filter((f) => f.startsWith(`${TAG}-fill-`));
      for (const f of leaked) rmSync(`/tmp/${f}`, { force: true });
      expect(leaked).toEqual([]);
      expect(o.status).toBe('ok');
      expect(o.score === 1 || o.metrics.tests[0].status === 'runtime_error').toBe(true);
    },
  },
  {
    name: 'open files (stops at 10,000)',
    lang: 'python',
    code: () => `fs = []\ntry:\n    for _ in range(10000):\n        fs.append(open("/dev/null"))\n    print("opened")\nexcept OSError:\n    print("contained")`,
  },
  {
    name: 'stdout flood (stops at 1 GB)',
    lang: 'python',
    code: () => `import sys\nfor _ in range(16384):\n    sys.stdout.write("x" * 65536)`,
    params: { test_timeout_ms: 1500 },
    check: (o) => {
      expect(o.status).toBe('ok');
      expect(o.score).toBe(0);
    },
  },
  { name: 'sleep "forever" (300 s)', lang: 'python', code: () => `import time\ntime.sleep(300)`, params: { test_timeout_ms: 600 }, check: statusIs('timeout') },
  {
    name: 'ignore SIGTERM and spin',
    lang: 'python',
    code: () => `import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nend = time.time() + 120\nwhile time.time() < end:\n    pass`,
    params: { test_timeout_ms: 600 },
    check: statusIs('timeout'),
  },
  {
    name: 'signal its parent (SIGKILL, own tree only)',
    lang: 'python',
    code: () => `import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint("contained")`,
    check: (o) => expect(o.status).toBe('ok'),
  },
  {
    name: 'probe every pid with signal 0 (harmless): only its own sandbox answers',
    lang: 'python',
    code: () => `import os\nalive = []\nfor p in range(1, 40000):\n    try:\n        os.kill(p, 0)\n        alive.append(p)\n    except ProcessLookupError:\n        pass\n    except PermissionError:\n        alive.append(p)\nprint("contained" if len(alive) < 8 else len(alive))`,
  },
  {
    name: '#include "/dev/random" (compile limit)',
    lang: 'c',
    code: () => `#include "/dev/random"\nint main(){return 0;}`,
    check: (o) => {
      expect(o.status).toBe('ok');
      expect(o.score).toBe(0);
      expect(o.metrics.stage).toBe('compile');
    },
  },
  {
    name: 'C++ template bomb (compile time limit)',
    lang: 'cpp',
    code: () =>
      `template<int N> struct F { static const long v = F<N-1>::v + F<N-2>::v + F<N-3>::v; };\ntemplate<> struct F<0> { static const long v = 1; };\ntemplate<> struct F<1> { static const long v = 1; };\ntemplate<> struct F<2> { static const long v = 1; };\ntemplate<int A, int B> struct G { typedef G<A-1, B> L; typedef G<A, B-1> R; static const int v = L::v + R::v; };\ntemplate<int B> struct G<0, B> { static const int v = 1; };\ntemplate<int A> struct G<A, 0> { static const int v = 1; };\nint main(){ return G<60, 60>::v + F<40>::v; }`,
    check: (o) => {
      expect(o.status).toBe('ok');
      expect(o.score).toBe(0);
      expect(o.metrics.stage).toBe('compile');
    },
  },
];

describe('hostile programs', () => {
  it(`has at least 25 hostile programs (plus LP and Verilog ones below)`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  let results: Record<string, Outcome> = {};
  beforeAll(async () => {
    results = await verify(
      svc,
      CASES.map((c, i) => item(String(i), 'code.tests', fence(c.lang, c.code()), { language: c.lang, tests: CONTAINED }, { test_timeout_ms: 3000, ...c.params })),
    );
  }, 120_000);

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = CASES[i]!;
    const o = results[String(i)]!;
    (c.check ?? ((x: Outcome) => expect(x.score, `${x.status}: ${x.detail}`).toBe(1)))(o);
  });

  it('nothing reached the host server, and the service is healthy afterwards', async () => {
    expect(connections).toBe(0);
    const o = await verify(svc, [
      item('a', 'code.tests', fence('python', 'print(sum(map(int, input().split())))'), { language: 'python', tests: [{ stdin: '1 2', stdout: '3' }] }),
      item('b', 'code.tests', fence('c', '#include <stdio.h>\nint main(){puts("hi");}'), { language: 'c', tests: [{ stdin: '', stdout: 'hi' }] }),
    ]);
    expect(o.a!.score).toBe(1);
    expect(o.b!.score).toBe(1);
  });

  it('an LP model with 10^6 constraints is refused, not solved', async () => {
    const rows = Array.from({ length: 1_000_000 }, (_, i) => ` c${i}: x + y >= ${i % 7}`).join('\n');
    const o = await verify(svc, [item('lp', 'code.lp', `Minimize\n obj: x + y\nSubject To\n${rows}\nEnd\n`, { objective: 6 }, { extract: 'none' })]);
    expect(o.lp!.status).toBe('ok');
    expect(o.lp!.score).toBe(0);
    expect(o.lp!.metrics.status).toBe('too_large');
  });

  it('an LP model under the size cap that would run long is cut at the time limit; HiGHS still answers afterwards', async () => {
    // 60,000 covering constraints over 60,000 variables (~3 MB): far more than 100 ms of parsing and simplex.
    const n = 60_000;
    const obj = Array.from({ length: n }, (_, i) => `${1 + (i % 3)} x${i}`).join(' + ');
    const rows = Array.from({ length: n }, (_, i) => ` c${i}: x${i} + x${(i * 7 + 1) % n} + x${(i * 13 + 5) % n} >= ${1 + (i % 5)}`).join('\n');
    const o = await verify(svc, [item('lp', 'code.lp', `Minimize\n obj: ${obj}\nSubject To\n${rows}\nEnd\n`, { objective: 1 }, { extract: 'none', time_limit_ms: 100 })]);
    expect(o.lp!.status, o.lp!.detail).toBe('ok');
    expect(o.lp!.score).toBe(0);
    expect(o.lp!.metrics.status).toBe('timeout');
    const after = await verify(svc, [item('ok', 'code.lp', 'Minimize\n obj: x\nSubject To\n c: x >= 2\nEnd', { objective: 2 }, { extract: 'none' })]);
    expect(after.ok!.score).toBe(1);
  });

  it('a Verilog design with an infinite simulation loop is cut at the time limit', async () => {
    const design = 'module top(input a, output reg y); always begin y = a; #1; end endmodule';
    // repeat(2^31 - 1) rather than forever: were the time limit broken, it still ends (after hours).
    const tb = 'module tb; reg a = 0; wire y; top dut(a, y); initial begin repeat (2147483647) #1 a = ~a; end endmodule';
    const o = await verify(svc, [item('v', 'code.verilog', fence('verilog', design), { top: 'top', testbench: tb }, { sim_timeout_ms: 800 })]);
    expect(o.v!.status).toBe('ok');
    expect(o.v!.score).toBeCloseTo(0.1, 10); // compiles (0.1), function fails
    expect(o.v!.metrics.sim_timeout).toBe(true);
  });
});

// Designs that try to forge a passing simulation instead of implementing the task. Before SPEC 4.2's rules, each of
// the wrong designs below scored 1.0 (checked with the previous verifier); the expected figures are worked out from
// the testbench: the andgate testbench checks 219 samples and `a | b` mismatches `a & b` on some of them.
describe('code.verilog forgeries', () => {
  const andgate = PROBLEMS.find((p) => p.name === 'andgate')!;
  const WRONG = andgate.wrong;
  const v = (key: string, design: string, reference: object = {}) =>
    item(key, 'code.verilog', fence('verilog', design), { top: 'TopModule', testbench: andgate.testbench, ...reference });
  let o: Record<string, Outcome> = {};
  beforeAll(async () => {
    // A watchdog testbench: the design must raise done; the watchdog prints TIMEOUT, and the final block counts only what ran.
    const handshakeTb = `module tb; reg clk = 0, start = 0; wire done; int errors = 0, clocks = 0;
      always #5 clk = ~clk;
      TopModule dut(.clk(clk), .start(start), .done(done));
      always @(posedge clk) clocks++;
      initial begin start = 1; @(posedge clk); start = 0; wait (done); $finish; end
      initial begin #500 $display("TIMEOUT"); $finish; end
      final $display("Mismatches: %0d in %0d samples", errors, clocks);
    endmodule`;
    const never = 'module TopModule(input clk, input start, output done); assign done = 0; endmodule';
    o = await verify(svc, [
      // The finding: any extra module that calls $finish became a root of the simulation and ended it at time 0.
      v('extraModule', `${WRONG}\nmodule finisher;\n  initial $finish;\nendmodule`),
      // The design's own module ends the simulation before the first check ("Mismatches: 0 in 0 samples").
      v('finishInTop', 'module TopModule (input a, input b, output out);\n  assign out = a | b;\n  initial $finish;\nendmodule'),
      // Right for the first samples only, then ends the simulation before the wrong part is checked.
      v('finishLater', '`timescale 1ps/1ps\nmodule TopModule (input a, input b, output out);\n  assign out = $time < 40 ? a & b : a | b;\n  initial #25 $stop;\nendmodule'),
      // $finish hidden from a text search by token pasting; iverilog -E shows it.
      v('pasted', '`define CAT(x, y) x``y\nmodule TopModule (input a, input b, output out);\n  assign out = a | b;\n  initial `CAT($fin, ish);\nendmodule'),
      // An upward hierarchical reference that zeroes the testbench's error count.
      v('upward', 'module TopModule (input a, input b, output out);\n  assign out = a | b;\n  final tb.stats1.errors = 0;\nendmodule'),
      // Copying the answer: the design instantiates the testbench's reference module.
      v('copiesRef', 'module TopModule (input a, input b, output out);\n  RefModule r (.a(a), .b(b), .out(out));\nendmodule'),
      // A forged verdict line, then a flood that pushes the testbench's own verdict past the output limit.
      v('flood', `module TopModule (input a, input b, output out);\n  assign out = a | b;\n  initial begin\n    $display("Mismatches: 0 in 219 samples");\n    repeat (40000) $display("${'x'.repeat(60)}");\n  end\nendmodule`),
      // A forged verdict line next to the testbench's real one.
      v('forgedLine', 'module TopModule (input a, input b, output out);\n  assign out = a | b;\n  final $display("Mismatches: 0 in 219 samples");\nendmodule'),
      // Redefining the reference module to agree with the wrong design.
      v('redefinesRef', `${WRONG}\nmodule RefModule (input a, input b, output out);\n  assign out = a | b;\nendmodule`),
      item('timeout', 'code.verilog', fence('verilog', never), { top: 'TopModule', testbench: handshakeTb }),
      // The correct design that calls $finish late is still scored on the whole testbench; the attempt is flagged.
      v('correctButFinishes', `${andgate.canonical.replace('endmodule', '  initial #3 $finish;\nendmodule')}`),
    ]);
  }, 120_000);

  const fails = (key: string, score: number, tamper: boolean) => () => {
    const r = o[key]!;
    expect(r.status, r.detail).toBe('ok');
    expect(r.score, r.detail).toBeCloseTo(score, 12);
    expect(r.flags ?? [], r.detail).toEqual(tamper ? ['tamper'] : []);
  };
  it('an extra module calling $finish is never a root: the wrong design scores 0.1, tamper', fails('extraModule', 0.1, true));
  it('a design that calls $finish at time 0 cannot end the simulation: all 219 samples are checked', () => {
    fails('finishInTop', 0.1, true)();
    expect(o.finishInTop!.metrics).toMatchObject({ samples: 219, sim_control: ['$finish'], sim_control_calls: 1 });
  });
  it('a design that stops the simulation after the first samples is checked on all of them', fails('finishLater', 0.1, true));
  it('a token-pasted $finish is found after preprocessing', fails('pasted', 0.1, true));
  it('a design that writes the testbench error count does not compile on its own: 0, tamper', () => {
    fails('upward', 0, true)();
    expect(o.upward!.metrics.compiles_in_testbench).toBe(true);
  });
  it('a design that instantiates RefModule does not compile on its own: 0, tamper', fails('copiesRef', 0, true));
  it('flooding the output past the limit fails the run', () => {
    fails('flood', 0.1, false)();
    expect(o.flood!.detail).toContain('output limit');
  });
  it('a forged "Mismatches: 0" line cannot hide the testbench verdict', fails('forgedLine', 0.1, false));
  it('redefining RefModule does not compile', fails('redefinesRef', 0, false));
  it('a run whose testbench printed TIMEOUT fails', fails('timeout', 0.1, false));
  it('a correct design that calls $finish still passes the whole testbench, and raises tamper', () => {
    fails('correctButFinishes', 1, true)();
    expect(o.correctButFinishes!.metrics.samples).toBe(219);
  });
});

// Red team: with params.pass_regex the verdict is a line of text, which a design could print itself. It is now read
// from the testbench's own output calls only (wrapped in a marker made after the response was written), and a design
// that reads files or arguments (where it could find the marker: the compiled simulation) does not pass.
describe('code.verilog pass_regex forgeries', () => {
  const tb = `module tb; reg a, b; wire out; integer errors = 0;
    TopModule dut(.a(a), .b(b), .out(out));
    initial begin
      for (integer i = 0; i < 4; i++) begin {a, b} = i; #1; if (out !== (a & b)) errors++; end
      if (errors == 0) $display("ALL TESTS PASSED"); else $display("FAILED with %0d errors", errors);
    end
  endmodule`;
  const or = 'module TopModule (input a, input b, output out);\n  assign out = a | b;\n';
  const v = (key: string, design: string) => item(key, 'code.verilog', fence('verilog', design), { top: 'TopModule', testbench: tb }, { pass_regex: '^ALL TESTS PASSED$' });
  let o: Record<string, Outcome> = {};
  beforeAll(async () => {
    o = await verify(svc, [
      // Scored 1: the wrong design printed the pass line itself.
      v('prints', `${or}  initial $display("ALL TESTS PASSED");\nendmodule`),
      v('writes', `${or}  final $write("ALL TESTS PASSED\\n");\nendmodule`),
      v('stdout', `${or}  initial $fdisplay(32'h8000_0001, "ALL TESTS PASSED");\nendmodule`),
      // Reading the compiled simulation, where the testbench's strings are.
      v('reads', `${or}  integer fd; reg [8*64-1:0] line;\n  initial begin fd = $fopen("/src/sim.vvp", "r"); while ($fgets(line, fd)) ; end\nendmodule`),
      v('right', 'module TopModule (input a, input b, output out);\n  assign out = a & b;\n  initial $display("my own line");\nendmodule'),
    ]);
  }, 120_000);
  it.each(['prints', 'writes', 'stdout'])('a wrong design that prints the pass line does not pass (%s)', (key) => {
    expect([o[key]!.status, o[key]!.score], o[key]!.detail).toEqual(['ok', 0.1]);
    expect(o[key]!.detail).toContain('pass_regex did not match');
  });
  it('a design that reads files does not pass with pass_regex', () => {
    expect([o.reads!.score, o.reads!.detail]).toEqual([0.1, expect.stringContaining('may not read files or arguments (it calls $fopen)')]);
  });
  it('the right design passes on the testbench\'s line, printing its own lines too', () => {
    expect([o.right!.score, o.right!.detail]).toEqual([1, expect.stringContaining('pass_regex matched')]);
  });
});

// Programs that forge a passing assert test (test/forgeries.ts: each passed with the previous harness). None passes
// a test; the ones the harness can recognize (a completion token of their own, comparison overrides, a killed
// checker) raise tamper.
// Red team: arithmetic of the program's object with the test's expected value. `abs(f(x) - 0.5) < 1e-6` (HumanEval's
// float idiom) ran the program's __sub__ with 0.5 as its operand, so an object whose __sub__ answers 0 passed every
// closeness test (and numpy's isclose, which subtracts too). Now the checker refuses arithmetic between the program's
// objects and its own values: the test fails, and tamper is raised when the class overrides arithmetic.
describe('code.tests: arithmetic with the test\'s values', () => {
  const MAGIC = `class M:
    def __sub__(self, o): return 0.0
    def __rsub__(self, o): return 0.0
    def __add__(self, o): return 0.0
    def __abs__(self): return 0.0
def truncate(x):
    return M()`;
  const CLOSE = ['assert abs(truncate(3.5) - 0.5) < 1e-6', 'assert abs(0.33 - truncate(1.33)) < 1e-6', 'assert truncate(2.25) - 0.25 == 0'];
  let o: Record<string, Outcome> = {};
  beforeAll(async () => {
    const py = (key: string, code: string, tests: string[], params: object = {}) => item(key, 'code.tests', fence('python', code), { language: 'python', tests }, params);
    o = await verify(svc, [
      py('zygote', MAGIC, CLOSE),
      py('oneOff', MAGIC, CLOSE, { memory_mb: 200 }),
      py('numpy', `import numpy as np\n${MAGIC}`, ['import numpy as np\nassert np.isclose(truncate(3.5), 0.5)']),
      // A solution's own objects still compute among themselves, and its values with the test's.
      py('vector', 'class V:\n    def __init__(self, x):\n        self.x = x\n    def __add__(self, o):\n        return V(self.x + o.x)\ndef mk(x):\n    return V(x)', ['assert (mk(1) + mk(2)).x == 3', 'assert abs(mk(1).x - 1) < 1e-9']),
      py('honest', 'def truncate(x):\n    return x % 1.0', CLOSE),
    ]);
  }, 120_000);
  it.each(['zygote', 'oneOff'])('an object whose arithmetic answers 0 passes no closeness test, and raises tamper (%s)', (key) => {
    const r = o[key]!;
    expect(r.status, r.detail).toBe('ok');
    expect(r.score, r.detail).toBe(0);
    expect(r.metrics.path).toBe(key === 'zygote' ? 'zygote' : 'sandbox');
    for (const t of r.metrics.tests) expect(t.detail).toContain('cannot compute with the test');
    expect(r.flags).toEqual(['tamper']);
  });
  it('numpy.isclose, which subtracts, is not fooled either', () => {
    expect([o.numpy!.score, o.numpy!.flags], o.numpy!.detail).toEqual([0, ['tamper']]);
  });
  it('honest solutions pass: plain values, and objects computing with objects of the same program', () => {
    for (const k of ['vector', 'honest']) expect([o[k]!.score, o[k]!.flags], o[k]!.detail).toEqual([1, []]);
  });
});

describe('code.tests forgeries', () => {
  let o: Record<string, Outcome> = {};
  beforeAll(async () => {
    o = await verify(
      svc,
      FORGERIES.map((f, i) => item(String(i), 'code.tests', fence(f.language, f.code), { language: f.language, tests: f.tests }, f.oneOff ? { memory_mb: 200 } : {})),
    );
  }, 120_000);
  it.each(FORGERIES.map((f, i) => [f.name, i] as const))('%s', (_name, i) => {
    const f = FORGERIES[i]!;
    const r = o[String(i)]!;
    expect(r.status, r.detail).toBe('ok');
    expect(r.score, r.detail).toBe(0);
    expect(r.metrics.path).toBe(f.oneOff || f.language === 'javascript' ? 'sandbox' : 'zygote');
    for (const t of r.metrics.tests) expect(t.status, t.detail).toBe('fail');
    expect(r.flags, r.detail).toEqual(f.tamper ? ['tamper'] : []);
  });
  it('a correct solution next to them still passes, without tamper', async () => {
    const ok = await verify(svc, [
      item('py', 'code.tests', fence('python', 'def add(a, b):\n    return a + b'), { language: 'python', tests: ['assert add(1, 2) == 3'] }),
      item('js', 'code.tests', fence('javascript', 'function add(a, b) { return a + b; }'), { language: 'javascript', tests: ['assert.strictEqual(add(1, 2), 3)'] }),
    ]);
    for (const r of Object.values(ok)) {
      expect(r.score, r.detail).toBe(1);
      expect(r.flags).toEqual([]);
    }
  });
});
