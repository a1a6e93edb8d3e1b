// code-exec's seccomp profile (files/seccomp/code-exec.json): valid OCI seccomp JSON, generated from the families of
// seccomp-profile.ts, allowing what bubblewrap needs and none of the denied calls, and — applied for real through
// libseccomp, as a container runtime applies it — enough for the real service to run every kind of submission.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHART, REPO } from './helm.js';
import { POD_UID, runWorkload, startCodeExec, WORKLOAD } from './code-exec-workload.js';
import { BWRAP_NEEDS, FAMILIES, MUST_DENY, allowedNames, buildProfile, type OciSeccomp } from './seccomp-profile.js';

const PROFILE_FILE = join(CHART, 'files/seccomp/code-exec.json');
const TEXT = readFileSync(PROFILE_FILE, 'utf8');
const PROFILE = JSON.parse(TEXT) as OciSeccomp;
const LOADER = join(REPO, 'deploy/helm/test/seccomp-exec.py');
const PYTHON = '/usr/bin/python3'; // Debian's, which sees python3-seccomp
const dir = mkdtempSync(join(tmpdir(), 'verimesh-seccomp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Syscall numbers on this machine (libseccomp's table), -1 for a name this architecture lacks. */
function syscallNumbers(names: string[]): Record<string, number> {
  const out = execFileSync(PYTHON, ['-c', 'import json, sys, seccomp\nprint(json.dumps({n: seccomp.resolve_syscall(seccomp.Arch.NATIVE, n) for n in sys.argv[1:]}))', ...names], { encoding: 'utf8' });
  return JSON.parse(out);
}

describe('the profile file', () => {
  it('is OCI seccomp JSON: known fields, default action errno or kill, known architectures and actions', () => {
    expect(Object.keys(PROFILE).every((k) => ['defaultAction', 'defaultErrnoRet', 'architectures', 'flags', 'listenerPath', 'listenerMetadata', 'syscalls'].includes(k))).toBe(true);
    expect(['SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD']).toContain(PROFILE.defaultAction);
    expect(PROFILE.defaultErrnoRet).toBe(1); // EPERM
    expect(PROFILE.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64']);
    for (const rule of PROFILE.syscalls) {
      expect(Object.keys(rule).every((k) => ['names', 'action', 'errnoRet', 'args'].includes(k))).toBe(true);
      expect(rule.action).toBe('SCMP_ACT_ALLOW');
      expect(rule.names.length).toBeGreaterThan(0);
    }
    const names = PROFILE.syscalls.flatMap((r) => r.names);
    expect(new Set(names).size).toBe(names.length); // each name in one rule only
  });

  it('is exactly what seccomp-profile.ts generates (edit the families there, then run derive-seccomp.ts)', () => {
    expect(TEXT).toBe(`${JSON.stringify(buildProfile(), null, 2)}\n`);
    expect(PROFILE.syscalls).toHaveLength(FAMILIES.length);
  });

  it('names only real syscalls of x86_64 or aarch64 (libseccomp knows each one)', () => {
    const script = [
      'import json, sys, seccomp',
      'def known(n):',
      '    for a in (seccomp.Arch.X86_64, seccomp.Arch.AARCH64):',
      '        if seccomp.resolve_syscall(a, n) >= 0: return True',
      '    return False',
      'print(json.dumps([n for n in sys.argv[1:] if not known(n)]))',
    ].join('\n');
    const unknown = JSON.parse(execFileSync(PYTHON, ['-c', script, ...allowedNames(PROFILE)], { encoding: 'utf8' }));
    expect(unknown).toEqual([]);
  });

  it('allows what bubblewrap needs, and none of the calls that reach outside the pod', () => {
    const allowed = allowedNames(PROFILE);
    expect(BWRAP_NEEDS.filter((n) => !allowed.has(n))).toEqual([]);
    expect(MUST_DENY.filter((n) => allowed.has(n))).toEqual([]);
  });
});

describe('applied through libseccomp (seccomp-exec.py), as the container runtime applies it', () => {
  it('denies with EPERM the calls it leaves out, where the kernel itself would answer otherwise', () => {
    // Harmless arguments (each call fails either way); run as the pod's user, with and without the filter.
    const calls: Record<string, string> = { keyctl: '0, 0', bpf: '0, 0, 0', perf_event_open: '0, 0, -1, -1, 0', setns: '-1, 0', io_uring_setup: '0, 0', add_key: '0, 0, 0, 0, 0' };
    const nr = syscallNumbers(Object.keys(calls));
    const probe = Object.entries(calls)
      .filter(([n]) => nr[n]! >= 0)
      .map(([n, args]) => `r = libc.syscall(${nr[n]}, ${args}); print("${n}", ctypes.get_errno() if r < 0 else 0)`)
      .join('\n');
    const script = `import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\n${probe}\n`;
    const asPod = ['setpriv', '--reuid', String(POD_UID), '--regid', String(POD_UID), '--clear-groups', '--no-new-privs'];
    const parse = (out: string) => Object.fromEntries(out.trim().split('\n').map((l) => l.split(' ')).map(([n, e]) => [n, Number(e)]));
    const plain = parse(execFileSync(asPod[0]!, [...asPod.slice(1), PYTHON, '-c', script], { encoding: 'utf8' }));
    const filtered = parse(execFileSync(PYTHON, [LOADER, PROFILE_FILE, ...asPod, PYTHON, '-c', script], { encoding: 'utf8' }));
    expect(Object.keys(filtered).length).toBeGreaterThanOrEqual(5);
    for (const n of Object.keys(filtered)) {
      expect(filtered[n], n).toBe(1); // EPERM
      expect(plain[n], `${n} unfiltered`).not.toBe(1); // so the EPERM above is the filter's
    }
  });

  it('runs the real code-exec service and every kind of submission: each language, Verilog with Yosys, LP, hostile runs', async () => {
    const svc = await startCodeExec([PYTHON, LOADER, PROFILE_FILE]);
    try {
      const out = await runWorkload(svc.address);
      const got = Object.fromEntries(WORKLOAD.map((w) => [w.key, [out[w.key]?.status, out[w.key]?.score]]));
      const want = Object.fromEntries(WORKLOAD.map((w) => [w.key, ['ok', w.score]]));
      expect(got).toEqual(want);
      expect(svc.log.some((l) => l.includes('SANDBOX UNAVAILABLE'))).toBe(false);
    } finally {
      expect(await svc.stop()).toBe(0); // drained on SIGTERM under the filter too
    }
  }, 300_000);

  it('without the bubblewrap family the sandbox cannot start (so the test above ran under a real filter)', async () => {
    const cut = buildProfile();
    cut.syscalls = cut.syscalls.filter((r) => !r.names.includes('pivot_root'));
    const file = join(dir, 'no-bwrap.json');
    writeFileSync(file, JSON.stringify(cut));
    const svc = await startCodeExec([PYTHON, LOADER, file]);
    try {
      expect(svc.log.some((l) => l.includes('SANDBOX UNAVAILABLE'))).toBe(true);
      const out = await runWorkload(svc.address);
      expect(out['py-asserts']!.status).toBe('unavailable');
      expect(out.lp).toMatchObject({ status: 'ok', score: 1 }); // HiGHS runs in the service, no sandbox needed
    } finally {
      await svc.stop();
    }
  }, 300_000);
});
