// The gRPC Score reply written straight from the engine's results into protobuf bytes: one growing buffer per reply,
// no intermediate Result objects, no per-field writer operations. The generic path (proto-loader: fromObject, then
// protobufjs' Writer, which allocates an operation per field) cost 6 µs per 2-component result and, for a
// 100,000-sample reply, ~400 MB of transient heap (bench/RESULTS.md, gateway). Bytes are canonical proto3 (default
// values omitted); reply.test.ts decodes them with the generic decoder and checks every field of the schema.
import type * as grpc from '@grpc/grpc-js';
import { componentStatusToProto, loadDefinition, loadPackage, resultStatusToProto, type GroupStats } from '@verimesh/proto';
import type { ComponentOutcome, SampleOutcome } from './scoring.js';
import { flagsOf } from './sentinels.js';

/** Wire types (protobuf encoding). */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;

/** Enum value numbers by name, read from the loaded schema (never hard-coded). */
function enumNumbers(name: string): Map<string, number> {
  const t = (loadDefinition()[name] as unknown as { type: { value: Array<{ name: string; number: number }> } }).type;
  return new Map(t.value.map((v) => [v.name, v.number]));
}
let enums: { result: Map<string, number>; component: Map<string, number> } | undefined;

/** Field numbers by name, read from the schema: the encoder below refuses to run against a schema it does not match. */
function fieldNumbers(message: string): Map<string, number> {
  const t = (loadDefinition()[message] as unknown as { type: { field: Array<{ name: string; number: number }> } }).type;
  return new Map(t.field.map((f) => [f.name, f.number]));
}

/** The fields this encoder writes, by message; reply.test.ts checks that they are exactly the schema's. */
export const ENCODED_FIELDS = {
  'verimesh.v1.Result': { id: 1, reward: 2, status: 3, error: 4, components: 5, metadata_json: 6, flags: 7 },
  'verimesh.v1.ComponentResult': { name: 1, score: 2, status: 3, detail: 4, metrics_json: 5, latency_ms: 6, flags: 7, weight: 8, contribution: 9 },
  'verimesh.v1.ScoreResponse': { results: 1, groups: 2 },
  'verimesh.v1.ScoreStreamResponse': { result: 1, groups: 2 },
} as const;

function checkSchema(): void {
  for (const [message, fields] of Object.entries(ENCODED_FIELDS)) {
    const schema = fieldNumbers(message);
    const mine = new Map(Object.entries(fields));
    const same = schema.size === mine.size && [...schema].every(([k, v]) => mine.get(k) === v);
    if (!same) throw new Error(`reply.ts encodes ${message} as ${JSON.stringify(fields)} but the schema has ${JSON.stringify(Object.fromEntries(schema))}`);
  }
}

function tables(): { result: Map<string, number>; component: Map<string, number> } {
  if (!enums) {
    checkSchema();
    enums = { result: enumNumbers('verimesh.v1.ResultStatus'), component: enumNumbers('verimesh.v1.ComponentStatus') };
  }
  return enums;
}

