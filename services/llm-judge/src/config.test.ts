import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadServiceConfig } from './config.js';

describe('judge config', () => {
  it('no settings: no backend (the service reports unavailable, never fails to start)', () => {
    expect(loadServiceConfig({ env: {} }).backendList).toEqual([]);
  });
  it('simple default backend plus named backends from JSON or a file; keys come from the named env var', () => {
    const dir = mkdtempSync(join(tmpdir(), 'judge-cfg-'));
    const file = join(dir, 'backends.json');
    writeFileSync(file, JSON.stringify([{ name: 'vllm', url: 'http://h:8000/v1/', model: 'Qwen', concurrency: 64, api_key_env: 'K' }]));
    const cfg = loadServiceConfig({ env: { VERIMESH_LLM_JUDGE_URL: 'http://o:11434/v1', VERIMESH_LLM_JUDGE_MODEL: 'llama3', VERIMESH_LLM_JUDGE_API_KEY: 's1', VERIMESH_LLM_JUDGE_BACKENDS: file, K: 's2' } });
    expect(cfg.backendList.map((b) => [b.name, b.url, b.model, b.apiKey, b.concurrency])).toEqual([
      ['default', 'http://o:11434/v1', 'llama3', 's1', 16],
      ['vllm', 'http://h:8000/v1', 'Qwen', 's2', 64],
    ]);
  });
  it('fails fast naming the setting', () => {
    expect(() => loadServiceConfig({ env: { VERIMESH_LLM_JUDGE_URL: 'http://x' } })).toThrow(/VERIMESH_LLM_JUDGE_MODEL/);
    expect(() => loadServiceConfig({ env: { VERIMESH_LLM_JUDGE_BACKENDS: '{"a": {"url": "ftp://x", "model": "m"}}' } })).toThrow(/VERIMESH_LLM_JUDGE_BACKENDS\.a\.url/);
    expect(() => loadServiceConfig({ env: { VERIMESH_LLM_JUDGE_BACKENDS: '{"a": {"url": "http://x", "model": "m", "api_key": "oops"}}' } })).toThrow(/api_key is not a backend setting/);
  });
  it('reads the names before the rename (VERIMESH_JUDGE_*, the default key variable included) with one deprecation line each', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const env = { VERIMESH_JUDGE_URL: 'http://o:11434/v1', VERIMESH_JUDGE_MODEL: 'llama3', VERIMESH_JUDGE_API_KEY: 'old-key', VERIMESH_JUDGE_CONCURRENCY: '5' };
      const first = loadServiceConfig({ env });
      expect(first.backendList.map((b) => [b.name, b.url, b.model, b.apiKey, b.concurrency])).toEqual([['default', 'http://o:11434/v1', 'llama3', 'old-key', 5]]);
      loadServiceConfig({ env });
      // The new name wins when both are set.
      expect(loadServiceConfig({ env: { ...env, VERIMESH_LLM_JUDGE_API_KEY: 'new-key' } }).backendList[0]!.apiKey).toBe('new-key');
    } finally {
      spy.mockRestore();
    }
    const warned = lines.map((l) => JSON.parse(l) as { level: string; deprecated: string }).filter((l) => l.level === 'warn').map((l) => l.deprecated);
    // One line per variable per process, however often the config is loaded.
    expect(warned.sort()).toEqual(['VERIMESH_JUDGE_API_KEY', 'VERIMESH_JUDGE_CONCURRENCY', 'VERIMESH_JUDGE_MODEL', 'VERIMESH_JUDGE_URL']);
  });
});

