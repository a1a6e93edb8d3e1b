import { describe, expect, it } from 'vitest';
import { modelFormat, objectiveMatches } from './lp.js';
import { parseCellCount, verilogScore } from './verilog.js';

describe('VerilogEval output and the SPEC 4.2 score', () => {
  it('reads the last Number of cells', () => {
    expect(parseCellCount('   Number of cells:                 20\n  $_AND_ 3\n   Number of cells:   7\n')).toBe(7);
  });
  it('scores 0.1 + 0.9·pass, or 0.1 + 0.7·pass + 0.2·pass·min(1, ref/area)', () => {
    expect(verilogScore(1)).toBeCloseTo(1, 12);
    expect(verilogScore(0)).toBeCloseTo(0.1, 12);
    expect(verilogScore(0.5)).toBeCloseTo(0.55, 12);
    expect(verilogScore(1, 10, 20)).toBeCloseTo(0.1 + 0.7 + 0.2 * 0.5, 12); // 0.9
    expect(verilogScore(1, 30, 20)).toBeCloseTo(1, 12); // ratio capped at 1
    expect(verilogScore(0, 10, 20)).toBeCloseTo(0.1, 12);
    expect(verilogScore(1, 10, undefined)).toBeCloseTo(0.8, 12); // area unknown: no bonus
  });
});

describe('LP helpers (SPEC 4.2)', () => {
  it('MPS when a ROWS section exists, else LP', () => {
    expect(modelFormat('NAME x\nROWS\n N obj\nENDATA')).toBe('mps');
    expect(modelFormat('Minimize\n obj: x\nSubject To\n rows: x >= 1\nEnd')).toBe('lp');
  });
  it('|obj - ref| / (|ref| + 1) <= tol', () => {
    expect(objectiveMatches(100.0001, 100, 1e-6)).toBe(true); // 1e-4 / 101 = 9.9e-7
    expect(objectiveMatches(100.0002, 100, 1e-6)).toBe(false); // 2e-4 / 101 = 1.98e-6
    expect(objectiveMatches(0.0000009, 0, 1e-6)).toBe(true); // 9e-7 / 1
    expect(objectiveMatches(-5, 5, 1e-6)).toBe(false);
  });
});
