// RewardSpec validation (messages name the field), stages, defaults and combine modes against hand-computed values.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@verimesh/kit';
import { SpecCache, combineScores, compileSpec } from './spec.js';

const c = (verifier: string, extra: Record<string, unknown> = {}) => ({ verifier, ...extra });

describe('compileSpec: validation names the field', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', 5, /^reward must be an object/],
    ['no components', { components: [] }, /reward\.components must hold 1 to 32/],
    ['33 components', { components: Array.from({ length: 33 }, (_, i) => c('text.exact', { name: `c${i}` })) }, /reward\.components must hold 1 to 32/],
    ['unknown verifier', { components: [c('text.nope')] }, /reward\.components\[0\]\.verifier names an unknown verifier "text\.nope"/],
    ['missing verifier', { components: [{ name: 'x' }] }, /reward\.components\[0\]\.verifier is required/],
    ['weight NaN', { components: [c('text.exact', { weight: Number.NaN })] }, /reward\.components\[0\]\.weight must be a finite number, got NaN/],
    ['weight string', { components: [c('text.exact', { weight: '1' })] }, /reward\.components\[0\]\.weight must be a finite number/],
    ['weight Infinity', { components: [c('text.exact', { weight: Infinity })] }, /weight must be a finite number, got Infinity/],
    ['duplicate names', { components: [c('text.exact'), c('text.exact')] }, /reward\.components\[1\]\.name "text\.exact" is used twice/],
    ['gate without min', { components: [c('text.exact', { gate: { value: 1 } })] }, /reward\.components\[0\]\.gate\.min must be a finite number/],
    ['gate extra key', { components: [c('text.exact', { gate: { min: 1, max: 2 } })] }, /reward\.components\[0\]\.gate\.max is not a gate field/],
    ['timeout 0', { components: [c('text.exact', { timeout_ms: 0 })] }, /reward\.components\[0\]\.timeout_ms must be an integer from 1/],
    ['timeout float', { components: [c('text.exact', { timeout_ms: 1.5 })] }, /timeout_ms must be an integer/],
    ['on_error string', { components: [c('text.exact', { on_error: { score: 'x' } })] }, /reward\.components\[0\]\.on_error\.score must be a finite number/],
    ['params array', { components: [c('text.exact', { params: [1] })] }, /reward\.components\[0\]\.params must be an object/],
    ['reference string', { components: [c('text.exact', { reference: 'a' })] }, /reward\.components\[0\]\.reference must be an object/],
    ['typo key', { components: [c('text.exact', { on_eror: {} })] }, /reward\.components\[0\]\.on_eror is not a component field/],
    ['bad combine', { components: [c('text.exact')], combine: 'avg' }, /reward\.combine must be "sum", "mean", "min", "product" or \{"formula"/],
    ['bad formula', { components: [c('text.exact')], combine: { formula: 'process.exit()' } }, /reward\.combine\.formula is not a valid formula: "process\.exit" is not a function/],
    ['formula unknown name', { components: [c('text.exact')], combine: { formula: 'iou * 2' } }, /unknown component "iou"/],
  ];
  for (const [what, spec, re] of cases) it(what, () => expect(() => compileSpec(spec)).toThrow(re));
});

describe('compileSpec: stages', () => {
  it('ends a stage at each gated component', () => {
    const s = compileSpec({
      components: [c('text.format', { gate: { min: 1 } }), c('text.exact'), c('vision.box_iou', { gate: { min: 0.5 } }), c('vision.point')],
    });
    expect(s.stages).toEqual([[0], [1, 2], [3]]);
    expect(compileSpec({ components: [c('text.exact'), c('text.format')] }).stages).toEqual([[0, 1]]);
    // A gate on the last component does not open an empty stage.
    expect(compileSpec({ components: [c('text.exact'), c('text.format', { gate: { min: 1 } })] }).stages).toEqual([[0, 1]]);
  });
  it('fills defaults: name = verifier, weight 1, on_error 0, gate value 0', () => {
    const s = compileSpec({ components: [c('text.exact', { gate: { min: 0.5 } })] });
    expect(s.components[0]).toMatchObject({ name: 'text.exact', weight: 1, onError: 0, gate: { min: 0.5, value: 0 }, service: 'gateway' });
  });
});

describe('combineScores (hand-computed)', () => {
  const spec = (combine: unknown, weights = [1, 0.5, 2]) =>
    compileSpec({ components: weights.map((w, i) => c('text.exact', { name: `c${i}`, weight: w })), combine });
  const s = [0.8, 0.4, -0.5];
  it('sum = Σ wᵢsᵢ', () => expect(combineScores(spec('sum'), s)).toBeCloseTo(0.8 + 0.2 - 1.0, 12));
  it('default is sum', () => expect(combineScores(spec(undefined), s)).toBeCloseTo(0, 12));
  it('mean = Σ wᵢsᵢ / Σ|wᵢ|', () => {
    expect(combineScores(spec('mean'), s)).toBeCloseTo(0 / 3.5, 12);
    expect(combineScores(spec('mean', [1, -1, 2]), s)).toBeCloseTo((0.8 - 0.4 - 1.0) / 4, 12);
    expect(combineScores(spec('mean', [0, 0, 0]), s)).toBe(0);
  });
  it('min ignores weights but leaves out weight-0 components', () => {
    expect(combineScores(spec('min'), s)).toBe(-0.5);
    expect(combineScores(spec('min', [1, 1, 0]), s)).toBe(0.4);
  });
  it('product multiplies scores of non-zero-weight components', () => {
    expect(combineScores(spec('product'), s)).toBeCloseTo(0.8 * 0.4 * -0.5, 12);
    expect(combineScores(spec('product', [1, 1, 0]), s)).toBeCloseTo(0.32, 12);
  });
  it('formula over names', () => {
    expect(combineScores(spec({ formula: 'c0 * (0.8*c1 + 0.2)' }), s)).toBeCloseTo(0.8 * (0.32 + 0.2), 12);
  });
});

describe('SpecCache', () => {
  it('is an LRU: a spec in use survives a stream of one-off specs (FIFO would drop it)', () => {
    const cache = new SpecCache(3);
    let builds = 0;
    const build = () => {
      builds++;
      return compileSpec({ components: [c('text.exact')] });
    };
    cache.get('hot', build);
    for (let i = 0; i < 10; i++) {
      cache.get(`one-off-${i}`, build);
      cache.get('hot', build);
    }
    expect(builds).toBe(11); // hot built once, each one-off once
    cache.get('one-off-0', build); // long evicted
    expect(builds).toBe(12);
  });

  it('remembers a spec that failed to compile and throws its error again without rebuilding', () => {
    const cache = new SpecCache(2);
    let builds = 0;
    const bad = () => {
      builds++;
      return compileSpec({ components: [] });
    };
    expect(() => cache.get('bad', bad)).toThrow(InvalidArgumentError);
    expect(() => cache.get('bad', bad)).toThrow(/reward\.components must hold 1 to 32/);
    expect(builds).toBe(1);
  });
});

