// Talking to a remote gateway over gRPC: ScoreStream with bounded in-flight samples (conversions: @verimesh/gateway).
import * as grpc from '@grpc/grpc-js';
import { resultFromProto } from '@verimesh/gateway';
import { loadPackage } from '@verimesh/proto';
import type { ResultJson, RewardGatewayServiceClient, Sample, ScoreStreamRequest, ScoreStreamResponse__Output, VerifierInfo__Output } from '@verimesh/proto';

export function gatewayClient(target: string): RewardGatewayServiceClient {
  const pkg = loadPackage();
  return new pkg.verimesh.v1.RewardGatewayService(target, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 256 * 1024 * 1024,
    'grpc.max_send_message_length': 256 * 1024 * 1024,
  });
}

/**
 * Resolves when the channel is connected. Rejects with a clear message as soon as a connection attempt fails
 * (refused, no route: a run against a gateway that is down should not sit there) or after `ms`.
 */
export function waitReady(client: grpc.Client, target: string, ms = 5_000): Promise<void> {
  const channel = client.getChannel();
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.READY) return resolve();
      if (state === grpc.connectivityState.TRANSIENT_FAILURE) return reject(new Error(`gateway ${target} is not reachable (connection failed)`));
      if (state === grpc.connectivityState.SHUTDOWN) return reject(new Error(`gateway ${target}: channel closed`));
      channel.watchConnectivityState(state, deadline, (err) => {
        if (err) reject(new Error(`gateway ${target} is not reachable (no connection within ${ms} ms)`));
        else check();
      });
    };
    check();
  });
}

export interface RemoteScoreOptions {
  /** Samples per ScoreStreamRequest message. */
  batch: number;
  /** Samples sent but not yet answered, at most (keeps memory flat on a large file). */
  window: number;
  /**
   * Inactivity bound: while samples are unanswered, a gap of this long without any result fails the run
   * (a gateway that accepted the stream and went silent must not hang the command). 0 = no bound.
   */
  idleTimeoutMs: number;
}

/**
 * Streams samples to a remote gateway's ScoreStream and yields each result as it arrives. Throws when the
 * stream fails before every sent sample got its result (gateway down or gone mid-run).
 */
export async function* scoreRemote(client: RewardGatewayServiceClient, samples: AsyncIterable<Sample>, opts: RemoteScoreOptions): AsyncGenerator<ResultJson> {
  const call = client.ScoreStream();
  const queue: ResultJson[] = [];
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  // Separate waiters: the reader waits for results, the writer waits for room in the window.
  let roomWake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
    const r = roomWake;
    roomWake = undefined;
    r?.();
  };
  let sent = 0;
  let received = 0;
  // One timer, re-armed (refresh) on every result; it fires only while results are owed.
  const idle =
    opts.idleTimeoutMs > 0
      ? setTimeout(function onIdle() {
          if (sent > received && !ended && !failure) {
            failure = new Error(`the gateway sent no result for ${opts.idleTimeoutMs} ms with ${sent - received} samples unanswered (--timeout-ms)`);
            call.cancel();
            notify();
          } else idle!.refresh();
        }, Math.min(opts.idleTimeoutMs, 2 ** 31 - 1))
      : undefined;
  call.on('data', (msg: ScoreStreamResponse__Output) => {
    if (msg.result) {
      idle?.refresh();
      received++;
      queue.push(resultFromProto(msg.result));
      notify();
    }
  });
  call.on('error', (err: Error) => {
    // The first cause wins: cancelling after an idle timeout also ends the call with CANCELLED.
    failure ??= err;
    notify();
  });
  call.on('end', () => {
    ended = true;
    notify();
  });
  const writer = (async () => {
    let chunk: Sample[] = [];
    const flush = async (): Promise<void> => {
      if (!chunk.length) return;
      const msg: ScoreStreamRequest = { samples: chunk };
      // The clock starts when the first owed result is sent for, not at the last result long ago.
      if (sent === received) idle?.refresh();
      sent += chunk.length;
      chunk = [];
      if (!call.write(msg)) await new Promise<void>((r) => call.once('drain', () => r()));
    };
    for await (const s of samples) {
      if (failure) return;
      chunk.push(s);
      if (chunk.length >= opts.batch) await flush();
      while (!failure && !ended && sent - received >= opts.window) await new Promise<void>((r) => (roomWake = r));
    }
    await flush();
    call.end();
  })().catch((e: unknown) => {
    failure ??= e instanceof Error ? e : new Error(String(e));
    call.cancel();
    notify();
  });
  try {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      if (failure) throw failure;
      if (ended) break;
      await new Promise<void>((r) => (wake = r));
    }
    await writer;
    if (failure) throw failure;
    if (received < sent) throw new Error(`gateway stream ended after ${received} of ${sent} results`);
  } finally {
    clearTimeout(idle);
    if (!ended) call.cancel();
  }
}

export async function listRemoteVerifiers(client: RewardGatewayServiceClient): Promise<VerifierInfo__Output[]> {
  return new Promise((resolve, reject) =>
    client.ListVerifiers({}, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res?.verifiers ?? []))),
  );
}
