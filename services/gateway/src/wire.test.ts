// JSON <-> proto for samples, specs and results: field by field against hand-written proto messages.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@verimesh/kit';
import type { RewardSpec__Output } from '@verimesh/proto';
import { resultFromProto } from './results.js';
import { compileSpec } from './spec.js';
import { sampleToProto } from './preflight.js';
import { rewardSpecFromProto, rewardSpecToProto } from './wire.js';

describe('sampleToProto', () => {
  it('carries every SPEC field, free-form parts as JSON text', () => {
    const proto = sampleToProto({
      id: 's',
      group: 'g',
      prompt: 'p',
      response: 'r',
      reference: { answer: 'B' },
      metadata: { k: 1 },
      media: [{ kind: 'image', uri: 'examples/media/cat.png' }],
      reward: {
        components: [{ name: 'f', verifier: 'text.format', weight: 0.5, params: { pattern: 'think_answer' }, gate: { min: 1 }, timeout_ms: 100, on_error: { score: -1 } }],
        combine: { formula: 'f * 2' },
      },
    });
    expect(proto).toEqual({
      id: 's',
      group: 'g',
      prompt: 'p',
      response: 'r',
      reference_json: '{"answer":"B"}',
      metadata_json: '{"k":1}',
      media: [{ kind: 'image', role: 'input', uri: 'examples/media/cat.png' }],
      reward: {
        components: [
          { name: 'f', verifier: 'text.format', weight: 0.5, reference_json: '', params_json: '{"pattern":"think_answer"}', gate: { min: 1 }, timeout_ms: 100, on_error: { score: -1 } },
        ],
        formula: 'f * 2',
      },
    });
    expect(sampleToProto({ id: 'p', response: 'r', profile: 'refcoco' })).toEqual({ id: 'p', response: 'r', profile: 'refcoco' });
  });
  it("refuses what the gateway refuses, with the gateway's message (values the proto cannot carry among them)", () => {
    expect(() => sampleToProto({ id: 's', response: 5 })).toThrow(InvalidArgumentError);
    expect(() => sampleToProto({ id: 's', response: 'r', reward: { components: [{ verifier: 'text.exact', weight: 'heavy' }] } })).toThrow(
      /^reward\.components\[0\]\.weight must be a finite number, got "heavy"$/,
    );
    expect(() => sampleToProto({ id: 's', response: 'r', reward: { components: [{ verifier: 'text.exact', on_eror: {} }] } })).toThrow(/on_eror is not a component field/);
    expect(() => sampleToProto({ id: 's', response: 'r', reward: { components: [{ verifier: 'text.exact' }] }, reference: [1] })).toThrow(/^reference must be an object$/);
  });
});

describe('resultFromProto', () => {
  it('maps enums, parses JSON text and turns an empty error into null', () => {
    expect(
      resultFromProto({
        id: 's',
        reward: 0.5,
        status: 'RESULT_STATUS_PARTIAL',
        error: '',
        metadata_json: '{"k":1}',
        flags: [],
        components: [
          { name: 'a', score: 1, status: 'COMPONENT_STATUS_OK', detail: 'fine', metrics_json: '{"iou":0.9}', latency_ms: 1.5, flags: [], weight: 0.5, contribution: 0.5 },
          { name: 'b', score: 0, status: 'COMPONENT_STATUS_UNAVAILABLE', detail: '', metrics_json: '', latency_ms: 0, flags: [], weight: 1 },
        ],
      }),
    ).toEqual({
      id: 's',
      reward: 0.5,
      status: 'partial',
      error: null,
      flags: [],
      metadata: { k: 1 },
      components: {
        a: { score: 1, status: 'ok', weight: 0.5, contribution: 0.5, detail: 'fine', metrics: { iou: 0.9 }, latency_ms: 1.5 },
        b: { score: 0, status: 'unavailable', weight: 1, contribution: null, latency_ms: 0 }, // unset contribution = null
      },
    });
  });
});

describe('rewardSpecToProto and rewardSpecFromProto', () => {
  it('are inverses on a spec that uses every field', () => {
    const spec = {
      components: [
        { name: 'f', verifier: 'text.format', weight: 0.5, params: { pattern: 'think_answer' }, gate: { min: 1, value: -1 }, timeout_ms: 100, on_error: { score: -1 } },
        { name: 'a', verifier: 'text.exact', reference: { answer: 'B' } },
      ],
      combine: { formula: 'f * a' },
    };
    const back = rewardSpecFromProto(rewardSpecToProto(spec) as RewardSpec__Output);
    expect(back).toEqual(spec);
    expect(compileSpec(back).stages).toEqual([[0], [1]]);
    expect(rewardSpecFromProto(rewardSpecToProto({ components: [{ verifier: 'text.exact' }], combine: 'mean' }) as RewardSpec__Output)).toEqual({ components: [{ verifier: 'text.exact' }], combine: 'mean' });
  });
  it('names the field of bad JSON text in a proto spec', () => {
    expect(() => rewardSpecFromProto({ components: [{ verifier: 'text.exact', params_json: '{oops' }] } as never)).toThrow(/reward\.components\[0\]\.params_json is not valid JSON/);
  });
});
