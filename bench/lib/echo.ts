// Echo processes for benchmarks: the transport limit of the same hops doing no work. Run as a script:
//   tsx bench/lib/echo.ts --echo-verifier --port N [--delay-ms D]   a VerifierService answering like vision.box_iou
//   tsx bench/lib/echo.ts --echo-gateway --port N --target H:P      a RewardGatewayService relaying each Score as one VerifyBatch
//   tsx bench/lib/echo.ts --echo-score --port N [--direct]          a RewardGatewayService answering each Score itself
//                                                                   (--direct: its reply encoded by the gateway's own encoder)
import { pathToFileURL } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import { encodeScoreResponse, gatewayServiceDefinition, type SampleOutcome } from '@verimesh/gateway';
import { noopLogger, startServer, type ServerOptions } from '@verimesh/kit';
import { loadPackage, type ScoreRequest__Output, type ScoreResponse, type VerifierServiceClient, type VerifyBatchRequest__Output, type VerifyBatchResponse, type VerifyItem } from '@verimesh/proto';
import { verifierClient } from './grpc.js';

/** startServer on 127.0.0.1 without logs. */
const serve = (name: string, port: number, register: ServerOptions['register']) => startServer({ name, host: '127.0.0.1', port, log: noopLogger, register });

/** The RewardGatewayService methods an echo gateway does not measure. */
const gatewayStubs = {
  ScoreStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end(),
  ListVerifiers: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { verifiers: [] }),
};

/**
 * A VerifierService that answers every item with a result shaped like vision.box_iou's, doing no work; after `delayMs`
 * when given (holds batches in flight, e.g. for an RSS probe).
 */
export async function echoVerifier(port: number, delayMs = 0): Promise<void> {
  const pkg = loadPackage();
  await serve('echo-verifier', port, (server) =>
    server.addService(pkg.verimesh.v1.VerifierService.service, {
      VerifyBatch: (call: grpc.ServerUnaryCall<VerifyBatchRequest__Output, VerifyBatchResponse>, cb: grpc.sendUnaryData<VerifyBatchResponse>) => {
        const answer = () =>
          cb(null, {
            results: call.request.items.map((it) => ({
              key: it.key,
              result: { score: 0.91, status: 'COMPONENT_STATUS_OK', detail: 'IoU 0.910 against 1 reference box', metrics_json: '{"iou":0.91,"ref_index":0}', latency_ms: 0.01 },
            })),
          });
        if (delayMs > 0) setTimeout(answer, delayMs);
        else answer();
      },
      Describe: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { service: 'vision-iou', version: 'echo', verifiers: [] }),
    }),
  );
}

/** A RewardGatewayService that relays each Score as one VerifyBatch to `target` and maps results back, nothing else. */
export async function echoGateway(port: number, target: string): Promise<void> {
  const pkg = loadPackage();
  const down: VerifierServiceClient = verifierClient(target);
  await serve('echo-gateway', port, (server) =>
    server.addService(pkg.verimesh.v1.RewardGatewayService.service, {
      Score: (call: grpc.ServerUnaryCall<ScoreRequest__Output, ScoreResponse>, cb: grpc.sendUnaryData<ScoreResponse>) => {
        const samples = call.request.samples;
        const items: VerifyItem[] = samples.map((s, i) => {
          const c = s.reward!.components[0]!;
          return { key: String(i), verifier: c.verifier, response: s.response, reference_json: s.reference_json, params_json: c.params_json };
        });
        down.VerifyBatch({ items }, { deadline: Date.now() + 60_000 }, (err, res) => {
          if (err || !res) return cb(err ?? new Error('no response'));
          const results = samples.map((s, i) => {
            const r = res.results![i]!.result!;
            return {
              id: s.id,
              reward: r.score,
              status: 'RESULT_STATUS_OK' as const,
              error: '',
              metadata_json: s.metadata_json,
              components: [{ name: 'iou', score: r.score, status: r.status, detail: r.detail, metrics_json: r.metrics_json, latency_ms: r.latency_ms }],
            };
          });
          cb(null, { results, groups: [] });
        });
      },
      ...gatewayStubs,
    }),
  );
}

/**
 * A RewardGatewayService whose Score answers each sample with a result of the gateway's shape itself, one hop, doing no
 * work. `direct`: the reply is written by the gateway's reply encoder (services/gateway/src/reply.ts) instead of the
 * generic proto-loader one, so the echo is the transport limit of the gateway's own transport code.
 */
export async function echoScore(port: number, direct = false): Promise<void> {
  const pkg = loadPackage();
  await serve('echo', port, (server) =>
    server.addService(direct ? gatewayServiceDefinition() : pkg.verimesh.v1.RewardGatewayService.service, {
      Score: (call: grpc.ServerUnaryCall<ScoreRequest__Output, ScoreResponse>, cb: grpc.sendUnaryData<ScoreResponse>) => {
        if (direct) {
          const results = call.request.samples.map(
            (s, index): SampleOutcome => ({
              index,
              id: s.id,
              group: undefined,
              reward: 1,
              status: 'ok',
              error: null,
              flags: 0,
              metadata: undefined,
              metadataJson: s.metadata_json,
              components: s.reward!.components.map((c) => ({
                name: c.name || c.verifier,
                verifier: c.verifier,
                score: 1,
                status: 'ok',
                detail: 'choice B matches',
                metricsJson: '{"match":"letter","letter":"B"}',
                latencyMs: 0.01,
                weight: 0,
                contribution: null,
                flags: 0,
              })),
            }),
          );
          cb(null, encodeScoreResponse(results, []) as unknown as ScoreResponse);
          return;
        }
        const results = call.request.samples.map((s) => ({
          id: s.id,
          reward: 1,
          status: 'RESULT_STATUS_OK' as const,
          error: '',
          metadata_json: s.metadata_json,
          components: s.reward!.components.map((c) => ({
            name: c.name || c.verifier,
            score: 1,
            status: 'COMPONENT_STATUS_OK' as const,
            detail: 'choice B matches',
            metrics_json: '{"match":"letter","letter":"B"}',
            latency_ms: 0.01,
          })),
        }));
        cb(null, { results, groups: [] });
      },
      ...gatewayStubs,
    }),
  );
}

// Run as a script (spawned by the benchmarks): serve until killed.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const port = Number(flag('--port'));
  const started = args.includes('--echo-verifier')
    ? echoVerifier(port, Number(flag('--delay-ms') ?? 0))
    : args.includes('--echo-gateway')
      ? echoGateway(port, String(flag('--target')))
      : args.includes('--echo-score')
        ? echoScore(port, args.includes('--direct'))
        : Promise.reject(new Error('usage: echo.ts --echo-verifier|--echo-gateway|--echo-score --port N'));
  started.catch((e: unknown) => {
    process.stderr.write(`echo failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
