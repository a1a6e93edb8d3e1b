// The gateway's spans beyond the request spans of server.ts: one `call <service>` span per service call of a stage
// (whatever became of it: refused, timed out, answered), and the result counts on the request's span.
import { trace, type Span } from '@opentelemetry/api';
import { OutcomeTally, withSpan } from '@verimesh/telemetry';
import { flagsOf } from './sentinels.js';

/** What a span counts of a component (an engine ComponentOutcome) and of a result (an engine SampleOutcome). */
interface Outcome {
  readonly status: string;
  readonly detail: string;
  /** Sentinels as a mask (sentinels.ts flagsOf). */
  readonly flags: number;
}
interface Result {
  readonly id: string;
  readonly status: string;
  readonly error: string | null;
  readonly flags: number;
}

/** Counts a call's component outcomes for its span (undefined when nothing records). */
export interface CallTally {
  add(o: Outcome): void;
}

/**
 * Runs one service call of a stage inside its INTERNAL span `call <service>` (the gRPC CLIENT span of each attempt,
 * or the in-process batch's verifier spans, below it). The span counts the components by status and flag
 * (verimesh.components.<status>, verimesh.flags.<flag>) and is ERROR, naming the service and the status, when any
 * ended error, timeout, unavailable or invalid: also when no call could be made (service down, not configured,
 * deadline already passed).
 */
export function traceCall<T>(service: string, stage: number, items: number, fn: (tally: CallTally | undefined) => Promise<T>): Promise<T> {
  return withSpan(`call ${service}`, { 'verimesh.service': service, 'verimesh.stage': stage, 'verimesh.items': items }, async (span) => {
    if (!span.isRecording()) return fn(undefined);
    const counts = new OutcomeTally('components');
    try {
      return await fn({ add: (o) => counts.add(o.status, o.detail, o.flags ? flagsOf(o.flags) : undefined) });
    } finally {
      counts.apply(span, service);
    }
  });
}

function addResult(t: OutcomeTally, r: Result): void {
  t.add(r.status, r.error === null ? undefined : `${r.id}: ${r.error}`, r.flags ? flagsOf(r.flags) : undefined);
}

/** Result counts (verimesh.results.<status>, verimesh.flags.<flag>) on the active span; ERROR when any is not ok. */
export function traceResults(results: readonly Result[]): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  const t = new OutcomeTally('results');
  for (const r of results) addResult(t, r);
  t.apply(span);
}

/** The same for a stream: results counted as they come, written onto the span that was active when it began. */
export function streamTally(): { add(r: Result): void; end(): void } | undefined {
  const span: Span | undefined = trace.getActiveSpan();
  if (!span?.isRecording()) return undefined;
  const t = new OutcomeTally('results');
  return { add: (r) => addResult(t, r), end: () => t.apply(span) };
}
