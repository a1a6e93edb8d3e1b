import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from './config.js';

describe('code-exec defaults', () => {
  it('follow SPEC 4.2 and issue 3: 5,000 ms per test, runs (and zygotes) = cores', () => {
    const c = loadServiceConfig({ env: {}, argv: [] });
    expect(c.testTimeoutMs).toBe(5000); // SPEC 4.2: params.test_timeout_ms, default 5,000
    expect(c.concurrency).toBe(availableParallelism()); // issue 3: concurrent runs, default cores
    expect(c.pythonZygotes).toBe(availableParallelism());
  });
  it('reads flags and VERIMESH_CODE_EXEC_* variables', () => {
    expect(loadServiceConfig({ env: { VERIMESH_CODE_EXEC_TEST_TIMEOUT_MS: '700' } }).testTimeoutMs).toBe(700);
    expect(loadServiceConfig({ env: {}, argv: ['--concurrency', '3'] }).concurrency).toBe(3);
  });
});
