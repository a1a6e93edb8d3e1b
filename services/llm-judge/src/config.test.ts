import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from './config.js';

describe('judge config', () => {
  it('no settings: no backend (the service reports unavailable, never fails to start)', () => {
    expect(loadServiceConfig({ env: {} }).backendList).toEqual([]);
  });
  it('simple default backend plus named backends from JSON or a file; keys come from the named env var', () => {
    const dir = mkdtempSync(join(tmpdir(), 'judge-cfg-'));
    const file = join(dir, 'backends.json');
    writeFileSync(file, JSON.stringify([{ name: 'vllm', url: 'http://h:8000/v1/', model: 'Qwen', concurrency: 64, api_key_env: 'K' }]));
    const cfg = loadServiceConfig({ env: { VERIMESH_JUDGE_URL: 'http://o:11434/v1', VERIMESH_JUDGE_MODEL: 'llama3', VERIMESH_JUDGE_API_KEY: 's1', VERIMESH_JUDGE_BACKENDS: file, K: 's2' } });
    expect(cfg.backendList.map((b) => [b.name, b.url, b.model, b.apiKey, b.concurrency])).toEqual([
      ['default', 'http://o:11434/v1', 'llama3', 's1', 16],
      ['vllm', 'http://h:8000/v1', 'Qwen', 's2', 64],
    ]);
  });
  it('fails fast naming the setting', () => {
    expect(() => loadServiceConfig({ env: { VERIMESH_JUDGE_URL: 'http://x' } })).toThrow(/VERIMESH_JUDGE_MODEL/);
    expect(() => loadServiceConfig({ env: { VERIMESH_JUDGE_BACKENDS: '{"a": {"url": "ftp://x", "model": "m"}}' } })).toThrow(/VERIMESH_JUDGE_BACKENDS\.a\.url/);
    expect(() => loadServiceConfig({ env: { VERIMESH_JUDGE_BACKENDS: '{"a": {"url": "http://x", "model": "m", "api_key": "oops"}}' } })).toThrow(/api_key is not a backend setting/);
  });
});
