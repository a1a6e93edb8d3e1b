// Child process for otlp.int.test.ts: init telemetry from the environment, record one span, flush, exit.
import { initTelemetry, shutdownTelemetry, tracer } from '../src/index.js';

const enabled = await initTelemetry('emit-span-test');
tracer().startSpan('verimesh-otlp-probe-span').end();
await shutdownTelemetry();
process.stdout.write(enabled ? 'enabled\n' : 'disabled\n');
