// Errors on the wire, both ways, through ERROR_MODEL: gRPC status with google.rpc.Status details (ErrorInfo: reason,
// field) in grpc-status-details-bin, a remote status back into the kit error it stands for, and the HTTP error body.
import { Metadata, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { VerimeshError, errorKind, errorKindOfCode, messageOf } from './errors.js';

const root = protobuf.Root.fromJSON(({
  nested: {
    google: {
      nested: {
        protobuf: { nested: { Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } } } },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
            ErrorInfo: {
              fields: {
                reason: { type: 'string', id: 1 },
                domain: { type: 'string', id: 2 },
                metadata: { keyType: 'string', type: 'string', id: 3 },
              },
            },
          },
        },
      },
    },
  },
}) as unknown as protobuf.INamespace);
const StatusType = root.lookupType('google.rpc.Status');
const ErrorInfoType = root.lookupType('google.rpc.ErrorInfo');
const ERROR_INFO_URL = 'type.googleapis.com/google.rpc.ErrorInfo';
export const ERROR_DOMAIN = 'verimesh.dev';

export interface ErrorDetails {
  code: number;
  message: string;
  reason?: string;
  field?: string;
}

/** The gRPC status for any error (its ERROR_MODEL code; anything not a kit error is INTERNAL), reason and field in ErrorInfo. */
export function toStatus(err: unknown): Partial<StatusObject> {
  const code = errorKind(err).grpc;
  const reason = err instanceof VerimeshError ? err.reason : 'INTERNAL';
  const field = err instanceof VerimeshError ? err.field : undefined;
  const message = messageOf(err);
  const info = ErrorInfoType.encode(ErrorInfoType.create({ reason, domain: ERROR_DOMAIN, metadata: field ? { field } : {} })).finish();
  const body = StatusType.encode(StatusType.create({ code, message, details: [{ type_url: ERROR_INFO_URL, value: info }] })).finish();
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(body));
  return { code, details: message, metadata };
}

/** Reads the ErrorInfo of a failed call (reason, field), if the server sent one. */
export function errorDetails(err: ServiceError): ErrorDetails {
  const out: ErrorDetails = { code: err.code, message: err.details };
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return out;
  try {
    const st = StatusType.toObject(StatusType.decode(raw)) as { details?: Array<{ type_url: string; value: Uint8Array }> };
    for (const d of st.details ?? []) {
      if (d.type_url !== ERROR_INFO_URL) continue;
      const info = ErrorInfoType.toObject(ErrorInfoType.decode(d.value)) as { reason?: string; metadata?: Record<string, string> };
      out.reason = info.reason;
      out.field = info.metadata?.field;
    }
  } catch {
    // details are best effort; the code and message stand on their own
  }
  return out;
}

/**
 * A failed call as the kit error its code stands for (ERROR_MODEL read backwards), keeping the remote's reason and
 * field: a remote INVALID_ARGUMENT about `items[3].params` stays an InvalidArgumentError about `items[3].params`.
 * `message` replaces the remote message (callers add where the call went); the default is the remote message.
 */
export function fromStatus(err: ServiceError, message?: string): VerimeshError {
  const d = errorDetails(err);
  return errorKindOfCode(d.code).revive(message ?? d.message, d.reason, d.field);
}

/** The HTTP answer for an error: its ERROR_MODEL status and `{"error": {code, message, reason, field?}}`. */
export function toHttpError(err: unknown): { status: number; body: { error: { code: string; message: string; reason: string; field?: string } } } {
  const kind = errorKind(err);
  const error: { code: string; message: string; reason: string; field?: string } = {
    code: kind.name,
    message: messageOf(err),
    reason: err instanceof VerimeshError ? err.reason : 'INTERNAL',
  };
  if (err instanceof VerimeshError && err.field) error.field = err.field;
  return { status: kind.http, body: { error } };
}