/** A growing byte buffer with the few protobuf writes a reply needs. */
class Out {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  varint(v: number): void {
    this.room(5);
    while (v > 127) {
      this.buf[this.pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  double(field: number, v: number): void {
    this.tag(field, FIXED64);
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }
  string(field: number, s: string): void {
    this.tag(field, LEN);
    this.room(5 + s.length * 3);
    // One byte is reserved for the length; a longer string moves up once it is known (rare: < 128 bytes is the norm).
    const at = this.pos;
    const n = this.buf.write(s, at + 1, 'utf8');
    this.close(at, n);
  }
  /** Bytes already encoded (whole fields). */
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** Starts a length-delimited field; returns the position close() needs. */
  open(field: number): number {
    this.tag(field, LEN);
    this.room(1);
    return this.pos++;
  }
  /** Ends a length-delimited field of `n` content bytes that begins one byte after `at`. */
  close(at: number, n: number = this.pos - at - 1): void {
    if (n < 128) {
      this.buf[at] = n;
      this.pos = at + 1 + n;
      return;
    }
    let k = 1;
    for (let v = n >>> 7; v > 0; v >>>= 7) k++;
    this.room(k);
    this.buf.copyWithin(at + k, at + 1, at + 1 + n);
    let v = n;
    let p = at;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
    this.pos = at + k + n;
  }
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function writeComponent(out: Out, c: ComponentOutcome, statuses: Map<string, number>): void {
  const at = out.open(ENCODED_FIELDS['verimesh.v1.Result'].components);
  if (c.name) out.string(1, c.name);
  if (c.score !== 0) out.double(2, c.score);
  const status = statuses.get(componentStatusToProto(c.status)) ?? 0;
  if (status !== 0) {
    out.tag(3, VARINT);
    out.varint(status);
  }
  if (c.detail) out.string(4, c.detail);
  if (c.metricsJson) out.string(5, c.metricsJson);
  if (c.latencyMs !== 0) out.double(6, c.latencyMs);
  if (c.flags !== 0) for (const f of flagsOf(c.flags)) out.string(7, f);
  if (c.weight !== 0) out.double(8, c.weight);
  // proto3 `optional`: present whenever set, 0 included.
  if (c.contribution !== null) out.double(9, c.contribution);
  out.close(at);
}

function writeResult(out: Out, field: number, r: SampleOutcome): void {
  const t = tables();
  const at = out.open(field);
  if (r.id) out.string(1, r.id);
  if (r.reward !== 0) out.double(2, r.reward);
  const status = t.result.get(resultStatusToProto(r.status)) ?? 0;
  if (status !== 0) {
    out.tag(3, VARINT);
    out.varint(status);
  }
  if (r.error) out.string(4, r.error);
  for (const c of r.components) writeComponent(out, c, t.component);
  if (r.metadataJson) out.string(6, r.metadataJson);
  if (r.flags !== 0) for (const f of flagsOf(r.flags)) out.string(7, f);
  out.close(at);
}

/** Group statistics as `repeated GroupStats` at field 2 (few per reply: the generic encoder is fine here). */
function writeGroups(out: Out, groups: readonly GroupStats[], message: 'verimesh.v1.ScoreResponse' | 'verimesh.v1.ScoreStreamResponse'): void {
  if (!groups.length) return;
  const bytes = (loadDefinition()[message] as unknown as { serialize(v: unknown): Buffer }).serialize({ groups });
  out.raw(bytes);
}

/** ScoreResponse bytes: every result (field 1) in order, then the groups (field 2). */
export function encodeScoreResponse(results: readonly SampleOutcome[], groups: readonly GroupStats[]): Buffer {
  const out = new Out(Math.max(1024, results.length * 256));
  for (const r of results) writeResult(out, ENCODED_FIELDS['verimesh.v1.ScoreResponse'].results, r);
  writeGroups(out, groups, 'verimesh.v1.ScoreResponse');
  return out.done();
}

/** ScoreStreamResponse bytes carrying one result. */
export function encodeStreamResult(r: SampleOutcome): Buffer {
  const out = new Out(512);
  writeResult(out, ENCODED_FIELDS['verimesh.v1.ScoreStreamResponse'].result, r);
  return out.done();
}

/**
 * RewardGatewayService as proto-loader defines it, except that Score and ScoreStream replies already encoded (a
 * Buffer from this file) go out as they are; anything else still goes through the generic serializer.
 */
export function gatewayServiceDefinition(): grpc.ServiceDefinition {
  const service = loadPackage().verimesh.v1.RewardGatewayService.service as unknown as grpc.ServiceDefinition;
  const passThrough = (m: grpc.MethodDefinition<unknown, unknown>): grpc.MethodDefinition<unknown, unknown> => ({
    ...m,
    responseSerialize: (v: unknown) => (Buffer.isBuffer(v) ? v : m.responseSerialize(v)),
  });
  return { ...service, Score: passThrough(service.Score!), ScoreStream: passThrough(service.ScoreStream!) };
}
