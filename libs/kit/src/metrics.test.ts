// The metrics registry renders what a strict Prometheus text parser (kit testing, written from the format) reads back.
import { describe, expect, it } from 'vitest';
import { parsePrometheus, sampleValue } from '../testing/index.js';
import { MAX_SERIES, Registry, addProcessMetrics } from './metrics.js';

describe('Registry', () => {
  it('counters, gauges and histograms in text format 0.0.4', () => {
    const r = new Registry();
    const c = r.counter('t_calls_total', 'Calls\nby code', ['service', 'code']);
    const g = r.gauge('t_depth', 'Depth', ['service']);
    const h = r.histogram('t_seconds', 'Time', ['verifier'], [0.1, 1]);
    c.inc2('a', 'OK');
    c.inc2('a', 'OK');
    c.inc(['a', 'say "hi"\\\n'], 3);
    c.touch(['b', 'OK']);
    g.set1('a', 7);
    g.add1('a', -2);
    for (const v of [0.05, 0.5, 0.5, 3]) h.observe1('v.x', v);
    const fams = parsePrometheus(r.render());
    expect(fams.get('t_calls_total')).toMatchObject({ type: 'counter', help: 'Calls\\nby code' });
    expect(sampleValue(fams, 't_calls_total', { service: 'a', code: 'OK' })).toBe(2);
    expect(sampleValue(fams, 't_calls_total', { service: 'a', code: 'say "hi"\\\n' })).toBe(3);
    expect(sampleValue(fams, 't_calls_total', { service: 'b', code: 'OK' })).toBe(0);
    expect(sampleValue(fams, 't_depth', { service: 'a' })).toBe(5);
    // Cumulative buckets computed by hand: <= 0.1: 1, <= 1: 3, +Inf: 4.
    expect([0.1, 1, Infinity].map((le) => sampleValue(fams, 't_seconds_bucket', { verifier: 'v.x', le: le === Infinity ? '+Inf' : String(le) }))).toEqual([1, 3, 4]);
    expect(sampleValue(fams, 't_seconds_sum', { verifier: 'v.x' })).toBeCloseTo(4.05, 12);
    expect(sampleValue(fams, 't_seconds_count', { verifier: 'v.x' })).toBe(4);
    expect(h.count(['v.x'])).toBe(4);
  });

  it('unbounded label values fold into _other; a name registered twice is an error', () => {
    const r = new Registry();
    const c = r.counter('t_by_name_total', 'By name', ['name']);
    for (let i = 0; i < MAX_SERIES + 20; i++) c.inc1(`n${i}`);
    const fams = parsePrometheus(r.render());
    expect(fams.get('t_by_name_total')!.samples).toHaveLength(MAX_SERIES + 1);
    expect(sampleValue(fams, 't_by_name_total', { name: '_other' })).toBe(20);
    expect(() => r.gauge('t_by_name_total', 'again')).toThrow(/registered twice/);
  });

  it('collectors run at every render; process metrics move', () => {
    const r = new Registry();
    const g = r.gauge('t_live', 'Live');
    let n = 1;
    r.onCollect(() => g.set([], n));
    addProcessMetrics(r);
    const first = parsePrometheus(r.render());
    expect(sampleValue(first, 't_live')).toBe(1);
    n = 9;
    let x = 0;
    for (let i = 0; i < 3e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    const second = parsePrometheus(r.render());
    expect(sampleValue(second, 't_live')).toBe(9);
    expect(sampleValue(second, 'process_cpu_seconds_total')!).toBeGreaterThan(sampleValue(first, 'process_cpu_seconds_total')!);
    expect(sampleValue(second, 'process_resident_memory_bytes')!).toBeGreaterThan(10e6);
  });
});

describe('parsePrometheus (the test parser itself)', () => {
  it('rejects what a scraper would reject', () => {
    const bad = [
      'x 1\n', // no TYPE
      '# TYPE x counter\nx{a="1} 1\n', // unterminated label
      '# TYPE x counter\nx -1\n', // negative counter
      '# TYPE x gauge\nx 1\nx 2\n', // same series twice
      '# TYPE x gauge\nx one\n', // bad value
      '# TYPE x gauge\n# TYPE y gauge\nx 1\n', // outside its block
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
      '# TYPE x gauge\nx 1', // no final newline
      '# TYPE x gauge\nx{a="\\t"} 1\n', // bad escape
    ];
    for (const text of bad) expect(() => parsePrometheus(text), text).toThrow();
    expect(sampleValue(parsePrometheus('# HELP x X\n# TYPE x gauge\nx{a="b"} +Inf\n'), 'x', { a: 'b' })).toBe(Infinity);
  });
});
