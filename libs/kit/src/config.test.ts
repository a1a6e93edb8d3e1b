import { describe, expect, it } from 'vitest';
import { COMMON_OPTIONS, ConfigError, loadConfig, parseFlags } from './config.js';
import { createLogger } from './log.js';

describe('loadConfig', () => {
  it('takes flag over env over default and freezes the result', () => {
    const cfg = loadConfig(COMMON_OPTIONS, { env: { VERIMESH_PORT: '7000', VERIMESH_HOST: '127.0.0.1' }, argv: ['--port', '7001'] });
    expect(cfg.port).toBe(7001);
    expect(cfg.host).toBe('127.0.0.1');
    expect(cfg.maxInFlight).toBe(0); // 0 = the service decides (ServiceDef.maxInFlight, else 20,000)
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('names the setting in a clear error', () => {
    expect(() => loadConfig(COMMON_OPTIONS, { env: { VERIMESH_PORT: 'eighty' } })).toThrow(/VERIMESH_PORT must be an integer, got "eighty"/);
    expect(() => loadConfig(COMMON_OPTIONS, { argv: ['--port=70000'] })).toThrow(/--port must be <= 65535/);
    expect(() => loadConfig(COMMON_OPTIONS, { env: { VERIMESH_LOG_LEVEL: 'loud' } })).toThrow(ConfigError);
  });

  it('parses bools and lists', () => {
    const spec = {
      on: { type: 'bool', env: 'ON', default: false, doc: '' },
      list: { type: 'list', env: 'L', default: [] as string[], doc: '' },
    } as const;
    const cfg = loadConfig(spec, { env: { ON: 'yes', L: 'a, b,,c' } });
    expect(cfg.on).toBe(true);
    expect(cfg.list).toEqual(['a', 'b', 'c']);
    expect(() => loadConfig(spec, { env: { ON: 'maybe' } })).toThrow(/ON must be true or false/);
  });

  it('parses --flag value, --flag=value and bare --flag', () => {
    expect([...parseFlags(['--a', '1', '--b=2', '--c', '--d', 'x'])]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', 'true'],
      ['d', 'x'],
    ]);
  });

  it('reads a deprecated variable when the current one is unset, with one deprecation line', () => {
    const spec = {
      url: { type: 'string', env: 'VERIMESH_LLM_JUDGE_URL', deprecatedEnv: 'VERIMESH_JUDGE_URL', default: '', doc: '' },
      n: { type: 'int', env: 'NEW_N', deprecatedEnv: ['OLD_N', 'OLDER_N'], default: 1, doc: '' },
    } as const;
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger('svc', 'info', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    const old = loadConfig(spec, { env: { VERIMESH_JUDGE_URL: 'http://old', OLDER_N: '3' }, log });
    expect(old.url).toBe('http://old');
    expect(old.n).toBe(3);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'warn', deprecated: 'VERIMESH_JUDGE_URL', use: 'VERIMESH_LLM_JUDGE_URL', applied: true });
    expect(String(lines[0]!.msg)).toContain('VERIMESH_JUDGE_URL is deprecated');
    // The current name wins; the old one is still reported (as not applied).
    lines.length = 0;
    const both = loadConfig(spec, { env: { VERIMESH_LLM_JUDGE_URL: 'http://new', VERIMESH_JUDGE_URL: 'http://old' }, log });
    expect(both.url).toBe('http://new');
    expect(lines).toEqual([expect.objectContaining({ deprecated: 'VERIMESH_JUDGE_URL', applied: false })]);
    // A bad value names the variable it came from.
    expect(() => loadConfig(spec, { env: { OLD_N: 'x' }, log })).toThrow(/OLD_N must be an integer/);
    lines.length = 0;
    loadConfig(spec, { env: {}, log });
    expect(lines).toEqual([]);
  });
});
