import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackage, type VerifierServiceClient } from '@verimesh/proto';
import { InvalidArgumentError, UnavailableError, errorDetails, noopLogger, serve, type RunningServer, type ServiceDef } from '../src/index.js';

const service: ServiceDef = {
  name: 'echo',
  version: '0.0.1',
  info: () => ({ mode: 'test' }),
  verifiers: [
    {
      name: 'echo.len',
      description: 'score = response length / params.scale',
      params: { scale: 'divisor (default 1)' },
      reference: {},
      verify: (input) => {
        const scale = input.params.scale ?? 1;
        if (typeof scale !== 'number' || scale <= 0) throw new InvalidArgumentError('params.scale', 'params.scale must be a positive number');
        return { score: input.response.length / scale, detail: `len ${input.response.length}`, metrics: { ref: input.reference } };
      },
    },
    { name: 'echo.down', description: 'always unavailable', params: {}, reference: {}, verify: () => { throw new UnavailableError('backend not configured: set ECHO_URL'); } },
    { name: 'echo.hang', description: 'never returns', params: {}, reference: {}, verify: (_i, ctx) => new Promise((_, rej) => ctx.signal.addEventListener('abort', () => rej(ctx.signal.reason))) },
    { name: 'echo.nan', description: 'returns NaN', params: {}, reference: {}, verify: () => ({ score: Number.NaN }) },
  ],
};

let srv: RunningServer;
let client: VerifierServiceClient;
beforeAll(async () => {
  srv = await serve(service, { host: '127.0.0.1', port: 0, maxInFlight: 10, log: noopLogger });
  const Ctor = loadPackage().verimesh.v1.VerifierService;
  client = new Ctor(srv.address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await srv.shutdown(1000);
});

const call = (items: object[], timeoutMs = 5000) =>
  new Promise<{ err: grpc.ServiceError | null; res: any }>((resolve) =>
    client.VerifyBatch({ items }, { deadline: Date.now() + timeoutMs }, (err, res) => resolve({ err, res })),
  );

describe('kit serve()', () => {
  it('verifies a batch with one result per item and maps errors to statuses', async () => {
    const { err, res } = await call([
      { key: 'a', verifier: 'echo.len', response: 'abcd', params_json: '{"scale":2}', reference_json: '{"x":1}' },
      { key: 'b', verifier: 'echo.len', response: 'abcd', params_json: '{"scale":-1}' },
      { key: 'c', verifier: 'nope', response: '' },
      { key: 'd', verifier: 'echo.down', response: '' },
      { key: 'e', verifier: 'echo.hang', response: '', timeout_ms: 50 },
      { key: 'f', verifier: 'echo.nan', response: '' },
      { key: 'g', verifier: 'echo.len', response: '', params_json: '{bad' },
    ]);
    expect(err).toBeNull();
    const byKey = Object.fromEntries(res.results.map((r: any) => [r.key, r.result]));
    expect(byKey.a.score).toBe(2);
    expect(byKey.a.status).toBe('COMPONENT_STATUS_OK');
    expect(JSON.parse(byKey.a.metrics_json)).toEqual({ ref: { x: 1 } });
    expect(byKey.b.status).toBe('COMPONENT_STATUS_INVALID');
    expect(byKey.b.detail).toContain('params.scale');
    expect(byKey.c.status).toBe('COMPONENT_STATUS_INVALID');
    expect(byKey.d.status).toBe('COMPONENT_STATUS_UNAVAILABLE');
    expect(byKey.d.detail).toContain('ECHO_URL');
    expect(byKey.e.status).toBe('COMPONENT_STATUS_TIMEOUT');
    expect(byKey.f.status).toBe('COMPONENT_STATUS_ERROR');
    expect(byKey.g.status).toBe('COMPONENT_STATUS_INVALID');
    expect(byKey.g.detail).toContain('params');
  });

  it('refuses more items than the admission limit with RESOURCE_EXHAUSTED', async () => {
    const items = Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, verifier: 'echo.len', response: 'x' }));
    const { err } = await call(items);
    expect(err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('rejects duplicate keys with INVALID_ARGUMENT naming the field in ErrorInfo', async () => {
    const { err } = await call([{ key: 'a', verifier: 'echo.len' }, { key: 'a', verifier: 'echo.len' }]);
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const d = errorDetails(err!);
    expect(d.reason).toBe('INVALID_FIELD');
    expect(d.field).toBe('items.key');
  });

  it('describes its verifiers', async () => {
    const res = await new Promise<any>((resolve, reject) => client.Describe({}, (e, r) => (e ? reject(e) : resolve(r))));
    expect(res.service).toBe('echo');
    expect(res.verifiers.map((v: any) => v.name)).toContain('echo.len');
    expect(JSON.parse(res.info_json)).toEqual({ mode: 'test' });
  });
});
