import { describe, expect, it } from 'vitest';
import { COMMON_OPTIONS, ConfigError, loadConfig, parseFlags } from './config.js';

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
});
