import { Gateway } from './src/index.js';
import { toResultProto } from './src/results.js';
const g = new Gateway({ backends: {} });
const BODY = 'Let me look at the options carefully. '.repeat(4);
const mk = (n: number) => Array.from({ length: n }, (_, i) => ({
  id: `s-${i}`, group: `g${i >> 3}`, prompt: '', profile: '', media: [], metadata_json: '',
  response: `<think>${BODY}${i}</think><answer>${i % 3 === 0 ? 'C' : 'B'}</answer>`,
  reference_json: '{"answer":"B"}',
  reward: { components: [
    { name: 'format', verifier: 'text.format', params_json: '{"pattern":"think_answer"}', weight: 0.2, reference_json: '', gate: null, on_error: null },
    { name: 'exact', verifier: 'text.exact', params_json: '', reference_json: '', gate: null, on_error: null }], combine: 'sum', formula: '' },
}));
const batch = mk(1024) as any;
for (let i = 0; i < 20; i++) await g.scoreInternal({ kind: 'proto', samples: batch });
const t0 = performance.now();
const N = 50;
for (let i = 0; i < N; i++) { const r = await g.scoreInternal({ kind: 'proto', samples: batch }); r.map(toResultProto); }
const ms = (performance.now() - t0) / N;
console.log(`per batch ${ms.toFixed(2)} ms, ${(1024 / ms * 1000).toFixed(0)} samples/s`);
