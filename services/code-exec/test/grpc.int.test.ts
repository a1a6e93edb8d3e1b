// code-exec over real gRPC (VerifyBatch, Describe), and the zygote's isolation between runs that share it.
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
    expect(JSON.parse(by.a.metrics_json).tests.map((t: any) => t.status)).toEqual(['pass', 'runtime_error']);
    expect(by.b.score).toBe(1);
  });
});

describe('zygote isolation (runs that share one zygote)', () => {
  it('a run cannot see the files or processes a previous run left behind', async () => {
    const writer = fence(
      'python',
      'import ctypes, os, time\nopen("secret", "w").write("x")\nopen("/tmp/secret", "w").write("x")\nopen("/dev/shm/secret", "w").write("x")\nos.makedirs("/work/deep", exist_ok=True)\nassert ctypes.CDLL(None).shmget(1234, 4096, 0o1666) >= 0  # a SysV segment (IPC_CREAT)\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(30)\n    os._exit(0)\nprint("ok")',
    );
    const reader = fence(
      'python',
      'import os\nme = os.getpid()\nothers = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getppid(), me)]\nfiles = os.listdir(".") + os.listdir("/tmp") + os.listdir("/dev/shm") + os.listdir("/work")\nipc = open("/proc/sysvipc/shm").read().split("\\n")[1:]\nprint("clean" if not others and sorted(files) == ["main.py", "run"] and not any(l.strip() for l in ipc) else (others, files, ipc))',
    );
    const o1 = await verify(svc, [item('w', 'code.tests', writer, { language: 'python', tests: [{ stdin: '', stdout: 'ok' }] })]);
    expect(o1.w!.score).toBe(1);
    const o2 = await verify(svc, [item('r', 'code.tests', reader, { language: 'python', tests: [{ stdin: '', stdout: 'clean' }] })]);
    expect(o2.r!.metrics.path).toBe('zygote');
    expect(o2.r!.score, o2.r!.detail).toBe(1);
  });

  it('a run that kills its zygote fails only itself; the next run gets a fresh zygote', async () => {
    const o = await verify(svc, [item('k', 'code.tests', fence('python', 'import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nassert False'), { language: 'python', tests: ['pass'] })]);
    expect(o.k!.status).toBe('ok');
    expect(o.k!.score).toBe(0);
    const after = await verify(svc, [item('n', 'code.tests', fence('python', 'x = 1'), { language: 'python', tests: ['assert x == 1'] })]);
    expect(after.n!.score).toBe(1);
    expect(after.n!.metrics.path).toBe('zygote');
  });
});
