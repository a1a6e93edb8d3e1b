// OutcomeTally and the span helpers: counts as attributes, ERROR with a message naming who and what failed.
import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { addressAttributes, errorType, recordError } from './propagation.js';
import { OutcomeTally } from './tally.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const span = () => provider.getTracer('t').startSpan('s');

describe('OutcomeTally', () => {
  it('counts statuses and flags; a span with only ok and skipped stays UNSET', () => {
    const s = span();
    const t = new OutcomeTally('components');
    t.add('ok', '', ['tamper']);
    t.add('ok', 'fine', ['tamper', 'box_spam']);
    t.add('skipped', 'gate');
    t.apply(s);
    s.end();
    const [done] = exporter.getFinishedSpans().slice(-1);
    expect(done!.attributes).toMatchObject({ 'verimesh.components.ok': 2, 'verimesh.components.skipped': 1, 'verimesh.flags.tamper': 2, 'verimesh.flags.box_spam': 1 });
    expect(done!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('is ERROR naming the status and the first failure; several statuses are listed', () => {
    const one = span();
    const t1 = new OutcomeTally('components');
    t1.addAll(4, 'unavailable', 'vision-iou at 10.0.0.1:50051 is unreachable');
    t1.add('ok');
    t1.apply(one, 'vision-iou');
    one.end();
    const two = span();
    const t2 = new OutcomeTally('results');
    t2.add('ok');
    t2.add('partial', 'a: iou: timeout: late');
    t2.add('invalid', 'b: bad');
    t2.apply(two);
    two.end();
    const [a, b] = exporter.getFinishedSpans().slice(-2);
    expect(a!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'vision-iou: 4 of 5 components unavailable: vision-iou at 10.0.0.1:50051 is unreachable' });
    expect(a!.attributes).toMatchObject({ 'verimesh.components.unavailable': 4, 'verimesh.components.ok': 1, 'error.type': 'unavailable' });
    expect(b!.status).toEqual({ code: SpanStatusCode.ERROR, message: '2 of 3 results failed (partial 1, invalid 1), first partial: a: iou: timeout: late' });
    expect(b!.attributes['error.type']).toBe('failed');
  });

  it('never makes attribute names from arbitrary strings', () => {
    const s = span();
    const t = new OutcomeTally('components');
    t.add('ok', '', ['Not A Flag!', 'x'.repeat(40)]);
    t.apply(s);
    s.end();
    const [done] = exporter.getFinishedSpans().slice(-1);
    expect(Object.keys(done!.attributes)).toEqual(['verimesh.components.ok']);
  });
});

describe('recordError', () => {
  it("names the error's class as exception.type, never a numeric code", () => {
    class UnavailableError extends Error {
      code = 14;
      constructor(m: string) {
        super(m);
        this.name = 'UnavailableError';
      }
    }
    const s = span();
    recordError(s, new UnavailableError('down'));
    s.end();
    const [done] = exporter.getFinishedSpans().slice(-1);
    expect(done!.events[0]!.name).toBe('exception');
    expect(done!.events[0]!.attributes).toMatchObject({ 'exception.type': 'UnavailableError', 'exception.message': 'down' });
    expect(done!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'down' });
    expect(errorType(new TypeError('x'))).toBe('TypeError');
    expect(errorType(Object.assign(new Error('3 INVALID_ARGUMENT: x'), { code: 3 }))).toBe('Error');
    expect(errorType(Object.assign(new Error('14 UNAVAILABLE: x'), { code: 14, details: 'x', metadata: {} }))).toBe('grpc.UNAVAILABLE');
    expect(errorType('text')).toBe('string');
  });
});

describe('addressAttributes', () => {
  it('reads every address form the mesh uses', () => {
    expect(addressAttributes('server', '127.0.0.1:50051')).toEqual({ 'server.address': '127.0.0.1', 'server.port': 50051 });
    expect(addressAttributes('server', 'dns:///vision.ns.svc.cluster.local:50051')).toEqual({ 'server.address': 'vision.ns.svc.cluster.local', 'server.port': 50051 });
    expect(addressAttributes('server', 'ipv4:10.0.0.2:7')).toEqual({ 'server.address': '10.0.0.2', 'server.port': 7 });
    expect(addressAttributes('network.peer', '[::1]:4000')).toEqual({ 'network.peer.address': '::1', 'network.peer.port': 4000 });
    expect(addressAttributes('server', 'unix:/tmp/s.sock')).toEqual({});
  });
});
