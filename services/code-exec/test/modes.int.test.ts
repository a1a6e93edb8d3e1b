// Honest errors (no sandbox, no toolchain → unavailable, never a 0), backpressure, and the rlimit fallback without cgroups.
import { describe, expect, it } from 'vitest';
import { fence, item, makeService, verify } from './helpers.js';

const IO = [{ stdin: '1 2\n', stdout: '3\n' }];
const PY = fence('python', 'print(sum(map(int, input().split())))');

describe('honest errors', () => {
  it('no usable bubblewrap: code.tests and code.verilog are unavailable, Describe says so loudly, code.lp still works', async () => {
    const svc = makeService({ VERIMESH_CODE_EXEC_BWRAP: '/nonexistent/bwrap' });
    await svc.start!();
    try {
      const o = await verify(svc, [
        item('t', 'code.tests', PY, { language: 'python', tests: IO }),
        item('v', 'code.verilog', fence('verilog', 'module a; endmodule'), { top: 'a', testbench: 'module tb; endmodule' }),
        item('l', 'code.lp', 'Minimize\n obj: x\nSubject To\n c: x >= 2\nEnd', { objective: 2 }, { extract: 'none' }),
      ]);
      expect(o.t!.status).toBe('unavailable');
      expect(o.t!.detail).toContain('bubblewrap');
      expect(o.v!.status).toBe('unavailable');
      expect(o.l!.score).toBe(1);
      const info = svc.info!() as any;
      expect(info.sandbox.mode).toBe('unavailable');
      expect(info.WARNING).toContain('SANDBOX UNAVAILABLE');
      expect(info.languages).toEqual([]);
    } finally {
      await svc.stop!();
    }
  });

  it('a missing toolchain is unavailable for that language only', async () => {
    const svc = makeService({ VERIMESH_CODE_EXEC_RUSTC: '/nonexistent/rustc', VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '0' });
    await svc.start!();
    try {
      const o = await verify(svc, [
        item('r', 'code.tests', fence('rust', 'fn main() {}'), { language: 'rust', tests: IO }),
        item('p', 'code.tests', PY, { language: 'python', tests: IO }),
      ]);
      expect(o.r!.status).toBe('unavailable');
      expect(o.p!.score).toBe(1);
      expect((svc.info!() as any).languages).not.toContain('rust');
    } finally {
      await svc.stop!();
    }
  });

  it('a sandbox that fails to set up a run is an infrastructure error, never a result of the program', async () => {
    const svc = makeService({ VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '0' });
    await svc.start!();
    try {
      const limits = svc.runtime.testLimits(2000);
      // bwrap refuses a bind whose source is gone before the program starts ("bwrap: Can't find source path ...").
      const r = await svc.runtime.sandbox.run({ argv: ['/bin/true'], roBinds: [{ src: '/nonexistent/verimesh', dest: '/src' }], limits });
      expect(r.infraError).toMatch(/^bwrap: /);
      // A program that says what a failing bwrap or launcher would say is still just a program that failed.
      for (const [text, code] of [['bwrap: Can\'t find source path', 1], ['verimesh-launcher: cannot join cgroup', 125]] as const) {
        const r2 = await svc.runtime.sandbox.run({ argv: ['/bin/sh', '-c', `echo "${text}" >&2; exit ${code}`], limits });
        expect(r2.infraError).toBeUndefined();
        expect(r2.exitCode).toBe(code);
      }
    } finally {
      await svc.stop!();
    }
  });

  it('beyond the run queue, work is refused as overloaded (status unavailable, PLAN D3; never a 0 score)', async () => {
    const svc = makeService({ VERIMESH_CODE_EXEC_CONCURRENCY: '1', VERIMESH_CODE_EXEC_QUEUE: '1', VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '1' });
    await svc.start!();
    try {
      const tests = Array.from({ length: 6 }, () => 'import time; time.sleep(0.2)');
      const o = await verify(svc, [item('q', 'code.tests', fence('python', 'x = 1'), { language: 'python', tests })]);
      expect(o.q!.status).toBe('unavailable');
      expect(o.q!.detail).toContain('overloaded');
    } finally {
      await svc.stop!();
    }
  });
});

