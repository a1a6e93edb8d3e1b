// Talking to a remote gateway over gRPC: JSON samples to proto and back, ScoreStream with bounded in-flight samples.
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '@verimesh/kit';
import { componentStatusFromProto, loadPackage, resultStatusFromProto } from '@verimesh/proto';
import type {
  Component,
  ComponentResultJson,
  Media,
  Result__Output,
  ResultJson,
  RewardGatewayServiceClient,
  RewardSpec,
  Sample,
  ScoreStreamRequest,
  ScoreStreamResponse__Output,
  VerifierInfo__Output,
} from '@verimesh/proto';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function str(o: Obj, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidArgumentError(`${field}${key}`, `${field}${key} must be a string`);
  return v;
}

function num(o: Obj, key: string, field: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`${field}${key}`, `${field}${key} must be a finite number`);
  return v;
}

function json(o: Obj, key: string, field: string, object = true): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (object && !isObj(v)) throw new InvalidArgumentError(`${field}${key}`, `${field}${key} must be a JSON object`);
  return JSON.stringify(v);
}

function componentToProto(c: unknown, i: number): Component {
  const field = `reward.components[${i}].`;
  if (!isObj(c)) throw new InvalidArgumentError(`reward.components[${i}]`, `reward.components[${i}] must be an object`);
  const out: Component = { verifier: str(c, 'verifier', field) ?? '', name: str(c, 'name', field) ?? '' };
  const weight = num(c, 'weight', field);
  if (weight !== undefined) out.weight = weight;
  out.reference_json = json(c, 'reference', field) ?? '';
  out.params_json = json(c, 'params', field) ?? '';
  if (c.gate !== undefined && c.gate !== null) {
    if (!isObj(c.gate)) throw new InvalidArgumentError(`${field}gate`, `${field}gate must be an object`);
    const min = num(c.gate, 'min', `${field}gate.`);
    if (min === undefined) throw new InvalidArgumentError(`${field}gate.min`, `${field}gate.min is required`);
    const value = num(c.gate, 'value', `${field}gate.`);
    out.gate = value === undefined ? { min } : { min, value };
  }
  const timeout = num(c, 'timeout_ms', field);
  if (timeout !== undefined) {
    if (!Number.isInteger(timeout) || timeout <= 0 || timeout > 0xffffffff) throw new InvalidArgumentError(`${field}timeout_ms`, `${field}timeout_ms must be a positive integer`);
    out.timeout_ms = timeout;
  }
  if (c.on_error !== undefined && c.on_error !== null) {
    if (!isObj(c.on_error)) throw new InvalidArgumentError(`${field}on_error`, `${field}on_error must be an object`);
    out.on_error = { score: num(c.on_error, 'score', `${field}on_error.`) ?? 0 };
  }
  return out;
}

function rewardToProto(r: unknown): RewardSpec {
  if (!isObj(r)) throw new InvalidArgumentError('reward', 'reward must be an object');
  if (!Array.isArray(r.components)) throw new InvalidArgumentError('reward.components', 'reward.components must be a list');
  const out: RewardSpec = { components: r.components.map(componentToProto) };
  if (typeof r.combine === 'string') out.combine = r.combine;
  else if (isObj(r.combine) && typeof r.combine.formula === 'string') out.formula = r.combine.formula;
  else if (r.combine !== undefined && r.combine !== null) throw new InvalidArgumentError('reward.combine', 'reward.combine must be a mode name or {"formula": "..."}');
  return out;
}

/**
 * A JSON sample (SPEC section 1) as the proto Sample. Type errors that the proto cannot carry (a string weight,
 * a list as reference) throw InvalidArgumentError naming the field; the CLI turns that into the line's `invalid` result.
 */
export function sampleToProto(s: Obj): Sample {
  const out: Sample = { id: str(s, 'id', '') ?? '', response: str(s, 'response', '') ?? '' };
  const group = str(s, 'group', '');
  if (group !== undefined) out.group = group;
  const prompt = str(s, 'prompt', '');
  if (prompt !== undefined) out.prompt = prompt;
  const profile = str(s, 'profile', '');
  if (profile !== undefined) out.profile = profile;
  const ref = json(s, 'reference', '');
  if (ref !== undefined) out.reference_json = ref;
  if (s.reward !== undefined && s.reward !== null) out.reward = rewardToProto(s.reward);
  if (s.metadata !== undefined) out.metadata_json = JSON.stringify(s.metadata);
  if (s.media !== undefined && s.media !== null) {
    if (!Array.isArray(s.media)) throw new InvalidArgumentError('media', 'media must be a list');
    out.media = s.media.map((m, i): Media => {
      if (!isObj(m)) throw new InvalidArgumentError(`media[${i}]`, `media[${i}] must be an object`);
      const f = `media[${i}].`;
      return { kind: str(m, 'kind', f) ?? '', role: str(m, 'role', f) ?? '', uri: str(m, 'uri', f) ?? '', data_b64: str(m, 'data_b64', f) ?? '', mime: str(m, 'mime', f) ?? '' };
    });
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A proto Result as the JSON result of SPEC section 3. */
export function resultFromProto(r: Result__Output): ResultJson {
  const components: Record<string, ComponentResultJson> = {};
  for (const c of r.components ?? []) {
    const out: ComponentResultJson = { score: c.score, status: componentStatusFromProto(c.status) };
    if (c.detail) out.detail = c.detail;
    if (c.metrics_json) out.metrics = parseJson(c.metrics_json) as Record<string, unknown>;
    out.latency_ms = c.latency_ms;
    components[c.name] = out;
  }
  const res: ResultJson = { id: r.id, reward: r.reward, status: resultStatusFromProto(r.status), error: r.error || null, components };
  if (r.metadata_json) res.metadata = parseJson(r.metadata_json);
  return res;
}

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
