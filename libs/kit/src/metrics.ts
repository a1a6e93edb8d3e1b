// Prometheus metrics, one implementation for every process: counters, gauges and histograms in a registry rendered
// synchronously in the text format 0.0.4. Hand-written rather than prom-client: render() is synchronous, and hot paths
// find a series through nested maps (inc2, observe2) without building label strings or arrays.

type Labels = readonly string[];

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(names: Labels, values: Labels, extra = ''): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Beyond this many label combinations a metric folds new ones into "_other" (user-chosen names are unbounded). */
export const MAX_SERIES = 500;

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
  protected abstract readonly type: string;
  protected get1(a: string): S {
    return ((this.tree as Map<string, S>).get(a) as S | undefined) ?? this.get([a]);
  }
  protected get2(a: string, b: string): S {
    return ((this.tree.get(a) as Map<string, S> | undefined)?.get(b) as S | undefined) ?? this.get([a, b]);
  }
  protected get3(a: string, b: string, c: string): S {
    return (((this.tree.get(a) as Tree<S> | undefined)?.get(b) as Map<string, S> | undefined)?.get(c) as S | undefined) ?? this.get([a, b, c]);
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
      // Past the limit, new combinations share one "_other" series (itself created past the limit, once).
      if (this.series.size >= MAX_SERIES && !values.every((v) => v === '_other')) return this.get(values.map(() => '_other'));
      e = { values: [...values], s: this.fresh() };
      this.series.set(key, e);
    }
    node.set(leafKey, e.s);
    return e.s;
  }
  /** Creates the series of these label values now, so it is rendered (at 0) before anything is counted. */
  touch(values: Labels = []): void {
    this.get(values);
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${this.name} ${this.type}`);
    for (const { values, s } of this.series.values()) this.renderSeries(out, values, s);
  }
  protected abstract renderSeries(out: string[], values: Labels, s: S): void;
}

/** One number per series: what Counter and Gauge share. */
abstract class Scalar extends Metric<{ v: number }> {
  protected fresh(): { v: number } {
    return { v: 0 };
  }
  value(values: Labels = []): number {
    return this.series.get(values.join('\u0000'))?.s.v ?? 0;
  }
  protected renderSeries(out: string[], values: Labels, s: { v: number }): void {
    out.push(`${this.name}${labelText(this.labelNames, values)} ${num(s.v)}`);
  }
}

export class Counter extends Scalar {
  protected readonly type = 'counter';
  inc(values: Labels = [], by = 1): void {
    this.get(values).v += by;
  }
  inc1(a: string, by = 1): void {
    this.get1(a).v += by;
  }
  inc2(a: string, b: string, by = 1): void {
    this.get2(a, b).v += by;
  }
  inc3(a: string, b: string, c: string, by = 1): void {
    this.get3(a, b, c).v += by;
  }
}

/** A value that goes up and down: set by the code that knows it, or read at scrape time (Registry.onCollect). */
export class Gauge extends Scalar {
  protected readonly type = 'gauge';
  set(values: Labels, v: number): void {
    this.get(values).v = v;
  }
  set1(a: string, v: number): void {
    this.get1(a).v = v;
  }
  set2(a: string, b: string, v: number): void {
    this.get2(a, b).v = v;
  }
  add1(a: string, by: number): void {
    this.get1(a).v += by;
  }
}

interface HistSeries {
  counts: Float64Array;
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistSeries> {
  protected readonly type = 'histogram';
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
  observe2(a: string, b: string, v: number): void {
    this.add(this.get2(a, b), v);
  }
  /** Observations so far of these label values (tests, and a caller deriving a rate). */
  count(values: Labels = []): number {
    return this.series.get(values.join('\u0000'))?.s.count ?? 0;
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
  protected renderSeries(out: string[], values: Labels, s: HistSeries): void {
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

/** Latency buckets in seconds, 100 µs to 60 s: what verifiers and service calls are observed in. */
export const LATENCY_BUCKETS: readonly number[] = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type AnyMetric = Counter | Gauge | Histogram;

/**
 * The metrics of one process (or one service in it), rendered in registration order. `onCollect` callbacks run at
 * the start of every render: gauges whose truth lives elsewhere (an admission's count, a pool's busy workers) are
 * read there rather than updated on the hot path.
 */
export class Registry {
  private readonly metrics: AnyMetric[] = [];
  private readonly names = new Set<string>();
  private readonly collectors: Array<() => void> = [];

  counter(name: string, help: string, labels: Labels = []): Counter {
    return this.add(new Counter(name, help, labels));
  }
  gauge(name: string, help: string, labels: Labels = []): Gauge {
    return this.add(new Gauge(name, help, labels));
  }
  histogram(name: string, help: string, labels: Labels = [], buckets: readonly number[] = LATENCY_BUCKETS): Histogram {
    return this.add(new Histogram(name, help, labels, buckets));
  }
  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }
  render(): string {
    for (const c of this.collectors) c();
    const out: string[] = [];
    for (const m of this.metrics) m.render(out);
    return out.join('\n') + '\n';
  }
  private add<M extends AnyMetric>(m: M): M {
    if (this.names.has(m.name)) throw new Error(`metric ${m.name} is registered twice`);
    this.names.add(m.name);
    this.metrics.push(m);
    return m;
  }
}

/**
 * The process's own figures, read at scrape time under the names Prometheus clients use: process_resident_memory_bytes,
 * process_cpu_seconds_total, nodejs_heap_size_used_bytes, nodejs_heap_size_total_bytes, nodejs_external_memory_bytes
 * (whether memory taken for a burst was given back shows in these).
 */
export function addProcessMetrics(registry: Registry): void {
  const rss = registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes');
  const cpu = registry.counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds');
  const heapUsed = registry.gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes');
  const heapTotal = registry.gauge('nodejs_heap_size_total_bytes', 'V8 heap reserved, in bytes');
  const external = registry.gauge('nodejs_external_memory_bytes', 'Memory of buffers and other objects outside the V8 heap, in bytes');
  registry.onCollect(() => {
    const m = process.memoryUsage();
    rss.set([], m.rss);
    heapUsed.set([], m.heapUsed);
    heapTotal.set([], m.heapTotal);
    external.set([], m.external);
    const u = process.cpuUsage();
    cpu.inc([], (u.user + u.system) / 1e6 - cpu.value());
  });
}
