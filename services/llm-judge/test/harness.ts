// Test harness: the llm-judge service served over real gRPC on 127.0.0.1:0, configured from an env map.
import * as grpc from '@grpc/grpc-js';
import { noopLogger, serve, type RunningServer } from '@verimesh/kit';
import { componentStatusFromProto, loadPackage, type ComponentStatus, type VerifierServiceClient } from '@verimesh/proto';
import { createService, loadServiceConfig } from '../src/index.js';

export interface Out {
  score: number;
  status: ComponentStatus;
  detail: string;
  metrics: Record<string, any>;
}

export interface Harness {
  call(items: object[], timeoutMs?: number): Promise<Record<string, Out>>;
  describe(): Promise<Record<string, any>>;
  close(): Promise<void>;
}

/** Quick env for one backend at `url` with fast retries (tests should not sleep through production backoffs). */
export function envFor(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return { VERIMESH_LLM_JUDGE_URL: url, VERIMESH_LLM_JUDGE_MODEL: 'test-judge', VERIMESH_LLM_JUDGE_BACKOFF_MS: '5', VERIMESH_LLM_JUDGE_MAX_RETRIES: '2', ...extra };
}

export async function startJudge(env: Record<string, string>): Promise<Harness> {
  const service = createService(loadServiceConfig({ env }), noopLogger);
  const srv: RunningServer = await serve(service, { host: '127.0.0.1', port: 0, log: noopLogger });
  const Ctor = loadPackage().verimesh.v1.VerifierService;
  const client: VerifierServiceClient = new Ctor(srv.address, grpc.credentials.createInsecure());
  return {
    call: (items, timeoutMs = 30_000) =>
      new Promise((resolve, reject) =>
        client.VerifyBatch({ items }, { deadline: Date.now() + timeoutMs }, (err, res) => {
          if (err) return reject(err);
          const out: Record<string, Out> = {};
          for (const r of res!.results ?? []) {
            const c = r.result!;
            out[r.key] = { score: c.score, status: componentStatusFromProto(c.status), detail: c.detail, metrics: c.metrics_json ? JSON.parse(c.metrics_json) : {} };
          }
          resolve(out);
        }),
      ),
    describe: () => new Promise((resolve, reject) => client.Describe({}, (e, r) => (e ? reject(e) : resolve(JSON.parse(r!.info_json || '{}'))))),
    close: async () => {
      client.close();
      await srv.shutdown(500);
    },
  };
}

/** An item for VerifyBatch. */
export function item(key: string, verifier: string, fields: { prompt?: string; response: string; reference?: object; params?: object; media?: object[]; timeout_ms?: number }): object {
  return {
    key,
    verifier,
    prompt: fields.prompt ?? '',
    response: fields.response,
    reference_json: JSON.stringify(fields.reference ?? {}),
    params_json: JSON.stringify(fields.params ?? {}),
    media: fields.media ?? [],
    timeout_ms: fields.timeout_ms ?? 0,
  };
}

/** The text between a fence's BEGIN and END lines, as the judge saw it. */
export function fenced(text: string, label: string): string | undefined {
  const b = `<<<BEGIN ${label}>>>\n`;
  const i = text.indexOf(b);
  const j = text.indexOf(`\n<<<END ${label}>>>`, i + b.length);
  return i < 0 || j < 0 ? undefined : text.slice(i + b.length, j);
}

/** The numbered criteria lines of a rubric prompt: [{id, text, pitfall}]. */
export function criteriaOf(user: string): Array<{ id: number; text: string; pitfall: boolean }> {
  const block = user.split('CRITERIA:\n')[1]?.split('\n\n')[0] ?? '';
  return block
    .split('\n')
    .map((l) => /^(\d+)\. (\(pitfall\) )?(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ id: Number(m[1]), pitfall: m[2] !== undefined, text: m[3]! }));
}
