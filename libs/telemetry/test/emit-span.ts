// Child process for otlp.int.test.ts: init telemetry from the environment, record PROBE_BATCHES spans (one per
// export, flushed one by one), shut down, print what initTelemetry chose. Logs JSON lines on stderr.
import { flushTelemetry, initTelemetry, shutdownTelemetry, tracer } from '../src/index.js';

const line = (level: string) => (msg: string, fields?: Record<string, unknown>) => process.stderr.write(JSON.stringify({ level, msg, ...fields }) + '\n');
const log = { info: line('info'), warn: line('warn') };
const state = await initTelemetry('emit-span-test', { log });
const batches = Number(process.env.PROBE_BATCHES ?? 1);
for (let i = 0; i < batches; i++) {
  tracer().startSpan(`verimesh-otlp-probe-span-${i}`, { attributes: { 'probe.batch': i } }).end();
  await flushTelemetry().catch(() => undefined);
}
await shutdownTelemetry(undefined, log);
process.stdout.write(JSON.stringify(state) + '\n');
