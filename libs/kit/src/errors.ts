// The one error model: a few named classes, mapped to gRPC status (and to component statuses) in one place each.
import { status as GrpcStatus } from '@grpc/grpc-js';

export type ErrorReason = string; // UPPER_SNAKE, e.g. "INVALID_FIELD"

/** Base class: every error the kit maps carries a gRPC code, a reason and (usually) the field it is about. */
export class VerimeshError extends Error {
  constructor(
    message: string,
    readonly code: GrpcStatus,
    readonly reason: ErrorReason,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The caller's fault: a malformed request, reference or params. Over gRPC: INVALID_ARGUMENT.
 * Thrown from a verifier, the component gets status `invalid`. The message should name the field.
 */
export class InvalidArgumentError extends VerimeshError {
  constructor(field: string, message: string, reason: ErrorReason = 'INVALID_FIELD') {
    super(message.includes(field) ? message : `${field}: ${message}`, GrpcStatus.INVALID_ARGUMENT, reason, field);
  }
}

/** Overload: admission control refused the work. Over gRPC: RESOURCE_EXHAUSTED (HTTP 429). */
export class ResourceExhaustedError extends VerimeshError {
  constructor(message: string) {
    super(message, GrpcStatus.RESOURCE_EXHAUSTED, 'OVERLOADED');
  }
}

/**
 * A dependency is missing or down (no judge backend configured, a toolchain absent, a service unreachable).
 * Thrown from a verifier, the component gets status `unavailable`. Over gRPC: UNAVAILABLE.
 */
export class UnavailableError extends VerimeshError {
  constructor(message: string, reason: ErrorReason = 'UNAVAILABLE') {
    super(message, GrpcStatus.UNAVAILABLE, reason);
  }
}

/** The work ran past its deadline. The component gets status `timeout`. Over gRPC: DEADLINE_EXCEEDED. */
export class DeadlineError extends VerimeshError {
  constructor(message = 'deadline exceeded') {
    super(message, GrpcStatus.DEADLINE_EXCEEDED, 'DEADLINE_EXCEEDED');
  }
}

/** Infrastructure failed (sandbox could not start, a bug). The component gets status `error`. Over gRPC: INTERNAL. */
export class InternalError extends VerimeshError {
  constructor(message: string, reason: ErrorReason = 'INTERNAL') {
    super(message, GrpcStatus.INTERNAL, reason);
  }
}

/** The component status an error thrown by a verifier maps to. */
export function componentStatusOf(err: unknown): 'invalid' | 'unavailable' | 'timeout' | 'error' {
  if (err instanceof InvalidArgumentError) return 'invalid';
  if (err instanceof UnavailableError) return 'unavailable';
  if (err instanceof DeadlineError) return 'timeout';
  return 'error';
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
