// The gateway's Prometheus metrics: small counters and histograms rendered synchronously in the text format 0.0.4.
// Hand-written rather than prom-client because metricsText() is synchronous and the hot path wants cached label children.

type Labels = readonly string[];

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(names: Labels, values: Labels, extra = ''): string {
  const parts = names.map((n, i) => `${n}="${escape(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Beyond this many label combinations a metric folds new ones into "_other" (user-chosen component names are unbounded). */
const MAX_SERIES = 500;

type Tree<S> = Map<string, Tree<S> | S>;

abstract class Metric<S> {
  protected readonly series = new Map<string, { values: Labels; s: S }>();
  /** Label values -> series, one Map level per label: lookups on the hot path build no strings. */
  private readonly tree: Tree<S> = new Map();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: Labels,
  ) {}
  protected abstract fresh(): S;
  /** The series of one or two label values without building an array (hot path). */
  protected get1(a: string): S {
    const hit = (this.tree as Map<string, S>).get(a);
    return hit ?? this.get([a]);
  }
  protected get2(a: string, b: string): S {
    const hit = (this.tree.get(a) as Map<string, S> | undefined)?.get(b);
    return hit ?? this.get([a, b]);
  }
  protected get(values: Labels): S {
    let node: Tree<S> = this.tree;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = node.get(values[i]!) as Tree<S> | undefined;
      if (!next) {
        next = new Map();
        node.set(values[i]!, next);
      }
      node = next;
    }
    const leafKey = last >= 0 ? values[last]! : '';
    const hit = node.get(leafKey) as S | undefined;
    if (hit) return hit;
    const key = values.join('\u0000');
    let e = this.series.get(key);
    if (!e) {
      if (this.series.size >= MAX_SERIES) return this.get(values.map(() => '_other'));
      e = { values: [...values], s: this.fresh() };
      this.series.set(key, e);
    }
    node.set(leafKey, e.s);
    return e.s;
  }
  abstract render(out: string[]): void;
}

export class Counter extends Metric<{ v: number }> {
  protected fresh(): { v: number } {
    return { v: 0 };
  }
  inc(values: Labels = [], by = 1): void {
    this.get(values).v += by;
  }
  inc1(a: string): void {
    this.get1(a).v++;
  }
  inc2(a: string, b: string): void {
    this.get2(a, b).v++;
  }
  value(values: Labels = []): number {
    return this.series.get(values.join('\u0000'))?.s.v ?? 0;
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const { values, s } of this.series.values()) out.push(`${this.name}${labelText(this.labelNames, values)} ${num(s.v)}`);
  }
}

interface HistSeries {
  counts: Float64Array;
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistSeries> {
  constructor(
    name: string,
    help: string,
    labelNames: Labels,
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }
  protected fresh(): HistSeries {
    return { counts: new Float64Array(this.buckets.length), sum: 0, count: 0 };
  }
  observe(values: Labels, v: number): void {
    this.add(this.get(values), v);
  }
  observe1(a: string, v: number): void {
    this.add(this.get1(a), v);
  }
  private add(s: HistSeries, v: number): void {
    const b = this.buckets;
    // Non-cumulative counts here; render() accumulates.
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        s.counts[i]!++;
        break;
      }
    }
    s.sum += v;
    s.count++;
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const { values, s } of this.series.values()) {
      let acc = 0;
      this.buckets.forEach((le, i) => {
        acc += s.counts[i]!;
        out.push(`${this.name}_bucket${labelText(this.labelNames, values, `le="${num(le)}"`)} ${acc}`);
      });
      out.push(`${this.name}_bucket${labelText(this.labelNames, values, 'le="+Inf"')} ${s.count}`);
      out.push(`${this.name}_sum${labelText(this.labelNames, values)} ${num(s.sum)}`);
      out.push(`${this.name}_count${labelText(this.labelNames, values)} ${s.count}`);
    }
  }
}

const LATENCY_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const SCORE_BUCKETS = [-1, -0.5, -0.25, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.5, 2, 5];

/** Every metric the gateway exports; names are documented in the README. */
export class GatewayMetrics {
  readonly requests = new Counter('verimesh_gateway_requests_total', 'Score requests by transport and outcome code', ['transport', 'code']);
  readonly samples = new Counter('verimesh_gateway_samples_total', 'Samples scored, by result status', ['status']);
  readonly components = new Counter('verimesh_gateway_components_total', 'Components scored, by verifier and component status', ['verifier', 'status']);
  readonly cacheHits = new Counter('verimesh_cache_hits_total', 'Components whose result metrics carry cache_hit: true', ['verifier']);
  readonly verifierLatency = new Histogram('verimesh_gateway_verifier_latency_seconds', 'Time a verifier spent on one component (as the service reports it)', ['verifier'], LATENCY_BUCKETS);
  readonly serviceCalls = new Histogram('verimesh_gateway_service_call_seconds', 'Wall time of one VerifyBatch to a service, by outcome', ['service', 'outcome'], LATENCY_BUCKETS);
  readonly requestSeconds = new Histogram('verimesh_gateway_request_seconds', 'Wall time of one Score request', ['transport'], LATENCY_BUCKETS);
  readonly reward = new Histogram('verimesh_gateway_reward', 'Composite rewards', [], SCORE_BUCKETS);
  readonly groups = new Counter('verimesh_gateway_groups_total', 'GRPO groups in replies (once per request, or per ScoreStream request message), by all_equal', ['all_equal']);
  readonly flags = new Counter('verimesh_flags_total', 'Sentinel flags raised on results (SPEC 3.1), once per result and flag, by the service that raised it', ['service', 'flag']);
  readonly componentScore = new Histogram('verimesh_gateway_component_score', 'Component scores (on_error stand-ins included), by component name', ['component'], SCORE_BUCKETS);
  inFlight = 0;

  private readonly all = [this.requests, this.samples, this.components, this.cacheHits, this.verifierLatency, this.serviceCalls, this.requestSeconds, this.reward, this.componentScore, this.flags, this.groups];

  render(): string {
    const out: string[] = [];
    for (const m of this.all) m.render(out);
    out.push('# HELP verimesh_gateway_in_flight_samples Samples admitted and not finished', '# TYPE verimesh_gateway_in_flight_samples gauge', `verimesh_gateway_in_flight_samples ${this.inFlight}`);
    out.push('# HELP process_resident_memory_bytes Resident memory size in bytes', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${process.memoryUsage.rss()}`);
    return out.join('\n') + '\n';
  }
}
