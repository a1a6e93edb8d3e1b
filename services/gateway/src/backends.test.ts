import { InvalidArgumentError, UnavailableError, type ServiceDef } from '@verimesh/kit';
import { componentStatusFromProto } from '@verimesh/proto';
import { describe, expect, it } from 'vitest';
import { inProcessBackend, localBackend } from './backends.js';

// The local path must give what the kit's runBatch (the serve() code path) gives for the same inputs:
// runBatch is the independent oracle here.
const service: ServiceDef = {
  name: 'gateway',
  version: '0',
  verifiers: [
    { name: 't.ok', description: '', params: {}, reference: {}, verify: (i) => ({ score: Number(i.reference.s ?? 1), detail: `p=${String(i.params.p)}`, metrics: { m: 1 } }) },
    { name: 't.async', description: '', params: {}, reference: {}, verify: async () => ({ score: 0.25, status: 'ok' }) },
    { name: 't.invalid', description: '', params: {}, reference: {}, verify: () => { throw new InvalidArgumentError('reference.x', 'reference.x must be set'); } },
    { name: 't.unavailable', description: '', params: {}, reference: {}, verify: () => { throw new UnavailableError('set T_URL'); } },
    { name: 't.crash', description: '', params: {}, reference: {}, verify: () => { throw new Error('boom'); } },
    { name: 't.asynccrash', description: '', params: {}, reference: {}, verify: async () => { throw new Error('later boom'); } },
    { name: 't.nan', description: '', params: {}, reference: {}, verify: () => ({ score: Number.NaN }) },
    { name: 't.null', description: '', params: {}, reference: {}, verify: () => null as never },
  ],
};

describe('localBackend agrees with the kit runBatch', () => {
  it('on scores, statuses, details and metrics', async () => {
    const names = [...service.verifiers.map((v) => v.name), 't.unknown'];
    const inputs = names.map((verifier, k) => ({ key: String(k), verifier, prompt: '', response: 'r', reference: { s: 0.5 }, params: { p: 2 }, media: [], metadata: undefined }));
    const items = inputs.map((i) => ({ key: i.key, verifier: i.verifier, response: i.response, reference_json: JSON.stringify(i.reference), params_json: JSON.stringify(i.params) }));
    const local = await localBackend(service).verifyLocal(inputs, { deadline: Date.now() + 5_000 });
    const kit = await inProcessBackend(service).verifyBatch(items, { deadline: Date.now() + 5_000 });
    expect(local.map((o) => o.status)).toEqual(['ok', 'ok', 'invalid', 'unavailable', 'error', 'error', 'error', 'error', 'invalid']);
    kit.forEach((r, k) => {
      const o = local[k]!;
      expect([names[k], o.status, o.score]).toEqual([names[k], componentStatusFromProto(r.result!.status as string), r.result!.score]);
      if (o.status === 'ok') {
        expect(o.detail).toBe(r.result!.detail);
        expect(JSON.stringify(o.metrics ?? null)).toBe(r.result!.metrics_json || 'null');
      }
    });
    expect(local[0]).toMatchObject({ score: 0.5, detail: 'p=2', metrics: { m: 1 } });
    expect(local[2]!.detail).toMatch(/reference\.x/);
  });
});
