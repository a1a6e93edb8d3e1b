// Test helpers of @verimesh/gateway (the `testing` subpath, never the main export): one VerifyInput with defaults, and a
// context without a deadline, for the built-in verifiers' unit tests.
import { noopLogger } from '@verimesh/kit';
import type { VerifyContext, VerifyInput } from '@verimesh/kit';

export function input(response: string, reference: Record<string, unknown> = {}, params: Record<string, unknown> = {}, metadata?: unknown): VerifyInput {
  return { key: 'k', verifier: '', prompt: '', response, reference, params, media: [], metadata };
}

export const ctx: VerifyContext = { signal: new AbortController().signal, deadline: Infinity, log: noopLogger };
