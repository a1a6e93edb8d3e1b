// Per-verifier spans inside a batch: one INTERNAL span `verify <verifier>` per verifier a batch used, from its first
// item's start to its last item's end, with its item count and statuses (made only when the batch's span records).
import { context, trace, SpanKind, type Context } from '@opentelemetry/api';
import { componentStatusFromProto, type VerifyResult } from '@verimesh/proto';
import { OutcomeTally, tracer } from '@verimesh/telemetry';

interface PerVerifier {
  tally: OutcomeTally;
  start: number;
  end: number;
  items: number;
}

/** Items whose verifier is not on this service share one span (their names are the caller's, not a bounded set). */
const UNKNOWN = '(unknown verifier)';

/** Tallies a batch's results under the active span, then writes one child span per verifier. */
export class VerifierSpans {
  private readonly by = new Map<string, PerVerifier>();

  private constructor(private readonly parent: Context) {}

  /** Undefined when the active span does not record (no tracing): the batch then pays nothing. */
  static start(): VerifierSpans | undefined {
    return trace.getActiveSpan()?.isRecording() ? new VerifierSpans(context.active()) : undefined;
  }

  /** One item's result; `known` is false for a verifier this service does not have. */
  add(verifier: string, known: boolean, r: VerifyResult): void {
    const name = known ? verifier : UNKNOWN;
    const now = Date.now();
    const res = r.result;
    const started = now - Number(res?.latency_ms ?? 0);
    let v = this.by.get(name);
    if (!v) {
      v = { tally: new OutcomeTally('components'), start: started, end: now, items: 0 };
      this.by.set(name, v);
    }
    v.items++;
    if (started < v.start) v.start = started;
    v.end = now;
    v.tally.add(componentStatusFromProto(typeof res?.status === 'string' ? res.status : undefined), res?.detail, res?.flags);
  }

  /** Writes the spans (children of the span that was active at start). */
  end(): void {
    for (const [name, v] of this.by) {
      const span = tracer().startSpan(
        `verify ${name}`,
        { kind: SpanKind.INTERNAL, startTime: v.start, attributes: { 'verimesh.verifier': name, 'verimesh.items': v.items } },
        this.parent,
      );
      v.tally.apply(span, name);
      span.end(Math.max(v.end, v.start));
    }
  }
}
