// Benchmark helpers for gRPC clients over loopback: gateway and verifier clients, Score and VerifyBatch as promises.
import * as grpc from '@grpc/grpc-js';
import { loadPackage, type RewardGatewayServiceClient, type Sample, type ScoreResponse, type VerifierServiceClient, type VerifyBatchResponse, type VerifyItem } from '@verimesh/proto';

/** Message size limits large enough for 1,024-sample batches. */
export const MSG = { 'grpc.max_receive_message_length': 256 << 20, 'grpc.max_send_message_length': 256 << 20 };

export function gatewayClient(port: number): RewardGatewayServiceClient {
  const Ctor = loadPackage().verimesh.v1.RewardGatewayService;
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), MSG);
}

/** A VerifierService client; `target` is a port on 127.0.0.1 or a host:port. */
export function verifierClient(target: number | string): VerifierServiceClient {
  const Ctor = loadPackage().verimesh.v1.VerifierService;
  return new Ctor(typeof target === 'number' ? `127.0.0.1:${target}` : target, grpc.credentials.createInsecure(), MSG);
}

export const score = (c: RewardGatewayServiceClient, samples: Sample[], timeoutMs = 120_000): Promise<ScoreResponse> =>
  new Promise((resolve, reject) => c.Score({ samples }, { deadline: Date.now() + timeoutMs }, (e, r) => (e ? reject(e) : resolve(r as ScoreResponse))));

export const verify = (c: VerifierServiceClient, items: VerifyItem[], timeoutMs = 120_000): Promise<VerifyBatchResponse> =>
  new Promise((resolve, reject) => c.VerifyBatch({ items }, { deadline: Date.now() + timeoutMs }, (e, r) => (e ? reject(e) : resolve(r as VerifyBatchResponse))));
