// The error model: one table, read forwards (gRPC, HTTP, component status) and backwards (a remote status).
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Admission, BoundedPool } from './admission.js';
import {
  DeadlineError,
  ERROR_MODEL,
  InternalError,
  InvalidArgumentError,
  ResourceExhaustedError,
  UnavailableError,
  VerimeshError,
  componentStatusOf,
  errorKindOfCode,
} from './errors.js';
import { errorDetails, fromStatus, toHttpError, toStatus } from './status.js';

/** What a client sees of a failed call: the status toStatus() produced, as grpc-js hands it to a callback. */
function asServiceError(err: unknown): ServiceError {
  const st = toStatus(err);
  return Object.assign(new Error(st.details), { code: st.code!, details: st.details!, metadata: st.metadata! }) as ServiceError;
}

describe('ERROR_MODEL', () => {
  // The documented table (libs/kit README, PLAN D3): written out here by hand, row by row.
  const table: Array<[VerimeshError | Error, number, number, string, string]> = [
    [new InvalidArgumentError('reference.box', 'must be 4 numbers'), GrpcStatus.INVALID_ARGUMENT, 400, 'invalid', 'INVALID_FIELD'],
    [new ResourceExhaustedError('queue full'), GrpcStatus.RESOURCE_EXHAUSTED, 429, 'unavailable', 'OVERLOADED'],
    [new UnavailableError('set JUDGE_URL'), GrpcStatus.UNAVAILABLE, 503, 'unavailable', 'UNAVAILABLE'],
    [new DeadlineError(), GrpcStatus.DEADLINE_EXCEEDED, 504, 'timeout', 'DEADLINE_EXCEEDED'],
    [new InternalError('sandbox did not start'), GrpcStatus.INTERNAL, 500, 'error', 'INTERNAL'],
    [new Error('a bug'), GrpcStatus.INTERNAL, 500, 'error', 'INTERNAL'],
    [new RangeError('Maximum call stack size exceeded'), GrpcStatus.INTERNAL, 500, 'error', 'INTERNAL'],
  ];

  it('gives every error one gRPC code, one HTTP status and one component status', () => {
    for (const [err, grpc, http, component, reason] of table) {
      expect(toStatus(err).code, err.message).toBe(grpc);
      expect(toHttpError(err).status, err.message).toBe(http);
      expect(toHttpError(err).body.error).toMatchObject({ code: GrpcStatus[grpc], reason, message: err.message });
      expect(componentStatusOf(err), err.message).toBe(component);
      if (err instanceof VerimeshError) expect(err.code).toBe(grpc);
    }
    expect(ERROR_MODEL).toHaveLength(5);
    expect(toHttpError(table[0]![0]).body.error.field).toBe('reference.box');
    expect(toHttpError(table[1]![0]).body.error).not.toHaveProperty('field');
  });

  it('overload is unavailable with a detail that says "overloaded", from every source (PLAN D3)', async () => {
    const admission = new Admission(1);
    admission.acquire(1);
    const refused: unknown[] = [new ResourceExhaustedError('4096 runs queued')];
    try {
      admission.acquire(1);
    } catch (e) {
      refused.push(e);
    }
    const pool = new BoundedPool(1, 0);
    let release!: () => void;
    const running = pool.run(() => new Promise<void>((r) => (release = r)));
    refused.push(await pool.run(async () => undefined).catch((e: unknown) => e));
    release();
    await running;
    refused.push(fromStatus(asServiceError(new ResourceExhaustedError('no room'))));
    expect(refused).toHaveLength(4);
    for (const e of refused) {
      expect(e).toBeInstanceOf(ResourceExhaustedError);
      expect(componentStatusOf(e)).toBe('unavailable');
      expect((e as Error).message).toMatch(/overloaded/);
    }
  });

  it('reads a remote status back as the same class, keeping message, reason and field', () => {
    const sent = [
      new InvalidArgumentError('items[3].params', 'items[3].params.pattern must be a string', 'BAD_PATTERN'),
      new InvalidArgumentError('reference', 'reference nests deeper than 64 levels', 'TOO_DEEP'),
      new ResourceExhaustedError('overloaded: 20000 items in flight'),
      new UnavailableError('no judge backend', 'NO_BACKEND'),
      new DeadlineError('too slow'),
      new InternalError('crashed', 'SANDBOX'),
    ];
    for (const err of sent) {
      const back = fromStatus(asServiceError(err));
      expect(back.constructor).toBe(err.constructor);
      expect([back.message, back.reason, back.field]).toEqual([err.message, err.reason, err.field]);
      expect(errorDetails(asServiceError(err))).toEqual({ code: err.code, message: err.message, reason: err.reason, ...(err.field ? { field: err.field } : {}) });
    }
    // A caller may say where the call went; the class, reason and field stay the remote's.
    const where = fromStatus(asServiceError(sent[0]), 'vision-iou at host:1 refused the batch: items[3].params.pattern must be a string');
    expect(where).toBeInstanceOf(InvalidArgumentError);
    expect([where.field, where.reason]).toEqual(['items[3].params', 'BAD_PATTERN']);
  });

  it('maps codes outside the table, and statuses without details, as the table says', () => {
    const bare = Object.assign(new Error('x'), { code: GrpcStatus.INVALID_ARGUMENT, details: 'bad batch', metadata: undefined }) as unknown as ServiceError;
    const b = fromStatus(bare);
    expect(b).toBeInstanceOf(InvalidArgumentError);
    expect([b.message, b.field, b.reason]).toEqual(['bad batch', undefined, 'INVALID_FIELD']);
    for (const code of [GrpcStatus.UNKNOWN, GrpcStatus.CANCELLED, GrpcStatus.NOT_FOUND, GrpcStatus.UNIMPLEMENTED]) {
      expect(errorKindOfCode(code).component).toBe('error');
    }
  });
});
