// The one error model: a few named classes and ONE table (ERROR_MODEL) giving each its gRPC code, HTTP status and
// component status. Every door and every service maps errors through it (status.ts for gRPC and HTTP).
import { status as GrpcStatus } from '@grpc/grpc-js';

export type ErrorReason = string; // UPPER_SNAKE, e.g. "INVALID_FIELD"

/** What an error makes of a component that failed with it (SPEC section 3). */
export type ErrorComponentStatus = 'invalid' | 'unavailable' | 'timeout' | 'error';

/** Base class: every error the kit maps carries a reason and (usually) the field it is about; its codes come from ERROR_MODEL. */
export class VerimeshError extends Error {
  constructor(
    message: string,
    readonly reason: ErrorReason,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The gRPC code this error travels as (its ERROR_MODEL row). */
  get code(): GrpcStatus {
    return errorKind(this).grpc;
  }
}

/**
 * The caller's fault: a malformed request, reference or params. Thrown from a verifier, the component gets status
 * `invalid`. The message should name the field (it is prefixed with the field when it does not).
 */
export class InvalidArgumentError extends VerimeshError {
  constructor(field: string, message: string, reason: ErrorReason = 'INVALID_FIELD') {
    super(message.includes(field) ? message : `${field}: ${message}`, reason, field || undefined);
  }
}

/**
 * Overload (PLAN D3): admission control, a full pool or queue, or a service that answered RESOURCE_EXHAUSTED refused
 * the work. Transient and retryable: a component refused this way is `unavailable` (its on_error score stands in),
 * never `error`, never a 0 score. The message always says "overloaded".
 */
export class ResourceExhaustedError extends VerimeshError {
  constructor(message: string, reason: ErrorReason = 'OVERLOADED') {
    super(/overloaded/i.test(message) ? message : `overloaded: ${message}`, reason);
  }
}

/**
 * A dependency is missing or down (no judge backend configured, a toolchain absent, a service unreachable).
 * The component gets status `unavailable`.
 */
export class UnavailableError extends VerimeshError {
  constructor(message: string, reason: ErrorReason = 'UNAVAILABLE') {
    super(message, reason);
  }
}

/** The work ran past its deadline. The component gets status `timeout`. */
export class DeadlineError extends VerimeshError {
  constructor(message = 'deadline exceeded', reason: ErrorReason = 'DEADLINE_EXCEEDED') {
    super(message, reason);
  }
}

/** Infrastructure failed (sandbox could not start, a bug). The component gets status `error`. So does anything not in ERROR_MODEL. */
export class InternalError extends VerimeshError {
  constructor(message: string, reason: ErrorReason = 'INTERNAL') {
    super(message, reason);
  }
}

export interface ErrorKind {
  /** The class (anything that is none of them maps as InternalError). */
  readonly error: abstract new (...args: never[]) => VerimeshError;
  /** Its gRPC status code, and its name (the `code` of an HTTP error body). */
  readonly grpc: GrpcStatus;
  readonly name: string;
  /** The HTTP status the gateway answers with when a request fails with it. */
  readonly http: number;
  /** The status of a component whose verifier, pool or service call failed with it. */
  readonly component: ErrorComponentStatus;
  /** Builds this class again from a remote status (gRPC code + ErrorInfo), keeping the remote's reason and field. */
  readonly revive: (message: string, reason?: ErrorReason, field?: string) => VerimeshError;
}

/**
 * THE table. Read forwards (error → gRPC / HTTP / component status) by toStatus, toHttpError and componentStatusOf;
 * read backwards (a remote gRPC code → error) by fromStatus. Overload is `unavailable` everywhere (PLAN D3).
 */
export const ERROR_MODEL: readonly ErrorKind[] = [
  { error: InvalidArgumentError, grpc: GrpcStatus.INVALID_ARGUMENT, name: 'INVALID_ARGUMENT', http: 400, component: 'invalid', revive: (m, r, f) => new InvalidArgumentError(f ?? '', m, r) },
  { error: ResourceExhaustedError, grpc: GrpcStatus.RESOURCE_EXHAUSTED, name: 'RESOURCE_EXHAUSTED', http: 429, component: 'unavailable', revive: (m, r) => new ResourceExhaustedError(m, r) },
  { error: UnavailableError, grpc: GrpcStatus.UNAVAILABLE, name: 'UNAVAILABLE', http: 503, component: 'unavailable', revive: (m, r) => new UnavailableError(m, r) },
  { error: DeadlineError, grpc: GrpcStatus.DEADLINE_EXCEEDED, name: 'DEADLINE_EXCEEDED', http: 504, component: 'timeout', revive: (m, r) => new DeadlineError(m, r) },
  { error: InternalError, grpc: GrpcStatus.INTERNAL, name: 'INTERNAL', http: 500, component: 'error', revive: (m, r) => new InternalError(m, r) },
];

const INTERNAL_KIND = ERROR_MODEL[ERROR_MODEL.length - 1]!;

/** The ERROR_MODEL row of any thrown value (InternalError's for anything that is not one of the kit's classes). */
export function errorKind(err: unknown): ErrorKind {
  if (err instanceof VerimeshError) for (const k of ERROR_MODEL) if (err instanceof k.error) return k;
  return INTERNAL_KIND;
}

/** The ERROR_MODEL row of a gRPC status code (InternalError's for every code not in the table). */
export function errorKindOfCode(code: number): ErrorKind {
  return ERROR_MODEL.find((k) => k.grpc === code) ?? INTERNAL_KIND;
}

/** The component status an error thrown by a verifier (or a failed service call) maps to. */
export function componentStatusOf(err: unknown): ErrorComponentStatus {
  return errorKind(err).component;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
