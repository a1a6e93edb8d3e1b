import { describe, expect, it } from 'vitest';
import { compareOutput } from './compare.js';

const T = { mode: 'tokens' as const, absTol: 1e-6, relTol: 1e-6 };

describe('compareOutput', () => {
  it('tokens: ignores spacing and a final newline, not missing or extra lines', () => {
    expect(compareOutput('1  2\n3\n', '1 2\n3', T).ok).toBe(true);
    expect(compareOutput('1 2\r\n3\r\n', '1 2\n3\n', T).ok).toBe(true);
    expect(compareOutput('1 2\n', '1 2\n3\n', T).ok).toBe(false);
    expect(compareOutput('1 2\n3\n4\n', '1 2\n3\n', T).ok).toBe(false);
    expect(compareOutput('1 2 3\n', '1 2\n', T).ok).toBe(false);
  });
  it('exact: lines must be identical', () => {
    const E = { ...T, mode: 'exact' as const };
    expect(compareOutput('a b\n', 'a b', E).ok).toBe(true);
    expect(compareOutput('a  b\n', 'a b', E).ok).toBe(false);
    expect(compareOutput(' a b', 'a b', E).ok).toBe(false);
  });
  it('float: |a - e| <= tol absolute or relative to e', () => {
    const F = { mode: 'float' as const, absTol: 1e-6, relTol: 1e-6 };
    expect(compareOutput('0.3333333', '0.33333333', F).ok).toBe(true); // |d| = 3.3e-8
    expect(compareOutput('0.3334', '0.3333', F).ok).toBe(false); // |d| = 1e-4
    expect(compareOutput('1000000.5', '1000000', F).ok).toBe(true); // rel 5e-7
    expect(compareOutput('1000002', '1000000', F).ok).toBe(false); // rel 2e-6
    expect(compareOutput('1.0 abc', '1 abc', F).ok).toBe(true);
    expect(compareOutput('1.0 abd', '1 abc', F).ok).toBe(false);
    expect(compareOutput('1.0', '1', T).ok).toBe(false); // tokens mode compares text
  });
});
