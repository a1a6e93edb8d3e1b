// What doc.kie reads (the shared reader) and its field matching, with counts worked out by hand.
import { describe, expect, it } from 'vitest';
import { readValue } from '@verimesh/extract';
import { compareKie, flattenPaths, prf } from './kie.js';

const extractJson = (text: string): unknown => readValue(text, { prefer: 'object' })?.value;

describe('the answer as doc.kie reads it', () => {
  it('reads JSON from prose, fences, trailing commas, single quotes and Python literals', () => {
    expect(extractJson('The fields are {"a": 1, "b": [1, 2,],} as requested.')).toEqual({ a: 1, b: [1, 2] });
    expect(extractJson("```json\n{'name': 'Bob', 'ok': True, 'x': None}\n```")).toEqual({ name: 'Bob', ok: true, x: null });
    expect(extractJson('no json here')).toBeUndefined();
  });
});

describe('field matching (counts by hand)', () => {
  const ref = { company: 'ACME Corp', total: '1,234.50', address: { city: 'Berlin', zip: '10115' }, items: [{ name: 'pen', qty: 2 }, { name: 'ink', qty: 1 }] };
  it('perfect match is F1 1 despite case, spacing, key style and number format', () => {
    const pred = { Company: 'acme  corp', TOTAL: 1234.5, address: { City: 'berlin', zip: 10115 }, items: [{ name: 'ink', qty: '1' }, { name: 'Pen', qty: 2 }] };
    expect(prf(compareKie(pred, ref))).toEqual({ precision: 1, recall: 1, f1: 1 });
  });
  it('lists are matched one-to-one; extra and missing fields count', () => {
    // Reference leaves: company, total, city, zip, pen, 2, ink, 1 = 8. Prediction: company (ok), total (wrong),
    // city (ok), items [{pen,2}] (2 ok), extra "note" = 6 leaves, 4 correct. P = 4/6, R = 4/8, F1 = 4/7.
    const pred = { company: 'ACME Corp', total: '99', address: { city: 'Berlin' }, items: [{ name: 'pen', qty: 2 }], note: 'x' };
    const paths = { missed: [] as string[], extra: [] as string[] };
    const c = compareKie(pred, ref, 'exact', paths);
    expect(c).toEqual({ tp: 4, pred: 6, ref: 8 });
    expect(paths.missed.sort()).toEqual(['address.zip', 'items[].name', 'items[].qty', 'total']);
    expect(paths.extra).toEqual(['note']);
    expect(prf(c).f1).toBeCloseTo(4 / 7, 12);
  });
  it('a duplicated list item matches once', () => {
    expect(compareKie({ tags: ['a', 'a'] }, { tags: ['a', 'b'] })).toEqual({ tp: 1, pred: 2, ref: 2 });
  });
  it('flattens key paths', () => {
    expect(flattenPaths(ref)).toEqual(['company', 'total', 'address.city', 'address.zip', 'items[].name', 'items[].qty', 'items[].name', 'items[].qty']);
  });
});
