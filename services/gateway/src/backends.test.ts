// inProcessBackend: the kit's error model applied to a service run in this process (statuses per the kit README).
import { InvalidArgumentError, UnavailableError, type ServiceDef } from '@verimesh/kit';
import { componentStatusFromProto } from '@verimesh/proto';
import { describe, expect, it } from 'vitest';
import { verifyAll } from '../testing/index.js';
import { inProcessBackend } from './backends.js';

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

describe('inProcessBackend', () => {
  // Expected statuses follow the kit's documented error model (libs/kit README, VerifierDef.verify): InvalidArgumentError
  // -> invalid, UnavailableError -> unavailable, any other throw or a non-finite / missing outcome -> error, an unknown
  // verifier -> invalid.
  it('maps outcomes and throws to component statuses, details and metrics', async () => {
    const names = [...service.verifiers.map((v) => v.name), 't.unknown'];
    const items = names.map((verifier, k) => ({ key: String(k), verifier, response: 'r', reference_json: '{"s":0.5}', params_json: '{"p":2}' }));
    const got = (await verifyAll(inProcessBackend(service), items)).map((r) => r!);
    expect(got.map((r) => r.key)).toEqual(names.map((_, k) => String(k)));
    expect(got.map((r) => componentStatusFromProto(r.result!.status as string))).toEqual(['ok', 'ok', 'invalid', 'unavailable', 'error', 'error', 'error', 'error', 'invalid']);
    expect(got.map((r) => r.result!.score)).toEqual([0.5, 0.25, 0, 0, 0, 0, 0, 0, 0]);
    expect(got[0]!.result).toMatchObject({ score: 0.5, detail: 'p=2', metrics_json: '{"m":1}' });
    expect(got[2]!.result!.detail).toMatch(/reference\.x/);
    expect(got[3]!.result!.detail).toMatch(/T_URL/);
  });
});
