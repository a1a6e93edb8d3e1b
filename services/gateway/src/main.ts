// The gateway process: the kit's runProcess (config fails fast, telemetry, drain on SIGTERM) starting backends, profiles, gRPC + HTTP.
import { runProcess, type ReadyMessage } from '@verimesh/kit';
import type { ServiceName } from '@verimesh/proto';
import { grpcBackend, type VerifierBackend } from './backends.js';
import { OPTIONS, loadGatewayConfig } from './config.js';
import { Gateway } from './gateway.js';
import { loadProfiles } from './profiles.js';
import { startGateway } from './server.js';

void runProcess('gateway', OPTIONS, async (_common, log) => {
  const config = loadGatewayConfig({ argv: process.argv.slice(2) });
  const backends: Partial<Record<ServiceName, VerifierBackend>> = {};
  for (const [name, target] of Object.entries(config.serviceTargets)) {
    backends[name as ServiceName] = grpcBackend(name as ServiceName, target, {
      chunkItems: config.chunkItemsOf(name as ServiceName),
      chunksPerReplica: config.chunksPerReplica,
      resolveIntervalMs: config.resolveIntervalMs,
      ejectAfter: config.ejectAfter,
      ejectMs: config.ejectMs,
      log: log.child({ service: name }),
    });
  }
  const gateway = new Gateway({ backends, profiles: loadProfiles(config.profiles), defaultTimeoutMs: config.defaultTimeoutMs, maxInFlight: config.maxInFlight, log });
  const running = await startGateway(gateway, { host: config.host, port: config.port, httpPort: config.httpPort, shutdownGraceMs: config.shutdownGraceMs, log });
  log.info('gateway ready', { grpc_port: running.grpcPort, http_port: running.httpPort, services: config.serviceTargets, profiles: config.profiles });
  const ready: ReadyMessage = { verimesh: 'ready', service: 'gateway', port: running.grpcPort, httpPort: running.httpPort };
  process.send?.(ready);
  return {
    shutdown: async () => {
      await running.shutdown();
      await gateway.close();
    },
  };
});
