// The gateway process: parse config (fail fast), telemetry, build backends and profiles, serve gRPC + HTTP, drain on SIGTERM.
import { ConfigError, createLogger, type LogLevel } from '@verimesh/kit';
import type { ServiceName } from '@verimesh/proto';
import { initTelemetry } from '@verimesh/telemetry';
import { grpcBackend, type VerifierBackend } from './backends.js';
import { loadGatewayConfig } from './config.js';
import { Gateway } from './gateway.js';
import { loadProfiles } from './profiles.js';
import { startGateway } from './server.js';

async function main(): Promise<void> {
  let gateway: Gateway;
  let config;
  let log;
  try {
    config = loadGatewayConfig({ argv: process.argv.slice(2) });
    const backends: Partial<Record<ServiceName, VerifierBackend>> = {};
    for (const [name, target] of Object.entries(config.serviceTargets)) backends[name as ServiceName] = grpcBackend(name as ServiceName, target);
    log = createLogger('gateway', config.logLevel as LogLevel);
    gateway = new Gateway({ backends, profiles: loadProfiles(config.profiles), defaultTimeoutMs: config.defaultTimeoutMs, maxInFlight: config.maxInFlight, log });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`gateway: configuration error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  await initTelemetry('gateway');
  const running = await startGateway(gateway, { host: config.host, port: config.port, httpPort: config.httpPort, shutdownGraceMs: config.shutdownGraceMs, handleSignals: true, log });
  log.info('gateway ready', { grpc_port: running.grpcPort, http_port: running.httpPort, services: config.serviceTargets, profiles: config.profiles });
}

void main();
