// Every service answers grpc.health.v1 and server reflection (grpcurl / grpc_cli work against it without proto files).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noopLogger, serve, type RunningServer } from '../src/index.js';

const require = createRequire(import.meta.url);
const reflectionProto = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');

let srv: RunningServer;
beforeAll(async () => {
  srv = await serve({ name: 'probe', version: '0', verifiers: [] }, { host: '127.0.0.1', port: 0, log: noopLogger });
});
afterAll(() => srv.shutdown(100));

describe('health and reflection', () => {
  it('lists verimesh.v1.VerifierService through server reflection', async () => {
    const def = protoLoader.loadSync(reflectionProto, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    const pkg = grpc.loadPackageDefinition(def) as any;
    const client = new pkg.grpc.reflection.v1.ServerReflection(srv.address, grpc.credentials.createInsecure());
    const names = await new Promise<string[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      call.on('data', (res: any) => {
        resolve((res.list_services_response?.service ?? []).map((s: { name: string }) => s.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '*' });
    });
    client.close();
    expect(names).toContain('verimesh.v1.VerifierService');
    expect(names).toContain('verimesh.v1.RewardGatewayService');
  });

  it('answers grpc.health.v1 Check with SERVING', async () => {
    const { protoPath } = await import('grpc-health-check');
    const def = protoLoader.loadSync(protoPath, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    const pkg = grpc.loadPackageDefinition(def) as any;
    const client = new pkg.grpc.health.v1.Health(srv.address, grpc.credentials.createInsecure());
    const check = (service: string) =>
      new Promise<string>((resolve, reject) => client.Check({ service }, (e: Error | null, r: { status: string }) => (e ? reject(e) : resolve(r.status))));
    expect(await check('')).toBe('SERVING');
    expect(await check('verimesh.v1.VerifierService')).toBe('SERVING');
    client.close();
  });
});
