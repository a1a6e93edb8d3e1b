// Test helpers of @verimesh/gateway (the `testing` subpath, never the main export): one VerifyInput with defaults, and a
// context without a deadline, for the built-in verifiers' unit tests; backends driven or built in one line.
import { noopLogger } from '@verimesh/kit';
import type { VerifyContext, VerifyInput } from '@verimesh/kit';
import type { ServiceName, VerifyItem, VerifyResult } from '@verimesh/proto';
import type { ChunkOutcome, VerifierBackend } from '../src/index.js';

export function input(response: string, reference: Record<string, unknown> = {}, params: Record<string, unknown> = {}, metadata?: unknown): VerifyInput {
  return { key: 'k', verifier: '', prompt: '', response, reference, params, media: [], metadata };
}

export const ctx: VerifyContext = { signal: new AbortController().signal, deadline: Infinity, log: noopLogger };

/**
 * Every item through a backend, results in item order (as a caller that wants one answer sees it); the first failed
 * chunk's error is thrown.
 */
export async function verifyAll(backend: VerifierBackend, items: VerifyItem[], deadline = Date.now() + 5_000): Promise<(VerifyResult | undefined)[]> {
  const out: (VerifyResult | undefined)[] = new Array(items.length);
  let failure: unknown;
  await backend.verify(items, { deadlines: items.map(() => deadline) }, (from, to, o) => {
    if (!o.ok) failure ??= o.error;
    else for (const r of o.results) if (r) out[items.findIndex((it, k) => k >= from && k < to && it.key === r.key)] = r;
  });
  if (failure !== undefined) throw failure;
  return out;
}

/** A backend made of one function per call (a rogue service in tests): its value is the chunk's results, a throw its error. */
export function backendOf(service: ServiceName, fn: (items: VerifyItem[]) => Promise<unknown>): VerifierBackend {
  return {
    service,
    async verify(items, _opts, onChunk) {
      let outcome: ChunkOutcome;
      try {
        outcome = { ok: true, results: (await fn(items)) as VerifyResult[] };
      } catch (error) {
        outcome = { ok: false, error };
      }
      onChunk(0, items.length, outcome);
    },
    describe: () => Promise.reject(new Error('no Describe')),
    close: () => undefined,
  };
}

export { startDnsServer } from './dns-server.js';
export type { DnsServer } from './dns-server.js';
