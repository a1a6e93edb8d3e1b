// code-exec over real gRPC (VerifyBatch, Describe), and the zygote's isolation between runs that share it.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackage, type VerifierServiceClient } from '@verimesh/proto';
import { noopLogger, serve, type RunningServer } from '@verimesh/kit';
import { fence, item, makeService, verify } from './helpers.js';

// One zygote: consecutive Python runs share it, which is what the isolation tests need.
const svc = makeService({ VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '1' });
let srv: RunningServer;
let client: VerifierServiceClient;
beforeAll(async () => {
  srv = await serve(svc, { host: '127.0.0.1', port: 0, log: noopLogger });
  client = new (loadPackage().verimesh.v1.VerifierService)(srv.address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await srv.shutdown(2000);
});

describe('code-exec over gRPC', () => {
  it('describes its verifiers, languages and sandbox mode', async () => {
    const res = await new Promise<any>((resolve, reject) => client.Describe({}, (e, r) => (e ? reject(e) : resolve(r))));
    expect(res.verifiers.map((v: any) => v.name).sort()).toEqual(['code.lp', 'code.tests', 'code.verilog']);
    const info = JSON.parse(res.info_json);
    expect(info.sandbox.mode).toBe('bwrap');
    expect(info.languages).toEqual(expect.arrayContaining(['python', 'javascript', 'c', 'cpp']));
    expect(info.sandbox.uid).not.toBe(0);
  });

  it('scores a batch', async () => {
    const res = await new Promise<any>((resolve, reject) =>
      client.VerifyBatch(
        {
          items: [
            item('a', 'code.tests', fence('python', 'def f(x):\n    return x * 2'), { language: 'python', tests: ['assert f(2) == 4', 'assert f(3) == 7'] }),
            item('b', 'code.lp', 'Minimize\n obj: x\nSubject To\n c: x >= 2\nEnd', { objective: 2 }, { extract: 'none' }),
          ],
        },
        { deadline: Date.now() + 30_000 },
        (e, r) => (e ? reject(e) : resolve(r)),
      ),
    );
    const by = Object.fromEntries(res.results.map((r: any) => [r.key, r.result]));
    expect(by.a.status).toBe('COMPONENT_STATUS_OK');
    expect(by.a.score).toBe(0.5);
    expect(JSON.parse(by.a.metrics_json).tests.map((t: any) => t.status)).toEqual(['pass', 'fail']); // a failed assertion is 'fail'; an exception would be 'runtime_error'
    expect(by.b.score).toBe(1);
  });
});

describe('zygote isolation (runs that share one zygote)', () => {
  it('a run cannot see the files or processes a previous run left behind', async () => {
    const writer = fence(
      'python',
      'import ctypes, os, time\nlibc = ctypes.CDLL(None)\nlibc.syscall.restype = ctypes.c_long\nopen("secret", "w").write("x")\nopen("/tmp/secret", "w").write("x")\nopen("/dev/shm/secret", "w").write("x")\nos.makedirs("/work/deep", exist_ok=True)\nassert libc.shmget(1234, 4096, 0o1666) >= 0  # a SysV segment (IPC_CREAT)\n' +
        // add_key into the user and user-session keyrings (-4, -5) and the persistent keyring (KEYCTL_GET_PERSISTENT).
        'rings = [-4, -5, libc.syscall(250, 22, -1, -2)]\nassert all(libc.syscall(248, b"user", b"vm-planted", b"x", 1, r) >= 0 for r in rings)\n' +
        'if os.fork() == 0:\n    os.setsid()\n    libc.prctl(15, b"vm-planted", 0, 0, 0)  # PR_SET_NAME: the reader looks for it\n    time.sleep(30)\n    os._exit(0)\n' +
        // Covering its tracks: the namespace's last pid set back to its own, as if the daemon had never been made (the
        // zygote then would not look for leftovers). /proc/sys is read-only in the sandbox: this must fail.
        'try:\n    os.write(os.open("/proc/sys/kernel/ns_last_pid", os.O_WRONLY), str(os.getpid()).encode())\n    print("reset the last pid")\nexcept OSError:\n    pass\nprint("ok")',
    );
    const reader = fence(
      'python',
      'import ctypes, os\nlibc = ctypes.CDLL(None)\nlibc.syscall.restype = ctypes.c_long\nme = os.getpid()\nothers = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getppid(), me)]\nplanted = [p for p in others if open(f"/proc/{p}/comm").read().strip() == "vm-planted"]\nfiles = os.listdir(".") + os.listdir("/tmp") + os.listdir("/dev/shm") + os.listdir("/work")\nipc = open("/proc/sysvipc/shm").read().split("\\n")[1:]\n' +
        // KEYCTL_SEARCH (10) for the planted key in each keyring: -1 (ENOKEY) when it is gone.
        'keys = [libc.syscall(250, 10, r, b"user", b"vm-planted", 0) for r in [-4, -5, libc.syscall(250, 22, -1, -2)]]\n' +
        // Besides the zygote (pid 1), only its checker of assert tests may be there, never a process of a previous run.
        'print("clean" if not planted and len(others) <= 1 and sorted(files) == ["main.py", "run"] and not any(l.strip() for l in ipc) and keys == [-1, -1, -1] else (others, planted, files, ipc, keys))',
    );
    const o1 = await verify(svc, [item('w', 'code.tests', writer, { language: 'python', tests: [{ stdin: '', stdout: 'ok' }] })]);
    expect(o1.w!.score).toBe(1);
    const o2 = await verify(svc, [item('r', 'code.tests', reader, { language: 'python', tests: [{ stdin: '', stdout: 'clean' }] })]);
    expect(o2.r!.metrics.path).toBe('zygote');
    expect(o2.r!.score, o2.r!.detail).toBe(1);
  });

  it("a shared zygote's runs keep to its CPU; a rollout's own sandbox may use them all", async () => {
    const cpus = fence('python', 'import os\nprint(len(os.sched_getaffinity(0)))');
    const o = await verify(svc, [
      item('z', 'code.tests', cpus, { language: 'python', tests: [{ stdin: '', stdout: '1' }] }),
      item('s', 'code.tests', cpus, { language: 'python', tests: [{ stdin: '', stdout: String(availableParallelism()) }, { stdin: '', stdout: String(availableParallelism()) }] }, { memory_mb: 128 }),
    ]);
    expect(o.z!.metrics.path).toBe('zygote');
    expect(o.z!.score, o.z!.detail).toBe(1);
    expect(o.s!.metrics?.path, JSON.stringify(o.s)).toBe('sandbox');
    expect(o.s!.score, o.s!.detail).toBe(1);
  });

  it('a run on the zygote path is the OOM killer\'s first choice, its zygote is not', async () => {
    const adj = fence('python', 'print(open("/proc/self/oom_score_adj").read().strip(), open("/proc/1/oom_score_adj").read().strip())');
    const o = await verify(svc, [item('o', 'code.tests', adj, { language: 'python', tests: [{ stdin: '', stdout: '1000 0' }] })]);
    expect(o.o!.metrics.path).toBe('zygote');
    expect(o.o!.score, o.o!.detail).toBe(1);
  });

  it("a run that tampers with the zygote's assert checker (limits, priority, CPUs, SIGSTOP) cannot affect the next run's verdict", async () => {
    // One zygote, so that the saboteur and the next runs share it (and its checker).
    const one = makeService({ VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '1', VERIMESH_CODE_EXEC_CONCURRENCY: '1' });
    await one.start!();
    try {
      await sabotage(one);
    } finally {
      await one.stop!();
    }
  });

  async function sabotage(svc: ReturnType<typeof makeService>): Promise<void> {
    const correct = fence('python', 'def add(a, b):\n    return a + b');
    const first = await verify(svc, [item('a', 'code.tests', correct, { language: 'python', tests: ['assert add(1, 2) == 3'] })]);
    expect(first.a!.score).toBe(1); // the checker exists now
    const saboteur = fence(
      'python',
      'import os, resource, signal\nfor p in [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())]:\n' +
        '    for r in (resource.RLIMIT_AS, resource.RLIMIT_NOFILE, resource.RLIMIT_CPU):\n        try:\n            resource.prlimit(p, r, (1, 1))\n        except OSError:\n            pass\n' +
        '    for f in (lambda: os.setpriority(os.PRIO_PROCESS, p, 19), lambda: os.sched_setaffinity(p, {0}), lambda: os.kill(p, signal.SIGSTOP)):\n        try:\n            f()\n        except OSError:\n            pass\nprint("done")',
    );
    const o = await verify(svc, [item('s', 'code.tests', saboteur, { language: 'python', tests: [{ stdin: '', stdout: 'done' }] })]);
    expect(o.s!.score, o.s!.detail).toBe(1);
    const after = await verify(svc, [item('b', 'code.tests', correct, { language: 'python', tests: ['assert add(2, 2) == 4', 'assert add(2, 3) == 5'] })]);
    expect(after.b!.score, after.b!.detail).toBe(1);
    expect(after.b!.metrics.path).toBe('zygote');
  }

  it('a run cannot kill or stop its zygote: signals to it are ignored and the same zygote serves the next run', async () => {
    const restarts = (svc.info!() as any).zygote_restarts;
    const o = await verify(svc, [
      item('k', 'code.tests', fence('python', 'import os, signal\nfor s in [signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM, signal.SIGINT, signal.SIGHUP]:\n    os.kill(os.getppid(), s)\n    os.kill(1, s)\nassert False'), { language: 'python', tests: ['pass'] }),
    ]);
    expect(o.k!.status).toBe('ok');
    expect(o.k!.score).toBe(0);
    expect(o.k!.metrics.path).toBe('zygote'); // the zygote itself answered: no repeat in a fresh sandbox
    expect(o.k!.detail).toContain('AssertionError');
    const after = await verify(svc, [item('n', 'code.tests', fence('python', 'x = 1'), { language: 'python', tests: ['assert x == 1'] })]);
    expect(after.n!.score).toBe(1);
    expect(after.n!.metrics.path).toBe('zygote');
    expect((svc.info!() as any).zygote_restarts).toBe(restarts);
  });

  it('a zygote that dies during a run costs nothing: the test is repeated in a fresh sandbox, a new zygote starts', async () => {
    const restarts = (svc.info!() as any).zygote_restarts;
    const pending = verify(svc, [item('s', 'code.tests', fence('python', 'import time\ntime.sleep(3)\nprint("done")'), { language: 'python', tests: [{ stdin: '', stdout: 'done' }] }, { test_timeout_ms: 10_000 })]);
    // The zygote is the sandboxed zygote.py whose parent (bwrap) is this process; kill it once it runs the program
    // (which its forker forked: the program's grandparent).
    const parentOf = (pid: string): string => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]!;
    let zygote: string | undefined;
    for (let i = 0; i < 200 && !zygote; i++) {
      await new Promise((r) => setTimeout(r, 25));
      for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
        try {
          const z = parentOf(parentOf(p));
          if (readFileSync(`/proc/${p}/cmdline`, 'latin1').includes('import zygote') && parentOf(parentOf(z)) === String(process.pid)) zygote = z;
        } catch {
          /* exited meanwhile */
        }
      }
    }
    expect(zygote).toBeDefined();
    process.kill(Number(zygote), 'SIGKILL');
    const o = await pending;
    expect(o.s!.status, o.s!.detail).toBe('ok');
    expect(o.s!.score).toBe(1);
    expect(o.s!.metrics?.path, JSON.stringify(o.s)).toBe('sandbox');
    expect((svc.info!() as any).zygote_restarts).toBe(restarts + 1);
  });
});
