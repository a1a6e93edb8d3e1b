// Measures free-form fields as JSON text against google.protobuf.Struct over one real grpc-js hop (SPEC section 5's choice).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { machineLine } from './lib/machine.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type StructValue = { nullValue?: 0; numberValue?: number; stringValue?: string; boolValue?: boolean; structValue?: Struct; listValue?: { values: StructValue[] } };
type Struct = { fields: Record<string, StructValue> };

const toValue = (v: Json): StructValue => {
  if (v === null) return { nullValue: 0 };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v) };
};
const toStruct = (o: Record<string, Json>): Struct => ({ fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)])) });
const fromValue = (v: StructValue): Json => {
  if (v.numberValue !== undefined) return v.numberValue;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.listValue) return (v.listValue.values ?? []).map(fromValue);
  if (v.structValue) return fromStruct(v.structValue);
  return null;
};
const fromStruct = (s: Struct): Record<string, Json> => Object.fromEntries(Object.entries(s.fields ?? {}).map(([k, v]) => [k, fromValue(v)]));

const def = protoLoader.loadSync(fileURLToPath(new URL('./freeform.proto', import.meta.url)), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const pkg = grpc.loadPackageDefinition(def) as any;
const Svc = pkg.bench.v1.FreeformEchoService;

// A realistic vision/text sample: a reference with a box list and an answer, params with a few knobs.
const reference = { boxes: [[12, 18, 108, 221], [30, 40, 50, 60]], answer: 'B', width: 640, height: 480, label: 'red cup' };
const params = { coords: 'absolute', threshold: 0.5, extract: 'auto', partial_credit: true };
const N = 1024;
const ROUNDS = Number(process.env.ROUNDS ?? 40);

async function main(): Promise<void> {
  const server = new grpc.Server();
  server.addService(Svc.service, {
    // The server does what a verifier service does with free-form parts: turn them into plain objects, then reply.
    EchoJson: (call: any, cb: any) => {
      for (const it of call.request.items) {
        JSON.parse(it.reference_json);
        JSON.parse(it.params_json);
      }
      cb(null, call.request);
    },
    EchoStruct: (call: any, cb: any) => {
      for (const it of call.request.items) {
        fromStruct(it.reference);
        fromStruct(it.params);
      }
      cb(null, call.request);
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  const client = new Svc(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 });
  const call = (method: string, req: unknown) => new Promise((res, rej) => client[method](req, (e: Error | null, r: unknown) => (e ? rej(e) : res(r))));

  const run = async (label: string, method: string, build: () => unknown): Promise<number> => {
    for (let i = 0; i < 5; i++) await call(method, build()); // warm-up
    const t0 = performance.now();
    for (let r = 0; r < ROUNDS; r++) await call(method, build());
    const rate = (ROUNDS * N) / ((performance.now() - t0) / 1000);
    console.log(`${label.padEnd(8)} ${Math.round(rate).toLocaleString('en-US')} samples/s`);
    return rate;
  };
  const items = (i: number) => ({ key: `s-${i}`, response: '<answer>[10,20,110,220]</answer>' });
  const json = await run('json', 'EchoJson', () => ({
    items: Array.from({ length: N }, (_, i) => ({ ...items(i), reference_json: JSON.stringify(reference), params_json: JSON.stringify(params) })),
  }));
  const struct = await run('struct', 'EchoStruct', () => ({
    items: Array.from({ length: N }, (_, i) => ({ ...items(i), reference: toStruct(reference), params: toStruct(params) })),
  }));
  console.log(`json/struct ratio ${(json / struct).toFixed(2)}`);
  console.log(machineLine());
  client.close();
  server.forceShutdown();
}

void main();
