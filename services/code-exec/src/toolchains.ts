// Finds the real toolchain paths once at startup (resolving shims like pyenv and rustup) and says how each language runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findOnPath as which } from './sandbox/sandbox.js';

export type Language = 'python' | 'javascript' | 'c' | 'cpp' | 'java' | 'rust';
export const LANGUAGES: readonly Language[] = ['python', 'javascript', 'c', 'cpp', 'java', 'rust'];

const ALIASES: Record<string, Language> = {
  python: 'python', python3: 'python', py: 'python',
  javascript: 'javascript', js: 'javascript', node: 'javascript', nodejs: 'javascript',
  c: 'c', cpp: 'cpp', 'c++': 'cpp', cxx: 'cpp', cc: 'cpp',
  java: 'java', rust: 'rust', rs: 'rust',
};

export function canonicalLanguage(name: string): Language | undefined {
  return ALIASES[name.trim().toLowerCase()];
}

export interface Toolchain {
  language: Language;
  version: string;
  /** Absolute executable(s) as seen inside the sandbox (the same path as on the host). */
  exe: string;
  /** Extra executable (javac's java, the C compiler rustc links with). */
  runExe?: string;
  /** Host directories outside /usr this toolchain needs, bound read-only. */
  roots: string[];
}

export interface Toolchains {
  available: Partial<Record<Language, Toolchain>>;
  missing: Partial<Record<Language, string>>;
  iverilog?: { iverilog: string; vvp: string; version: string };
  verilator?: string;
  yosys?: string;
  /** /etc entries the toolchains read (bound read-only when present). */
  etcBinds: string[];
}

/** Runs a host command synchronously (discovery at startup only): its trimmed stdout, or undefined on failure. */
function hostOutput(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Root directory a resolved executable needs: /usr paths are already bound; anything else binds its prefix. */
function rootOf(exe: string, levels = 2): string[] {
  if (exe.startsWith('/usr/')) return [];
  let d = exe;
  for (let i = 0; i < levels; i++) d = dirname(d);
  return [d];
}

export interface ToolchainSettings {
  python: string;
  node: string;
  gcc: string;
  gxx: string;
  javac: string;
  rustc: string;
}

/** Probes every toolchain; a missing one is recorded with the reason (reported in Describe), never fatal. */
export function discoverToolchains(s: ToolchainSettings): Toolchains {
  const available: Toolchains['available'] = {};
  const missing: Toolchains['missing'] = {};

  // python: ask the interpreter itself (a pyenv shim resolves to the real binary and prefix this way).
  const py = which(s.python);
  const pyInfo = py && hostOutput(py, ['-c', 'import os,sys;print(os.path.realpath(sys.executable));print(sys.base_prefix);print(sys.prefix);print(sys.version.split()[0])']);
  if (pyInfo) {
    const [exe, base, prefix, version] = pyInfo.split('\n');
    const roots = [...new Set([base!, prefix!])].filter((r) => !r.startsWith('/usr'));
    available.python = { language: 'python', exe: exe!, version: version!, roots };
  } else missing.python = `${s.python} not found or not runnable`;

  const node = which(s.node);
  if (node) {
    const exe = realpathSync(node);
    available.javascript = { language: 'javascript', exe, version: hostOutput(exe, ['--version']) ?? '?', roots: rootOf(exe) };
  } else missing.javascript = `${s.node} not found`;

  for (const [lang, name] of [['c', s.gcc], ['cpp', s.gxx]] as const) {
    const p = which(name);
    if (p) {
      const exe = realpathSync(p);
      available[lang] = { language: lang, exe, version: hostOutput(exe, ['-dumpfullversion']) ?? '?', roots: rootOf(exe) };
    } else missing[lang] = `${name} not found`;
  }

  const javac = which(s.javac);
  if (javac) {
    const exe = realpathSync(javac);
    const java = join(dirname(exe), 'java');
    if (existsSync(java)) {
      available.java = { language: 'java', exe, runExe: java, version: (hostOutput(exe, ['-version']) ?? '').replace('javac ', '') || '?', roots: rootOf(exe, 3) };
    } else missing.java = `no java next to ${exe}`;
  } else missing.java = `${s.javac} not found`;

  // rustc is usually a rustup proxy; the sysroot holds the real compiler and its libraries.
  const rustc = which(s.rustc);
  const sysroot = rustc && hostOutput(rustc, ['--print', 'sysroot']);
  const cc = which('cc');
  if (sysroot && existsSync(join(sysroot, 'bin', 'rustc')) && cc) {
    const exe = join(sysroot, 'bin', 'rustc');
    available.rust = { language: 'rust', exe, version: (hostOutput(exe, ['--version']) ?? '?').replace('rustc ', ''), roots: sysroot.startsWith('/usr/') ? [] : [sysroot] };
  } else missing.rust = rustc ? 'rustc found but no usable sysroot or C linker (cc)' : `${s.rustc} not found`;

  const out: Toolchains = { available, missing, etcBinds: ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives'] };
  for (const e of safeReaddir('/etc')) if (e.startsWith('java-')) out.etcBinds.push(join('/etc', e));
  const iv = which('iverilog');
  const vvp = which('vvp');
  if (iv && vvp) out.iverilog = { iverilog: realpathSync(iv), vvp: realpathSync(vvp), version: (hostOutput(iv, ['-V']) ?? '').split('\n')[0] ?? '?' };
  const verilator = which('verilator');
  if (verilator) out.verilator = realpathSync(verilator);
  const yosys = which('yosys');
  if (yosys) out.yosys = realpathSync(yosys);
  return out;
}

function safeReaddir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

/** Every host directory outside /usr that some toolchain needs. */
export function toolchainRoots(t: Toolchains): string[] {
  return [...new Set(Object.values(t.available).flatMap((x) => x?.roots ?? []))];
}
