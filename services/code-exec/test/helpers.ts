// Shared helpers for the code-exec integration suites: one real service (real sandbox) per file, small limits.
import { noopLogger, runBatch } from '@verimesh/kit';
import { createService, loadServiceConfig, type CodeExecService } from '../src/index.js';

export function makeService(env: Record<string, string> = {}): CodeExecService {
  return createService(
    loadServiceConfig({
      env: {
        VERIMESH_CODE_EXEC_TEST_TIMEOUT_MS: '3000',
        VERIMESH_CODE_EXEC_MEMORY_MB: '256',
        VERIMESH_CODE_EXEC_PROCESSES: '32',
        VERIMESH_CODE_EXEC_OUTPUT_KB: '64',
        VERIMESH_CODE_EXEC_FILE_SIZE_MB: '8',
        VERIMESH_CODE_EXEC_TMPFS_MB: '64',
        VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '2',
        VERIMESH_CODE_EXEC_ZYGOTE_PRELOAD: '',
        VERIMESH_CODE_EXEC_COMPILE_TIMEOUT_MS: '20000',
        ...env,
      },
    }),
    noopLogger,
  );
}

export interface Outcome {
  key: string;
  status: string;
  score: number;
  detail: string;
  metrics: any;
  flags?: string[];
}

export function item(key: string, verifier: string, response: string, reference: object, params: object = {}) {
  return { key, verifier, response, reference_json: JSON.stringify(reference), params_json: JSON.stringify(params), prompt: '', media: [], metadata_json: '', timeout_ms: 0 };
}

/** Runs items through the same code path VerifyBatch uses and returns plain outcomes keyed by item key. */
export async function verify(svc: CodeExecService, items: ReturnType<typeof item>[]): Promise<Record<string, Outcome>> {
  const res = await runBatch(svc, items, { deadline: Date.now() + 120_000 });
  const out: Record<string, Outcome> = {};
  for (const r of res) {
    const c = r.result!;
    out[r.key ?? ""] = {
      key: r.key ?? '',
      status: String(c.status).replace('COMPONENT_STATUS_', '').toLowerCase(),
      score: Number(c.score ?? 0),
      detail: c.detail ?? '',
      metrics: c.metrics_json ? JSON.parse(c.metrics_json) : undefined,
      flags: c.flags ?? [],
    };
  }
  return out;
}

export const fence = (lang: string, code: string): string => `Here is my solution.\n\`\`\`${lang}\n${code}\n\`\`\`\n`;
