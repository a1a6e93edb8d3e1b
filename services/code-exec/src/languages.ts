// How each language's program is laid out, compiled once, and started per test inside the sandbox.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxLimits } from './sandbox/sandbox.js';
import type { Language, Toolchain } from './toolchains.js';

/** The program for one test: an argv run with /src bound read-only and a fresh tmpfs at /work. */
export interface TestProgram {
  argv: string[];
  /** False for runtimes that reserve huge address space (JVM, V8): RLIMIT_AS cannot bound them; cgroups do. */
  rlimitAs: boolean;
}

export interface CompileStep {
  argv: string[];
  rlimitAs: boolean;
}

export const COMPILED: ReadonlySet<Language> = new Set(['c', 'cpp', 'java', 'rust']);
export const ASSERT_LANGUAGES: ReadonlySet<Language> = new Set(['python', 'javascript']);

function javaClassName(code: string): string {
  return /public\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_$][\w$]*)/.exec(code)?.[1] ?? 'Main';
}

/** Writes the solution into the (compile) host dir and returns the compile step, or undefined for interpreted code. */
export function prepareCompile(lang: Language, tc: Toolchain, code: string, dir: string, limits: SandboxLimits): CompileStep | undefined {
  switch (lang) {
    case 'c':
      writeFileSync(join(dir, 'main.c'), code);
      return { argv: [tc.exe, '-O2', '-std=gnu17', '-pipe', '-o', '/work/main', '/work/main.c', '-lm'], rlimitAs: true };
    case 'cpp':
      writeFileSync(join(dir, 'main.cpp'), code);
      return { argv: [tc.exe, '-O2', '-std=gnu++17', '-pipe', '-o', '/work/main', '/work/main.cpp', '-lm'], rlimitAs: true };
    case 'rust':
      writeFileSync(join(dir, 'main.rs'), code);
      return { argv: [tc.exe, '-O', '--edition', '2021', '-C', 'codegen-units=1', '-o', '/work/main', '/work/main.rs'], rlimitAs: true };
    case 'java': {
      const cls = javaClassName(code);
      writeFileSync(join(dir, `${cls}.java`), code);
      const heap = Math.max(64, Math.floor(Math.floor(limits.memoryBytes / 1048576) / 2));
      return { argv: [tc.exe, `-J-Xmx${heap}m`, '-J-XX:+UseSerialGC', '-J-XX:TieredStopAtLevel=1', '-encoding', 'UTF-8', '-d', '/work', `/work/${cls}.java`], rlimitAs: false };
    }
    default:
      return undefined;
  }
}

/**
 * The program of a stdin/stdout test i. Interpreted languages get one file under `dir` (written once, for test 0);
 * compiled ones reuse the binary. Assert tests never run this way: a checker beside the program runs them.
 */
export function testProgram(lang: Language, tc: Toolchain, code: string, dir: string, limits: SandboxLimits): TestProgram {
  const heapMb = Math.max(64, Math.floor(Math.floor(limits.memoryBytes / 1048576) * 0.75));
  switch (lang) {
    case 'python':
      if (!existsSync(join(dir, 'main.py'))) writeFileSync(join(dir, 'main.py'), code);
      return { argv: [tc.exe, '/src/main.py'], rlimitAs: true };
    case 'javascript': {
      const file = `main.${isEsm(code) ? 'mjs' : 'cjs'}`;
      if (!existsSync(join(dir, file))) writeFileSync(join(dir, file), jsSource(code));
      return { argv: [tc.exe, `--max-old-space-size=${heapMb}`, `/src/${file}`], rlimitAs: false };
    }
    case 'c':
    case 'cpp':
    case 'rust':
      return { argv: ['/src/main'], rlimitAs: true };
    case 'java':
      return {
        argv: [tc.runExe!, `-Xmx${heapMb}m`, '-Xss64m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-cp', '/src', javaClassName(code)],
        rlimitAs: false,
      };
  }
}

/** JavaScript runs as an ES module when it uses import/export, else as CommonJS. */
export function isEsm(code: string): boolean {
  return /^\s*(import\s[^;]*from\s|import\s*['"]|export\s)/m.test(code);
}

/** The program's source as it runs: `assert` (node:assert) is a global unless the program defines one. */
export function jsSource(code: string): string {
  const prelude = isEsm(code) ? `import __vm_assert from 'node:assert';\nglobalThis.assert ??= __vm_assert;\n` : `globalThis.assert ??= require('node:assert');\n`;
  return `${prelude}${code}\n`;
}
