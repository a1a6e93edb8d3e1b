// JSONL input: every non-blank line yields either a sample or an invalid result named line-N.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseLine, readJsonl } from './jsonl.js';

describe('readJsonl', () => {
  it('numbers physical lines, skips blank ones and turns bad lines into invalid results', async () => {
    const text = ['{"id":"a","response":"x"}', '', '{not json', '[1,2]', '{"response":"no id"}', '{"id":"b","response":"y"}\r'].join('\n');
    const out = [];
    for await (const l of readJsonl(Readable.from([text]))) out.push(l);
    expect(out.map((l) => ('invalid' in l ? l.invalid.id : l.id))).toEqual(['a', 'line-3', 'line-4', 'line-5', 'b']);
    const bad = out.filter((l) => 'invalid' in l).map((l) => ('invalid' in l ? l.invalid : undefined));
    expect(bad.every((r) => r?.status === 'invalid' && r.reward === 0)).toBe(true);
    expect(bad[0]?.error).toMatch(/line 3: not valid JSON/);
    expect(bad[1]?.error).toMatch(/JSON object/);
    expect(bad[2]?.error).toMatch(/id is required/);
  });
  it('turns a repeated id into an invalid result naming the first line', async () => {
    const text = ['{"id":"d","response":"x"}', '{"id":"e","response":"y"}', '{"id":"d","response":"z"}'].join('\n');
    const out = [];
    for await (const l of readJsonl(Readable.from([text]))) out.push(l);
    expect(out.map((l) => ('invalid' in l ? `invalid:${l.invalid.id}` : l.id))).toEqual(['d', 'e', 'invalid:d']);
    const dup = out[2];
    expect(dup && 'invalid' in dup ? dup.invalid.error : '').toBe('line 3: id "d" duplicates line 1');
  });
  it('accepts a good line', () => {
    expect(parseLine('{"id":"s1","response":"r"}', 7)).toMatchObject({ line: 7, id: 's1' });
  });
});
