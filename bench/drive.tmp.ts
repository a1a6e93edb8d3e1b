import * as grpc from '@grpc/grpc-js';
import { loadPackage } from '@verimesh/proto';
const c = new (loadPackage().verimesh.v1.RewardGatewayService)('127.0.0.1:50991', grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 256 << 20 });
const BODY = 'Let me look at the options carefully. '.repeat(4);
const samples = Array.from({ length: 1024 }, (_, i) => ({ id: `s-${i}`, group: `g${i >> 3}`, response: `<think>${BODY}${i}</think><answer>${i % 3 === 0 ? 'C' : 'B'}</answer>`, reference_json: '{"answer":"B"}',
  reward: { components: [{ name: 'format', verifier: 'text.format', params_json: '{"pattern":"think_answer"}', weight: 0.2 }, { name: 'exact', verifier: 'text.exact' }], combine: 'sum' } }));
const t0 = performance.now();
for (let i = 0; i < 60; i++) await new Promise((res, rej) => c.Score({ samples }, (e, r) => e ? rej(e) : res(r)));
console.log(((60 * 1024) / ((performance.now() - t0) / 1000)).toFixed(0), 'samples/s');
c.close();
