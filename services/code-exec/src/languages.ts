// How each language's program is laid out, compiled once, and started per test inside the sandbox.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxLimits } from './sandbox/sandbox.js';
import type { Language, Toolchain } from './toolchains.js';

/** The program for one test: an argv run with /src bound read-only and a fresh tmpfs at /work. */
export interface TestProgram {
  argv: string[];
  /** Expected completion sentinel on fd 3 (assert tests). */
  nonce?: string;
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

/** A Python test's program: the solution, then the assert snippet when there is one (zygote and one-off path alike). */
export function pythonTestSource(code: string, assertCode: string | undefined): string {
  return assertCode === undefined ? code : `${code}\n\n${assertCode}\n`;
}

const PY_HARNESS = `import os, sys
path, nonce = sys.argv[1], sys.argv[2]
del sys.argv[1:]
sys.argv[0] = path
src = open(path).read()
g = {'__name__': '__main__', '__file__': path, '__builtins__': __builtins__}
exec(compile(src, path, 'exec'), g)
sys.stdout.flush()
os.write(3, nonce.encode())
`;

/**
 * The program of test i. Interpreted languages get one file per test under `dir` (solution + assert snippet);
 * compiled ones reuse the binary. `assertCode` is undefined for stdin/stdout tests.
 */
export function testProgram(lang: Language, tc: Toolchain, code: string, dir: string, i: number, assertCode: string | undefined, limits: SandboxLimits): TestProgram {
  const nonce = assertCode === undefined ? undefined : randomBytes(16).toString('hex');
  const heapMb = Math.max(64, Math.floor(Math.floor(limits.memoryBytes / 1048576) * 0.75));
  switch (lang) {
    case 'python': {
      writeFileSync(join(dir, `t${i}.py`), pythonTestSource(code, assertCode));
      if (nonce) {
        writeFileSync(join(dir, 'harness.py'), PY_HARNESS);
        return { argv: [tc.exe, '/src/harness.py', `/src/t${i}.py`, nonce], nonce, rlimitAs: true };
      }
      return { argv: [tc.exe, `/src/t${i}.py`], rlimitAs: true };
    }
    case 'javascript': {
      const esm = /^\s*(import\s[^;]*from\s|import\s*['"]|export\s)/m.test(code);
      const file = `t${i}.${esm ? 'mjs' : 'cjs'}`;
      const prelude = esm ? `import __vm_assert from 'node:assert';\nglobalThis.assert ??= __vm_assert;\n` : `globalThis.assert ??= require('node:assert');\n`;
      const tail = nonce ? (esm ? `\n;(await import('node:fs')).writeSync(3, ${JSON.stringify(nonce)});\n` : `\n;require('node:fs').writeSync(3, ${JSON.stringify(nonce)});\n`) : '\n';
      writeFileSync(join(dir, file), `${prelude}${code}\n;\n${assertCode ?? ''}${tail}`);
      return { argv: [tc.exe, `--max-old-space-size=${heapMb}`, `/src/${file}`], nonce, rlimitAs: false };
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
