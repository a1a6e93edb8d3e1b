// A small OTLP trace receiver for tests: gRPC (TraceService/Export) or HTTP (POST /v1/traces, protobuf or JSON),
// decoding every export for real (protobufjs over the OTLP proto in ./otlp/trace.proto) into plain spans.
import { gunzipSync } from 'node:zlib';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

export type ReceiverProtocol = 'grpc' | 'http';

export interface ReceivedSpan {
  name: string;
  kind: 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  status: { code: 'UNSET' | 'OK' | 'ERROR'; message: string };
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  resource: Record<string, unknown>;
  scope: { name: string; version: string };
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
}

export interface ReceivedExport {
  /** 'application/x-protobuf', 'application/json' (HTTP) or 'application/grpc'. */
  contentType: string;
  /** Request headers (HTTP) or metadata (gRPC), lower-case names. */
  headers: Record<string, string>;
  spans: number;
}

export interface OtlpReceiver {
  protocol: ReceiverProtocol;
  /** What OTEL_EXPORTER_OTLP_ENDPOINT should be for this receiver (HTTP: the exporter appends /v1/traces). */
  endpoint: string;
  readonly spans: ReceivedSpan[];
  readonly exports: ReceivedExport[];
  /** Answers the next `n` exports with a failure (HTTP 400 / gRPC INVALID_ARGUMENT: not retried by the exporter). */
  failNext(n: number): void;
  /** Resolves with the spans once `pred` holds for them (polls; rejects after `timeoutMs`). */
  waitFor(pred: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

const KINDS: ReceivedSpan['kind'][] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const CODES: ReceivedSpan['status']['code'][] = ['UNSET', 'OK', 'ERROR'];

let types: { request: protobuf.Type; response: protobuf.Type } | undefined;
function otlpTypes(): { request: protobuf.Type; response: protobuf.Type } {
  if (!types) {
    const root = protobuf.loadSync(fileURLToPath(new URL('./otlp/trace.proto', import.meta.url)));
    types = {
      request: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
      response: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
    };
  }
  return types;
}

type Json = Record<string, any>;

function anyValue(v: Json | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return ((v.arrayValue?.values ?? []) as Json[]).map(anyValue);
  if ('kvlistValue' in v) return attributes(v.kvlistValue?.values);
  if ('bytesValue' in v) return v.bytesValue;
  return undefined;
}

function attributes(list: Json[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key as string] = anyValue(kv.value as Json | undefined);
  return out;
}

/** Spans of an ExportTraceServiceRequest in its camelCase object form; `hex` turns its id encoding into hex. */
function spansOf(req: Json, hex: (id: unknown) => string): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (req.resourceSpans ?? []) as Json[]) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of (rs.scopeSpans ?? []) as Json[]) {
      const scope = { name: String(ss.scope?.name ?? ''), version: String(ss.scope?.version ?? '') };
      for (const s of (ss.spans ?? []) as Json[]) {
        out.push({
          name: String(s.name ?? ''),
          kind: KINDS[Number(s.kind ?? 0)] ?? 'UNSPECIFIED',
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          status: { code: CODES[Number(s.status?.code ?? 0)] ?? 'UNSET', message: String(s.status?.message ?? '') },
          attributes: attributes(s.attributes),
          events: ((s.events ?? []) as Json[]).map((e) => ({ name: String(e.name ?? ''), attributes: attributes(e.attributes) })),
          resource,
          scope,
          startTimeUnixNano: BigInt(s.startTimeUnixNano ?? 0),
          endTimeUnixNano: BigInt(s.endTimeUnixNano ?? 0),
        });
      }
    }
  }
  return out;
}

/** Decodes an OTLP protobuf ExportTraceServiceRequest. */
export function decodeProtobufExport(body: Uint8Array): ReceivedSpan[] {
  const { request } = otlpTypes();
  const obj = request.toObject(request.decode(body), { longs: String, enums: Number, bytes: String }) as Json;
  return spansOf(obj, (id) => (id ? Buffer.from(String(id), 'base64').toString('hex') : ''));
}

/** Decodes an OTLP/JSON ExportTraceServiceRequest (ids are hex strings there, enums numbers). */
export function decodeJsonExport(body: string): ReceivedSpan[] {
  return spansOf(JSON.parse(body) as Json, (id) => (typeof id === 'string' ? id.toLowerCase() : ''));
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

/** Starts a receiver on 127.0.0.1 (any free port). */
export async function startOtlpReceiver(protocol: ReceiverProtocol): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const exports: ReceivedExport[] = [];
  let failing = 0;
  const { response } = otlpTypes();
  let port: number;
  let close: () => Promise<void>;
  if (protocol === 'grpc') {
    const server = new grpc.Server();
    const definition: grpc.ServiceDefinition = {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: (m: Buffer) => m,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (m: object) => Buffer.from(response.encode(response.fromObject(m)).finish()),
        responseDeserialize: (b: Buffer) => response.decode(b),
      },
    };
    server.addService(definition, {
      Export: (call: grpc.ServerUnaryCall<Buffer, object>, cb: grpc.sendUnaryData<object>) => {
        if (failing > 0) {
          failing--;
          return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'test receiver refuses this export' });
        }
        const got = decodeProtobufExport(call.request);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = String(v);
        exports.push({ contentType: 'application/grpc', headers, spans: got.length });
        spans.push(...got);
        cb(null, {});
      },
    });
    port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    close = () => new Promise<void>((res) => server.tryShutdown(() => res()));
  } else {
    const http = createServer((req, res) => {
      void (async () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        const body = await readAll(req);
        if (failing > 0) {
          failing--;
          res.writeHead(400, { 'content-type': 'text/plain' }).end('test receiver refuses this export');
          return;
        }
        const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
        const got = type === 'application/json' ? decodeJsonExport(body.toString('utf8')) : decodeProtobufExport(body);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = String(v);
        exports.push({ contentType: type, headers, spans: got.length });
        spans.push(...got);
        if (type === 'application/json') res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(response.encode(response.create({})).finish()));
      })().catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((res) => http.listen(0, '127.0.0.1', () => res()));
    port = (http.address() as AddressInfo).port;
    close = () =>
      new Promise<void>((res) => {
        http.closeAllConnections();
        http.close(() => res());
      });
  }
  return {
    protocol,
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    exports,
    failNext: (n) => {
      failing = n;
    },
    async waitFor(pred, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (!pred(spans)) {
        if (Date.now() > until) throw new Error(`OTLP receiver (${protocol}): condition not met within ${timeoutMs} ms; ${spans.length} spans: ${spans.map((s) => s.name).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return spans;
    },
    close,
  };
}
