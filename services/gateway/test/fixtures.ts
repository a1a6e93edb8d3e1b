// A small verifier service for gateway tests, registered under the real catalogue names of vision-iou so the catalogue routes to it.
import { InvalidArgumentError, UnavailableError, type ServiceDef, type VerifyInput } from '@verimesh/kit';
import type { VerifyItem } from '@verimesh/proto';
import type { VerifierBackend } from '../src/index.js';

export interface Seen {
  verifier: string;
  response: string;
  reference: Record<string, unknown>;
  params: Record<string, unknown>;
}

/** Wraps a backend to record every call it receives (to count calls and items). */
export function counting(b: VerifierBackend): VerifierBackend & { calls: VerifyItem[][] } {
  const calls: VerifyItem[][] = [];
  return {
    service: b.service,
    calls,
    verify(items, opts, onChunk) {
      calls.push(items);
      return b.verify(items, opts, onChunk);
    },
    describe: () => b.describe(),
    close: () => b.close(),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}

/**
 * `vision.box_iou`: score = reference.score (default 1); params.mode: "throw" (status error), "unavailable", "invalid",
 * "hang" (never returns), "slow" (waits params.ms first); params.echo puts the merged reference into metrics;
 * params.cache reports cache_hit: true. `vision.point`: score = reference.point (default 0.5).
 */
export function testService(): { service: ServiceDef; seen: Seen[] } {
  const seen: Seen[] = [];
  const note = (input: VerifyInput): void => {
    seen.push({ verifier: input.verifier, response: input.response, reference: input.reference, params: input.params });
  };
  const service: ServiceDef = {
    name: 'vision-iou',
    version: '0.0.0-test',
    concurrency: 1024,
    verifiers: [
      {
        name: 'vision.box_iou',
        description: 'test double: score from reference.score',
        params: { mode: 'throw | unavailable | invalid | hang | slow', ms: 'delay for slow', echo: 'reference into metrics', cache: 'report cache_hit' },
        reference: { score: 'the score to return' },
        async verify(input, ctx) {
          note(input);
          const mode = input.params.mode;
          if (mode === 'throw') throw new Error('boom: verifier crashed');
          if (mode === 'unavailable') throw new UnavailableError('backend not configured: set TEST_URL');
          if (mode === 'invalid') throw new InvalidArgumentError('reference.box', 'reference.box must be 4 numbers');
          if (mode === 'hang') await sleep(3_600_000, ctx.signal);
          if (mode === 'slow') await sleep(Number(input.params.ms ?? 100), ctx.signal);
          const score = typeof input.reference.score === 'number' ? input.reference.score : 1;
          const metrics: Record<string, unknown> = {};
          if (input.params.echo) metrics.reference = input.reference;
          if (input.params.cache) metrics.cache_hit = true;
          return { score, detail: `score ${score}`, metrics };
        },
      },
      {
        name: 'vision.point',
        description: 'test double: score from reference.point',
        params: {},
        reference: { point: 'the score to return' },
        verify(input) {
          note(input);
          return { score: typeof input.reference.point === 'number' ? input.reference.point : 0.5 };
        },
      },
    ],
  };
  return { service, seen };
}
