// The chart's observability: the Grafana dashboard (valid dashboard JSON, every PromQL expression parsed by
// Prometheus's own grammar and naming only metrics the services really export: read from their source and scraped
// from a real gateway + verifier under load), its trace panel and links, and the OpenTelemetry Collector option.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Gateway, grpcBackend, startGateway, type RunningGateway } from '@verimesh/gateway';
import { noopLogger, serve, type RunningService } from '@verimesh/kit';
import { scrape } from '@verimesh/kit/testing';
import { createService, loadServiceConfig } from '@verimesh/math';
import { CHART, NAMESPACE, RELEASE, REPO, render, type Manifest } from './helm.js';
import { podOf, podSecurityViolations } from './psa.js';

const DASHBOARD = JSON.parse(readFileSync(join(CHART, 'files/dashboards/verimesh.json'), 'utf8'));
const byKind = (ms: Manifest[], kind: string) => ms.filter((m) => m.kind === kind);
const nameLabel = (m: Manifest) => m.metadata.labels?.['app.kubernetes.io/name'];
type Panel = Record<string, any>;
const panels: Panel[] = DASHBOARD.panels;
const promTargets = (ps: Panel[]) => ps.flatMap((p) => (p.targets ?? []).filter((t: any) => (t.datasource ?? p.datasource)?.type === 'prometheus').map((t: any) => ({ panel: p.title, expr: t.expr as string })));

/** Grafana's variables replaced by values of their kind, so that Prometheus's grammar can read the expression. */
const substitute = (expr: string) =>
  expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
    .replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, 'x');

/** Metric names an expression selects (VectorSelector identifiers), or throws on a parse error. */
function metricNames(expr: string): string[] {
  const q = substitute(expr);
  const tree = parser.parse(q);
  const names: string[] = [];
  const c = tree.cursor();
  do {
    if (c.type.isError) throw new Error(`PromQL does not parse at ${c.from}: ${q}`);
    if (c.type.name === 'Identifier' && c.node.parent?.type.name === 'VectorSelector') names.push(q.slice(c.from, c.to));
  } while (c.next());
  return names;
}

/** Metrics registered in the services' and libraries' code (registry.counter/gauge/histogram), with their types. */
function registeredMetrics(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/\.(counter|gauge|histogram)\(\s*'(verimesh_[a-z0-9_]+)'/g)) out.set(m[2]!, m[1]!);
      }
    }
  };
  for (const top of ['libs', 'services']) for (const pkg of readdirSync(join(REPO, top))) {
    const src = join(REPO, top, pkg, 'src');
    try {
      if (statSync(src).isDirectory()) walk(src);
    } catch {
      // a package without src/
    }
  }
  return out;
}
/** Series names a metric family exports: a histogram's _bucket/_sum/_count. */
const seriesNames = (name: string, type: string) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name]);

