// Gateway configuration: --services / env parsing and clear errors for bad values.
import { ConfigError } from '@verimesh/kit';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig, parseChunkItems, parseServiceTargets } from './config.js';
import { parseTarget } from './targets.js';

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
    expect(() => parseServiceTargets(['code-exec'])).toThrow(/must be name=address/);
    expect(() => parseServiceTargets(['code-exec=a:1', 'code-exec=b:2'])).toThrow(/given twice/);
    expect(() => loadGatewayConfig({ env: {}, argv: ['--http-port', 'x'] })).toThrow(/--http-port must be an integer/);
  });
  it('several addresses per service: gRPC ipv4:/ipv6: lists, bare addresses after name=, dns: with a server', () => {
    const t = parseServiceTargets('vision-iou=ipv4:10.0.0.1:50051,10.0.0.2:50051,code-exec=dns://127.0.0.1:5353/exec.local:50052,math=a:1,b:2'.split(','));
    expect(t).toEqual({ 'vision-iou': 'ipv4:10.0.0.1:50051,10.0.0.2:50051', 'code-exec': 'dns://127.0.0.1:5353/exec.local:50052', math: 'a:1,b:2' });
    expect(parseTarget(t['vision-iou']!)).toEqual([
      { kind: 'ip', host: '10.0.0.1', port: 50051 },
      { kind: 'ip', host: '10.0.0.2', port: 50051 },
    ]);
    expect(parseTarget(t['code-exec']!)).toEqual([{ kind: 'name', host: 'exec.local', port: 50052, server: '127.0.0.1:5353' }]);
    expect(parseTarget('ipv6:[::1]:7,[::2]:8')).toEqual([
      { kind: 'ip', host: '::1', port: 7 },
      { kind: 'ip', host: '::2', port: 8 },
    ]);
    expect(parseTarget('dns:///svc.ns.svc.cluster.local:50051,dns:10.1.1.1:9,dns://[::1]/x:1')).toEqual([
      { kind: 'name', host: 'svc.ns.svc.cluster.local', port: 50051 },
      { kind: 'ip', host: '10.1.1.1', port: 9 },
      { kind: 'name', host: 'x', port: 1, server: '[::1]:53' },
    ]);
    // Through the environment, exactly as the issue wrote it.
    const c = loadGatewayConfig({ env: { VERIMESH_SERVICES: 'vision-iou=ipv4:127.0.0.1:1,127.0.0.2:1' }, argv: [] });
    expect(c.serviceTargets).toEqual({ 'vision-iou': 'ipv4:127.0.0.1:1,127.0.0.2:1' });
  });
  it('bad addresses fail with the service and the address named', () => {
    const bad: Array<[string, RegExp]> = [
      ['10.0.0.1:1', /"10\.0\.0\.1:1" must be name=address/],
      ['vision-iou=', /has no address/],
      ['vision-iou=a:1,,b:2', /empty address/],
      ['vision-iou=host', /address of vision-iou: "host" needs a port/],
      ['vision-iou=host:0', /port "0" of "host:0" must be 1-65535/],
      ['vision-iou=host:http', /unsupported address "host:http"/],
      ['vision-iou=::1:5', /write the IPv6 address "::1:5" as \[address\]:port/],
      ['vision-iou=ipv4:10.0.0.1:1,host:2', /"host" in an ipv4: list is not an IPv4 address/],
      ['vision-iou=unix:/tmp/s', /unsupported address "unix:\/tmp\/s"/],
      ['vision-iou=xds:///svc', /unsupported address/],
      ['vision-iou=dns://name.server/x:1', /the DNS server "name.server" must be an IP address/],
      ['vision-iou=dns://127.0.0.1', /must be dns:\/\/dns-server\/host:port/],
      ['vision-iou=a b:1', /"a b" is not a host name/],
      ['vision-iou=a:1,vision-iou=b:1', /given twice \(list all its addresses in one entry/],
    ];
    for (const [text, re] of bad) {
      expect(() => parseServiceTargets(text.split(',')), text).toThrow(ConfigError);
      expect(() => parseServiceTargets(text.split(',')), text).toThrow(re);
    }
  });
  it('--chunk-items: one size for all and name=N per service', () => {
    const of = parseChunkItems(['256', 'code-exec=16']);
    expect([of('code-exec'), of('vision-iou')]).toEqual([16, 256]);
    expect(parseChunkItems([])('math')).toBe(512);
    expect(() => parseChunkItems(['0'])).toThrow(/must be N or name=N/);
    expect(() => parseChunkItems(['nope=3'])).toThrow(/chunk-items: unknown service "nope"/);
    expect(loadGatewayConfig({ env: { VERIMESH_GATEWAY_CHUNK_ITEMS: 'math=64' }, argv: [] }).chunkItemsOf('math')).toBe(64);
  });
});
