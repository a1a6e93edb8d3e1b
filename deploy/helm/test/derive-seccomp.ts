// Derives and writes code-exec's seccomp profile: runs the real service (as its pod runs it) through the workload of
// code-exec-workload.ts under `strace -f`, lists every syscall any of its processes made (the service, bwrap, the
// zygotes, python, node, gcc/g++, javac/java, iverilog/vvp, Yosys), checks that the families of seccomp-profile.ts
// allow each of them (or deny it on purpose, with the reason) and that the bubblewrap family holds only calls that
// were seen, then writes deploy/helm/verimesh/files/seccomp/code-exec.json.
//   npx tsx deploy/helm/test/derive-seccomp.ts [--check]     (needs strace; --check writes nothing)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART } from './helm.js';
import { runWorkload, startCodeExec, WORKLOAD } from './code-exec-workload.js';
import { DENIED_BUT_SEEN, FAMILIES, allowedNames, buildProfile } from './seccomp-profile.js';

export const PROFILE_PATH = join(CHART, 'files/seccomp/code-exec.json');

/** Syscall names in an `strace -f` log (completed calls, and calls interrupted then resumed). */
export function syscallsInStrace(log: string): Set<string> {
  const out = new Set<string>();
  for (const m of log.matchAll(/^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)(?:\(| resumed>)/gm)) out.add(m[1]!);
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'verimesh-strace-'));
  const logFile = join(dir, 'strace.log');
  try {
    const svc = await startCodeExec(['strace', '-f', '-qq', '-s', '0', '-e', 'signal=none', '-o', logFile, '--']);
    const out = await runWorkload(svc.address);
    const code = await svc.stop();
    const bad = WORKLOAD.filter((w) => out[w.key]?.status !== 'ok' || out[w.key]?.score !== w.score);
    if (bad.length || code !== 0) throw new Error(`the workload did not run cleanly (exit ${code}): ${JSON.stringify(bad.map((w) => [w.key, out[w.key]]))}`);
    const seen = syscallsInStrace(readFileSync(logFile, 'utf8'));
    const profile = buildProfile();
    const allowed = allowedNames(profile);
    const missing = [...seen].filter((n) => !allowed.has(n) && !(n in DENIED_BUT_SEEN)).sort();
    const bwrapUnseen = FAMILIES.find((f) => f.family === 'bubblewrap')!.names.filter((n) => !seen.has(n));
    console.log(`${seen.size} syscalls seen: ${[...seen].sort().join(' ')}`);
    console.log(`denied on purpose: ${[...seen].filter((n) => n in DENIED_BUT_SEEN).join(' ') || '(none)'}`);
    if (missing.length) throw new Error(`seen but not allowed by any family: ${missing.join(' ')} (add them to seccomp-profile.ts)`);
    if (bwrapUnseen.length) throw new Error(`the bubblewrap family allows calls never seen: ${bwrapUnseen.join(' ')}`);
    const text = `${JSON.stringify(profile, null, 2)}\n`;
    if (process.argv.includes('--check')) {
      if (readFileSync(PROFILE_PATH, 'utf8') !== text) throw new Error(`${PROFILE_PATH} is not what seccomp-profile.ts generates`);
      console.log(`${PROFILE_PATH} is up to date`);
    } else {
      writeFileSync(PROFILE_PATH, text);
      console.log(`wrote ${PROFILE_PATH} (${allowed.size} names in ${profile.syscalls.length} rules)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('derive-seccomp.ts')) {
  main().catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