describe('the dashboard JSON', () => {
  it('is a Grafana dashboard: uid, title, schema version, unique panel ids, panels on the 24-column grid without overlap', () => {
    expect(DASHBOARD).toMatchObject({ uid: 'verimesh-mesh', title: 'Verimesh', editable: true });
    expect(DASHBOARD.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of panels) {
      expect(['row', 'timeseries', 'stat', 'heatmap', 'table']).toContain(p.type);
      const { x, y, w, h } = p.gridPos;
      for (const v of [x, y, w, h]) expect(Number.isInteger(v)).toBe(true);
      expect(x + w, p.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) for (let j = y; j < y + h; j++) {
        expect(cells.has(`${i},${j}`), `${p.title} overlaps at ${i},${j}`).toBe(false);
        cells.add(`${i},${j}`);
      }
      if (p.type !== 'row') expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it('uses only its own variables, and every datasource is one of its two datasource variables', () => {
    const vars = new Set<string>(DASHBOARD.templating.list.map((v: any) => v.name));
    expect([...vars].sort()).toEqual(['component', 'datasource', 'namespace', 'service', 'traces', 'verifier']);
    const text = JSON.stringify(panels) + JSON.stringify(DASHBOARD.templating.list.map((v: any) => v.query));
    for (const m of text.matchAll(/\$\{?(\w+)/g)) if (!m[1]!.startsWith('__')) expect(vars, m[0]).toContain(m[1]);
    for (const p of panels.filter((x) => x.type !== 'row')) {
      for (const ds of [p.datasource, ...p.targets.map((t: any) => t.datasource)]) expect(['${datasource}', '${traces}'], p.title).toContain(ds.uid);
    }
  });

  it('every PromQL expression parses (Prometheus grammar) and names only metrics the code registers', () => {
    const registered = registeredMetrics();
    const known = new Set([...registered].flatMap(([n, t]) => seriesNames(n, t)));
    const exprs = [...promTargets(panels), ...DASHBOARD.templating.list.filter((v: any) => v.type === 'query').map((v: any) => ({ panel: v.name, expr: v.query.query.replace(/^label_values\((.*), \w+\)$/, '$1') }))];
    expect(exprs.length).toBeGreaterThan(25);
    const used = new Set<string>();
    for (const { panel, expr } of exprs) {
      const names = metricNames(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const n of names) {
        expect(known, `${panel}: ${n}`).toContain(n);
        used.add(n);
      }
    }
    // What the issue asks the dashboard to show, by the metric that shows it.
    for (const n of ['verimesh_verifier_results_total', 'verimesh_verifier_duration_seconds_bucket', 'verimesh_gateway_samples_total', 'verimesh_gateway_component_score_bucket', 'verimesh_items_queued', 'verimesh_gateway_groups_total', 'verimesh_flags_total', 'verimesh_pool_busy']) {
      expect(used, n).toContain(n);
    }
    const quantiles = promTargets(panels).map((t) => /histogram_quantile\((0\.\d+), [^(]*\(le, verifier\)/.exec(t.expr)?.[1]).filter(Boolean);
    expect(quantiles.sort()).toEqual(['0.5', '0.99']);
  });

  it('the PromQL check can fail: a misspelt metric and a broken expression are caught', () => {
    const known = new Set([...registeredMetrics()].flatMap(([n, t]) => seriesNames(n, t)));
    expect(metricNames('sum(rate(verimesh_verifier_result_total[$__rate_interval]))').every((n) => known.has(n))).toBe(false);
    expect(() => metricNames('sum(rate(verimesh_flags_total[5m])')).toThrow(/does not parse/);
  });

  it('links panels to traces of failing calls: a trace table on ${traces}, and Explore links whose pane is valid JSON', () => {
    const table = panels.find((p) => p.id === 900)!;
    expect(table.datasource).toEqual({ type: 'tempo', uid: '${traces}' });
    expect(table.targets[0]).toMatchObject({ queryType: 'traceql', query: '{resource.service.name=~"${service:regex}" && status=error}' });
    const linked = panels.filter((p) => p.links?.length);
    expect(linked.length).toBeGreaterThanOrEqual(4);
    for (const p of linked) {
      const url = new URL(p.links[0].url, 'http://grafana.local');
      expect(url.pathname).toBe('/explore');
      const pane = JSON.parse(url.searchParams.get('panes')!);
      expect(pane.traces.datasource).toBe('${traces}');
      expect(pane.traces.queries[0].query).toBe(table.targets[0].query);
    }
  });
});

describe('the dashboard as the chart ships it', () => {
  it('a ConfigMap with the grafana_dashboard label when enabled, nothing when not', () => {
    expect(render().filter((m) => m.metadata.name.endsWith('-dashboard'))).toEqual([]);
    const cm = render([], ['dashboard.enabled=true']).find((m) => m.metadata.name === `${RELEASE}-dashboard`)!;
    expect(cm.metadata.labels!.grafana_dashboard).toBe('1');
    expect(JSON.parse(cm.data['verimesh.json'])).toEqual(DASHBOARD);
  });

  it('with a Jaeger datasource: the traces variable, the table and every link ask Jaeger, by uid when given', () => {
    const cm = render([join(CHART, 'ci/all-features.yaml')]).find((m) => m.metadata.name === 'vm-dashboard')!;
    const d = JSON.parse(cm.data['verimesh.json']);
    const traces = d.templating.list.find((v: any) => v.name === 'traces');
    expect(traces.query).toBe('jaeger');
    expect(traces.current).toEqual({ text: 'jaeger-prod', value: 'jaeger-prod' });
    const table = d.panels.find((p: Panel) => p.id === 900);
    expect(table.datasource).toEqual({ type: 'jaeger', uid: '${traces}' });
    expect(table.targets[0]).toMatchObject({ queryType: 'search', service: '${service}', tags: 'error=true' });
    for (const p of d.panels.filter((x: Panel) => x.links?.length)) {
      const pane = JSON.parse(new URL(p.links[0].url, 'http://g').searchParams.get('panes')!);
      expect(pane.traces.queries[0].datasource.type).toBe('jaeger');
    }
    // Everything else is the shipped file.
    const strip = (x: any) => ({ ...x, panels: x.panels.filter((p: Panel) => !p.links && p.id !== 900), templating: null });
    expect(strip(d)).toEqual(strip(DASHBOARD));
  });
});

describe('the dashboard against metrics scraped from a real gateway and a real verifier', () => {
  let math: RunningService;
  let gw: RunningGateway;
  let gateway: Gateway;
  beforeAll(async () => {
    const svc = createService(loadServiceConfig({ env: { VERIMESH_MATH_WORKERS: '1' } }));
    math = await serve(svc, { host: '127.0.0.1', port: 0, metricsPort: 0, log: noopLogger });
    gateway = new Gateway({ backends: { math: grpcBackend('math', math.address) } });
    gw = await startGateway(gateway, { host: '127.0.0.1', port: 0, httpPort: 0, log: noopLogger });
  }, 120_000);
  afterAll(async () => {
    await gw?.shutdown();
    await math?.shutdown(100);
  });

  it('after a scored batch every metric the dashboard queries is exported by one of them', async () => {
    // Groups of four: one with equal rewards, one informative; a duplicate response raises a sentinel flag.
    const reward = { components: [{ name: 'answer', verifier: 'math.equiv' }, { name: 'format', verifier: 'text.format', params: { format: 'boxed' }, weight: 0.2 }] };
    const samples = ['\\boxed{2}', '\\boxed{2}', '\\boxed{3}', 'two', '\\boxed{5}', '\\boxed{5}', '\\boxed{5}', '\\boxed{5}'].map((response, i) => ({
      id: `s${i}`, group: i < 4 ? 'g1' : 'g2', prompt: '1+1?', response, reference: { answer: i < 4 ? '2' : '5' }, reward,
    }));
    const res = await fetch(`http://127.0.0.1:${gw.httpPort}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ samples }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { groups: Record<string, { all_equal: boolean }> };
    expect(body.groups.g1?.all_equal).toBe(false);
    expect(body.groups.g2?.all_equal).toBe(true);
    const exported = new Set<string>();
    for (const at of [`127.0.0.1:${gw.httpPort}`, `127.0.0.1:${math.metricsPort}`]) {
      for (const fam of (await scrape(at)).values()) for (const s of fam.samples) exported.add(s.name);
    }
    const missing = promTargets(panels).flatMap((t) => metricNames(t.expr)).filter((n) => !exported.has(n));
    expect([...new Set(missing)]).toEqual([]);
  }, 120_000);
});

describe('the OpenTelemetry Collector option', () => {
  const ms = render([join(CHART, 'ci/shared-cluster.yaml')]);
  const cm = byKind(ms, 'ConfigMap').find((c) => c.metadata.name === `${RELEASE}-otel-collector`)!;
  const config = parse(cm.data['config.yaml']);
  // Components of the core distribution (otel/opentelemetry-collector), by type before any "/name".
  const CORE = {
    receivers: ['otlp', 'prometheus'],
    processors: ['batch', 'memory_limiter'],
    exporters: ['debug', 'otlp', 'otlphttp', 'prometheus', 'prometheusremotewrite'],
    extensions: ['health_check'],
  };

  it('its pipelines use only defined components of the core distribution', () => {
    for (const [kind, names] of Object.entries(CORE)) for (const k of Object.keys(config[kind] ?? {})) expect(names, `${kind} ${k}`).toContain(k.split('/')[0]);
    for (const [name, p] of Object.entries<any>(config.service.pipelines)) {
      for (const kind of ['receivers', 'processors', 'exporters']) for (const c of p[kind]) expect(config[kind], `${name} ${kind} ${c}`).toHaveProperty([c]);
    }
    expect(config.service.pipelines.traces.exporters).toEqual(['otlp/traces']);
    expect(config.exporters['otlp/traces'].endpoint).toBe('http://tempo-distributor.observability:4317');
    expect(config.service.pipelines.metrics.exporters).toEqual(['prometheus']);
  });

  it('scrapes every service on the port that serves its /metrics, through its headless Service name', () => {
    const jobs = config.receivers.prometheus.config.scrape_configs;
    const want = ms
      .filter((m) => m.kind === 'Service' && m.spec.clusterIP === 'None')
      .map((s) => {
        const p = s.spec.ports.find((x: any) => x.name === 'metrics') ?? s.spec.ports.find((x: any) => x.name === 'http');
        return { name: `${s.metadata.name}.${s.metadata.namespace}.svc`, port: p.port, ns: s.metadata.namespace };
      });
    const got = jobs.map((j: any) => ({ name: j.dns_sd_configs[0].names[0], port: j.dns_sd_configs[0].port, ns: j.relabel_configs[0].replacement }));
    expect(got.sort((a: any, b: any) => a.name.localeCompare(b.name))).toEqual(want.sort((a, b) => a.name.localeCompare(b.name)));
    for (const j of jobs) expect(j).toMatchObject({ metrics_path: '/metrics', honor_labels: true });
  });

  it("points every service's OTLP export at it, and runs under `restricted`", () => {
    const svc = byKind(ms, 'Service').find((s) => s.metadata.name === `${RELEASE}-otel-collector`)!;
    for (const d of byKind(ms, 'Deployment').filter((x) => nameLabel(x) !== 'otel-collector')) {
      const env = Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT, d.metadata.name).toBe(`http://${svc.metadata.name}.${NAMESPACE}.svc:4317`);
      expect(env.OTEL_EXPORTER_OTLP_PROTOCOL).toBe('grpc');
    }
    const http = render([join(CHART, 'ci/shared-cluster.yaml')], ['otel.protocol=http/protobuf']);
    const gwDep = byKind(http, 'Deployment').find((x) => nameLabel(x) === 'gateway')!;
    const env = Object.fromEntries(gwDep.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/:4318$/);
    const dep = byKind(ms, 'Deployment').find((x) => nameLabel(x) === 'otel-collector')!;
    const pod = podOf(dep)!;
    expect(podSecurityViolations(pod.meta, pod.spec, 'restricted')).toEqual([]);
    expect(dep.spec.template.spec.containers[0].args).toEqual(['--config=/conf/config.yaml']);
  });

  it('remote write or OTLP for metrics when asked, and no collector at all by default', () => {
    const rw = render([join(CHART, 'ci/shared-cluster.yaml')], ['otel.collector.metrics.exporter=prometheusremotewrite', 'otel.collector.metrics.endpoint=http://mimir/api/v1/push']);
    const c = parse(byKind(rw, 'ConfigMap').find((x) => x.metadata.name === `${RELEASE}-otel-collector`)!.data['config.yaml']);
    expect(c.service.pipelines.metrics.exporters).toEqual(['prometheusremotewrite']);
    expect(c.exporters.prometheusremotewrite.endpoint).toBe('http://mimir/api/v1/push');
    expect(render().filter((m) => nameLabel(m) === 'otel-collector')).toEqual([]);
  });
});