describe('the HiGHS pool (kit WaitQueue: bounded, abort-aware)', () => {
  // A covering LP of 60,000 rows (~3 MB): it keeps the only worker busy while the other solves arrive (they arrive in
  // the same tick, so which one waits and which one is refused does not depend on timing).
  const n = 60_000;
  const BIG = `Minimize\n obj: ${Array.from({ length: n }, (_, i) => `${1 + (i % 3)} x${i}`).join(' + ')}\nSubject To\n${Array.from({ length: n }, (_, i) => ` c${i}: x${i} + x${(i * 7 + 1) % n} >= 1`).join('\n')}\nEnd\n`;
  const SMALL = 'Minimize\n obj: x\nSubject To\n c: x >= 2\nEnd';

  it('a solve beyond the wait queue is refused as overloaded (unavailable), and the pool serves the next batch', async () => {
    const svc = makeService({ VERIMESH_CODE_EXEC_LP_WORKERS: '1', VERIMESH_CODE_EXEC_QUEUE: '1' });
    await svc.start!();
    try {
      // One solve runs, one waits (the queue holds 1), the third is refused at once.
      const o = await verify(svc, [
        item('run', 'code.lp', BIG, { objective: 1 }, { extract: 'none', time_limit_ms: 300 }),
        item('wait', 'code.lp', SMALL, { objective: 2 }, { extract: 'none' }),
        item('refused', 'code.lp', SMALL, { objective: 2 }, { extract: 'none' }),
      ]);
      expect(o.run!.status).toBe('ok'); // solved or cut at its time limit: either way it held the only worker
      expect(o.wait!.score, o.wait!.detail).toBe(1);
      expect(o.refused!.status).toBe('unavailable');
      expect(o.refused!.detail).toContain('overloaded');
      const after = await verify(svc, [item('after', 'code.lp', SMALL, { objective: 2 }, { extract: 'none' })]);
      expect(after.after!.score).toBe(1);
    } finally {
      await svc.stop!();
    }
  });

  it('a solve whose item is aborted leaves the queue, and an aborted running solve frees its worker', async () => {
    const { LpPool } = await import('../src/lp/pool.js');
    const pool = new LpPool(1, 4);
    try {
      const running = new AbortController();
      const blocker = pool.solve(BIG, 'lp', 30_000, running.signal);
      const waiting = new AbortController();
      const queued = pool.solve(SMALL, 'lp', 5_000, waiting.signal);
      expect(pool.queued).toBe(1);
      waiting.abort(new Error('item deadline'));
      await expect(queued).rejects.toThrow('item deadline');
      expect(pool.queued).toBe(0);
      running.abort(new Error('batch cancelled'));
      await expect(blocker).rejects.toThrow('batch cancelled');
      // The aborted solve's worker was replaced: the pool still solves.
      await expect(pool.solve(SMALL, 'lp', 5_000)).resolves.toMatchObject({ status: 'optimal', objective: 2 });
      expect(pool.replaced).toBe(1);
    } finally {
      await pool.stop();
    }
  });
});

describe('without cgroups (rlimits only)', () => {
  it('numpy still starts under RLIMIT_AS, a memory bomb and a fork bomb are still contained', async () => {
    const svc = makeService({ VERIMESH_CODE_EXEC_CGROUPS: 'false', VERIMESH_CODE_EXEC_MEMORY_MB: '512', VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '1' });
    await svc.start!();
    try {
      expect((svc.info!() as any).sandbox.limits_by).toBe('rlimits');
      const numpy = fence('python', 'import numpy as np\nprint(int(np.arange(10).sum()))');
      const bomb = fence('python', 'chunks = []\ntry:\n    for _ in range(128):\n        chunks.append(bytearray(64 << 20))\n    print("allocated 8 GB")\nexcept MemoryError:\n    print("contained")');
      const forks = fence('python', 'import os, time\nn = 0\ntry:\n    while n < 2000:\n        if os.fork() == 0:\n            time.sleep(5); os._exit(0)\n        n += 1\n    print("forked")\nexcept OSError:\n    print("contained")');
      const o = await verify(svc, [
        item('np', 'code.tests', numpy, { language: 'python', tests: [{ stdin: '', stdout: '45' }] }),
        item('npSlow', 'code.tests', numpy, { language: 'python', tests: [{ stdin: '', stdout: '45' }] }, { memory_mb: 400 }),
        item('mem', 'code.tests', bomb, { language: 'python', tests: [{ stdin: '', stdout: 'contained' }] }),
        item('fork', 'code.tests', forks, { language: 'python', tests: [{ stdin: '', stdout: 'contained' }] }),
      ]);
      expect(o.np!.score, o.np!.detail).toBe(1);
      expect(o.npSlow!.score, o.npSlow!.detail).toBe(1);
      expect(o.npSlow!.metrics.path).toBe('sandbox');
      expect(o.mem!.score, o.mem!.detail).toBe(1);
      expect(o.fork!.score, o.fork!.detail).toBe(1);
    } finally {
      await svc.stop!();
    }
  });
});
