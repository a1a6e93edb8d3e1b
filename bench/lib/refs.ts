// Reference implementations measured in the same run as ours: pycocotools (cocodataset/cocoapi PythonAPI),
// PubTabNet's TEDS (src/metric.py with apted) and huggingface/Math-Verify (with latex2sympy2_extended), built outside the repository (bench/RESULTS.md, "References").
// Found under VERIMESH_REFS_DIR (default /work/refs); a benchmark whose reference is missing prints one line and
// skips that comparison. Each reference runs as one Python process (bench/lib/refs/driver.py) answering timing
// requests on the same inputs, so its figures and ours come from the same run and can be interleaved.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type RefKind = 'pycocotools' | 'teds' | 'math-verify';

export const refsDir = (): string => process.env.VERIMESH_REFS_DIR || '/work/refs';
/** Debian's python3 sees python3-numpy / python3-lxml / python3-distance; the pyenv python3 on PATH does not. */
const python = (): string => process.env.VERIMESH_REFS_PYTHON || '/usr/bin/python3';

/** PYTHONPATH entries of a reference, or why it is not there. */
function locate(kind: RefKind): { path: string[] } | { missing: string } {
  const root = refsDir();
  if (kind === 'pycocotools') {
    const api = join(root, 'cocoapi', 'PythonAPI');
    const pkg = join(api, 'pycocotools');
    const built = existsSync(pkg) && readdirSync(pkg).some((f) => f.startsWith('_mask') && f.endsWith('.so'));
    return built ? { path: [api] } : { missing: `${pkg}/_mask*.so` };
  }
  if (kind === 'math-verify') {
    const mv = join(root, 'math-verify', 'src');
    const l2s = join(root, 'latex2sympy2_extended', 'src');
    if (!existsSync(join(mv, 'math_verify', 'grader.py'))) return { missing: join(mv, 'math_verify', 'grader.py') };
    const parser = join(l2s, 'latex2sympy2_extended', 'gen', 'antlr4_9_3', 'PSParser.py');
    return existsSync(parser) ? { path: [mv, l2s] } : { missing: parser };
  }
  const src = join(root, 'PubTabNet', 'src');
  const apted = join(root, 'apted');
  if (!existsSync(join(src, 'metric.py'))) return { missing: join(src, 'metric.py') };
  if (!existsSync(join(apted, 'apted', 'apted.py'))) return { missing: join(apted, 'apted', 'apted.py') };
  return { path: [src, apted] };
}

export interface RefProcess {
  kind: RefKind;
  /** One request to the driver; rejects with the driver's error text. */
  call<T>(req: Record<string, unknown>): Promise<T>;
  close(): void;
}

/** Starts the reference's driver, or returns the line to print when it is not available. */
export async function startRef(kind: RefKind): Promise<RefProcess | string> {
  const where = locate(kind);
  const skip = (why: string): string =>
    `reference ${kind}: ${why}; skipped (build it as bench/RESULTS.md "References" says, or set VERIMESH_REFS_DIR)`;
  if ('missing' in where) return skip(`not found (${where.missing})`);
  const driver = join(dirname(fileURLToPath(import.meta.url)), 'refs', 'driver.py');
  const child: ChildProcess = spawn(python(), [driver, kind], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONPATH: where.path.join(':'), PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string | undefined) => void> = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  child.on('exit', () => {
    for (const w of waiting.splice(0)) w(undefined);
  });
  const next = (): Promise<string | undefined> => new Promise((resolve) => waiting.push(resolve));
  const ready = await next();
  if (ready === undefined) return skip(`its driver did not start (${python()}: ${stderr.trim().split('\n').pop() ?? 'no output'})`);
  return {
    kind,
    async call<T>(req: Record<string, unknown>): Promise<T> {
      const answer = next();
      child.stdin!.write(`${JSON.stringify(req)}\n`);
      const line = await answer;
      if (line === undefined) throw new Error(`reference ${kind} exited: ${stderr.trim()}`);
      const res = JSON.parse(line) as T & { error?: string };
      if (res.error) throw new Error(`reference ${kind}: ${res.error}`);
      return res;
    },
    close: () => {
      child.stdin!.end();
      child.kill();
    },
  };
}
