// The OpenRLHF translation against the cases the Python hook is tested on (one fixture for both).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPECIAL_TOKENS, getRewardOptions, getRewardSamples, labelFields, responseOf } from './openrlhf.js';

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../../clients/python/tests/fixtures/openrlhf_cases.json'), 'utf8')) as {
  special_tokens: string[];
  cases: { name: string; prompt: string; query: string; response: string }[];
};

describe('POST /get_reward translation', () => {
  it('has the same default special tokens as the Python hook', () => {
    expect([...DEFAULT_SPECIAL_TOKENS]).toEqual(fixture.special_tokens);
  });

  for (const c of fixture.cases) {
    it(`strips the chat template: ${c.name}`, () => {
      expect(responseOf(c.query, c.prompt)).toBe(c.response);
    });
  }

  it('reads labels as JSON sample fields, JSON references or plain answers', () => {
    expect(labelFields('{"profile": "mc", "reference": {"answer": "B"}}', 'x')).toEqual({ profile: 'mc', reference: { answer: 'B' } });
    expect(labelFields('{"answer": "B"}', 'mc')).toEqual({ reference: { answer: 'B' }, profile: 'mc' });
    expect(labelFields('42', 'mc')).toEqual({ reference: { answer: '42' }, profile: 'mc' });
    expect(labelFields('[1, 2]', undefined)).toEqual({ reference: { answer: '[1, 2]' } });
  });

  it('refuses malformed bodies naming the field', () => {
    const opts = getRewardOptions(new URLSearchParams('profile=mc'));
    expect(() => getRewardSamples({ query: 'x' }, opts)).toThrow(/query: must be a list/);
    expect(() => getRewardSamples({ query: ['a', 'b'], labels: ['x'] }, opts)).toThrow(/labels: has 1 entries for 2 queries/);
    expect(() => getRewardOptions(new URLSearchParams('on_invalid=ignore'))).toThrow(/on_invalid/);
    expect(getRewardSamples({ query: ['<|im_start|>assistant\nhi<|im_end|>'], labels: ['hi'] }, opts)).toEqual([{ id: '0', response: 'hi', reference: { answer: 'hi' }, profile: 'mc' }]);
  });
});
