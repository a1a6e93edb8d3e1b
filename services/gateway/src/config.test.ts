// Gateway configuration: --services / env parsing and clear errors for bad values.
import { ConfigError } from '@verimesh/kit';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig, parseServiceTargets } from './config.js';

describe('gateway config', () => {
  it('parses name=target pairs from flags over env', () => {
    const c = loadGatewayConfig({
      env: { VERIMESH_SERVICES: 'code-exec=a:1', VERIMESH_HTTP_PORT: '9000' },
      argv: ['--services', 'code-exec=localhost:50052,vision-iou=dns:///verimesh-vision-iou:50051', '--profiles', 'a.yaml,dir'],
    });
    expect(c.serviceTargets).toEqual({ 'code-exec': 'localhost:50052', 'vision-iou': 'dns:///verimesh-vision-iou:50051' });
    expect(c.profiles).toEqual(['a.yaml', 'dir']);
    expect(c.httpPort).toBe(9000);
    expect(c.port).toBe(50051);
    expect(c.defaultTimeoutMs).toBe(30_000);
  });
  it('fails naming the setting', () => {
    expect(() => parseServiceTargets(['nope=x:1'])).toThrow(ConfigError);
    expect(() => parseServiceTargets(['nope=x:1'])).toThrow(/services: unknown service "nope"/);
    expect(() => parseServiceTargets(['gateway=x:1'])).toThrow(/unknown service "gateway"/);
    expect(() => parseServiceTargets(['code-exec'])).toThrow(/must be name=host:port/);
    expect(() => parseServiceTargets(['code-exec=a:1', 'code-exec=b:2'])).toThrow(/given twice/);
    expect(() => loadGatewayConfig({ env: {}, argv: ['--http-port', 'x'] })).toThrow(/--http-port must be an integer/);
  });
});
