// The gateway's network faces: gRPC RewardGatewayService (kit startServer: health, reflection) and HTTP /v1/score, /get_reward, /healthz, /metrics.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, VerimeshError, callDeadline, createLogger, messageOf, startServer, toHttpError, toStatus, withReplyMargin, type Logger } from '@verimesh/kit';
import {
  type ListVerifiersRequest__Output,
  type ListVerifiersResponse,
  type Sample__Output,
  type ScoreRequest__Output,
  type ScoreResponse,
  type ScoreStreamRequest__Output,
  type ScoreStreamResponse,
} from '@verimesh/proto';
import { addressAttributes, extractHeaders, extractMetadata, recordError, rpcAttributes, withServerSpan } from '@verimesh/telemetry';
import type { Span } from '@opentelemetry/api';
import type { SampleOutcome } from './scoring.js';
import type { Gateway } from './gateway.js';
import { getRewardOptions, getRewardReply, getRewardSamples } from './openrlhf.js';
import { encodeScoreResponse, encodeStreamResult, gatewayServiceDefinition } from './reply.js';
import { groupStats, groupStatsProto } from './results.js';

/** The largest HTTP body read (the same ceiling as a gRPC message). */
export const MAX_HTTP_BODY = 256 * 1024 * 1024;

export interface StartGatewayOptions {
  host?: string;
  /** gRPC port (0 = any free port; default 50051). */
  port?: number;
  /** HTTP port (0 = any free port; default 8080). */
  httpPort?: number;
  /** On shutdown: how long in-flight calls may drain before they are cut. (Signals: the kit's drainOnSignal, via main.ts.) */
  shutdownGraceMs?: number;
  log?: Logger;
}

export interface RunningGateway {
  grpcPort: number;
  httpPort: number;
  /** Stops accepting, drains in-flight calls (forced after the grace period). Does not close the gateway's backends. */
  shutdown(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_HTTP_BODY) throw new InvalidArgumentError('body', `body: larger than ${MAX_HTTP_BODY} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_HTTP_BODY) throw new InvalidArgumentError('body', `body: larger than ${MAX_HTTP_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** An AbortSignal that fires when the client goes away before its answer was written. */
function abortOnClose(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client went away'));
  });
  return controller.signal;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError('body', `body is not valid JSON: ${messageOf(e)}`);
  }
}

/**
 * Serves a JSON route inside its SERVER span (continuing the caller's `traceparent`): 200 with `work`'s value, or the
 * error's HTTP status and body; counts it. The answer is written, and any failure logged, inside the span, so those
 * log lines carry the request's trace and the span carries http.response.status_code.
 */
function route(req: IncomingMessage, res: ServerResponse, gateway: Gateway, log: Logger, path: string, work: () => Promise<unknown>): void {
  const attrs = {
    'http.request.method': 'POST',
    'http.route': path,
    'url.path': path,
    'url.scheme': 'http',
    'server.port': req.socket.localPort,
    ...addressAttributes('network.peer', `${req.socket.remoteAddress}:${req.socket.remotePort}`),
    'network.protocol.version': req.httpVersion,
    'user_agent.original': req.headers['user-agent'],
  };
  void withServerSpan(`POST ${path}`, extractHeaders(req.headers), attrs, async (span) => {
    let status = 200;
    let body: string;
    try {
      body = JSON.stringify(await work());
      gateway.metrics.requests.inc(['http', 'OK']);
    } catch (err) {
      const e = toHttpError(err);
      status = e.status;
      body = JSON.stringify(e.body);
      gateway.metrics.requests.inc(['http', e.body.error.code]);
      if (status === 429) res.setHeader('retry-after', '1');
      recordError(span, err);
      if (status >= 500) log.warn('score failed', { error: messageOf(err) });
    }
    span.setAttribute('http.response.status_code', status);
    send(res, status, body);
  });
}

type PostRoute = (req: IncomingMessage, gateway: Gateway, signal: AbortSignal) => Promise<unknown>;

/** The JSON routes (POST only; any other method is 405). */
const POST_ROUTES: ReadonlyMap<string, PostRoute> = new Map<string, PostRoute>([
  ['/v1/score', async (req, gateway, signal) => {
    const body = await readJson(req);
    if (body === null || typeof body !== 'object' || Array.isArray(body) || !Array.isArray((body as { samples?: unknown }).samples)) {
      throw new InvalidArgumentError('samples', 'samples: the body must be {"samples": [...]}');
    }
    return gateway.score((body as { samples: unknown[] }).samples, { signal });
  }],
  // OpenRLHF's remote reward protocol (SPEC section 5, src/openrlhf.ts): --reward.remote_url http://<gateway>:8080/get_reward?profile=NAME
  ['/get_reward', async (req, gateway, signal) => {
    const opts = getRewardOptions(new URL(req.url ?? '/', 'http://gateway').searchParams);
    const samples = getRewardSamples(await readJson(req), opts);
    return getRewardReply((await gateway.score(samples, { signal })).results, opts);
  }],
]);

function httpHandler(gateway: Gateway, state: { serving: boolean }, log: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    // Draining: every answer closes its connection, so a keep-alive client does not hold the drain open for the grace period.
    res.once('finish', () => {
      if (!state.serving) req.socket.end();
    });
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/healthz') {
      send(res, state.serving ? 200 : 503, JSON.stringify({ status: state.serving ? 'SERVING' : 'NOT_SERVING' }));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      send(res, 200, gateway.metricsText(), 'text/plain; version=0.0.4; charset=utf-8');
      return;
    }
    const work = POST_ROUTES.get(path);
    if (work) {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        send(res, 405, JSON.stringify({ error: { code: 'INVALID_ARGUMENT', message: `use POST ${path}`, reason: 'METHOD_NOT_ALLOWED' } }));
        return;
      }
      const signal = abortOnClose(res);
      route(req, res, gateway, log, path, () => work(req, gateway, signal));
      return;
    }
    send(res, 404, JSON.stringify({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${path}; routes: POST /v1/score, POST /get_reward, GET /healthz, GET /metrics`, reason: 'NO_ROUTE' } }));
  };
}

const SCORE_ATTRIBUTES = rpcAttributes('verimesh.v1.RewardGatewayService', 'Score');

/** The caller's address on a gRPC server span. */
function grpcPeer(call: { getPeer(): string }): Record<string, string | number> {
  return addressAttributes('network.peer', call.getPeer()) as Record<string, string | number>;
}

function registerGrpc(server: grpc.Server, gateway: Gateway, log: Logger): void {
  server.addService(gatewayServiceDefinition(), {
    Score: (call: grpc.ServerUnaryCall<ScoreRequest__Output, ScoreResponse>, callback: grpc.sendUnaryData<ScoreResponse>) => {
      const controller = new AbortController();
      call.once('cancelled', () => controller.abort(new Error('call cancelled by the client')));
      const samples = call.request.samples ?? [];
      const attrs = { ...SCORE_ATTRIBUTES, ...grpcPeer(call), 'verimesh.samples': samples.length };
      void withServerSpan('verimesh.v1.RewardGatewayService/Score', extractMetadata(call.metadata), attrs, async (span) => {
        try {
          // The components get the caller's deadline less a margin, so a reply with `timeout` components still
          // reaches the caller before its deadline instead of a bare DEADLINE_EXCEEDED.
          const results = await gateway.scoreOutcomes({ kind: 'proto', samples }, { deadline: withReplyMargin(callDeadline(call)), signal: controller.signal });
          // Encoded here, straight from the results (reply.ts): the generic encoder's copies cost 3x the time and,
          // for large replies, hundreds of MB of transient heap.
          const res = encodeScoreResponse(results, groupStatsProto(groupStats(results, gateway.metrics))) as unknown as ScoreResponse;
          gateway.metrics.requests.inc(['grpc', 'OK']);
          span.setAttribute('rpc.grpc.status_code', grpc.status.OK);
          callback(null, res);
        } catch (err) {
          const st = toStatus(err);
          const code = st.code ?? grpc.status.INTERNAL;
          gateway.metrics.requests.inc(['grpc', grpc.status[code] ?? 'UNKNOWN']);
          span.setAttribute('rpc.grpc.status_code', code);
          recordError(span, err);
          if (!(err instanceof VerimeshError)) log.warn('score failed', { error: messageOf(err) });
          callback(st);
        }
      });
    },
    ScoreStream: (call: grpc.ServerDuplexStream<ScoreStreamRequest__Output, ScoreStreamResponse>) => {
      const attrs = { ...rpcAttributes('verimesh.v1.RewardGatewayService', 'ScoreStream'), ...grpcPeer(call) };
      void withServerSpan('verimesh.v1.RewardGatewayService/ScoreStream', extractMetadata(call.metadata), attrs, (span) => streamHandler(call, gateway, log, span));
    },
    ListVerifiers: (_call: grpc.ServerUnaryCall<ListVerifiersRequest__Output, ListVerifiersResponse>, callback: grpc.sendUnaryData<ListVerifiersResponse>) => {
      gateway.listVerifiers().then(
        (verifiers) => callback(null, { verifiers }),
        (err: unknown) => callback(toStatus(err)),
      );
    },
  });
}

/** ScoreStream: each result goes back as it completes; after the last sample of a request message, that message's group stats. */
async function streamHandler(call: grpc.ServerDuplexStream<ScoreStreamRequest__Output, ScoreStreamResponse>, gateway: Gateway, log: Logger, span: Span): Promise<void> {
  const controller = new AbortController();
  call.once('cancelled', () => controller.abort(new Error('stream cancelled by the client')));
  const remaining = new Map<number, { left: number; results: SampleOutcome[] }>();
  async function* input(): AsyncIterable<{ sample: Sample__Output; tag: number }> {
    let m = 0;
    // Not `for await (… of call)`: that destroys the duplex when the client half-closes, before our replies are written.
    for await (const msg of call.iterator({ destroyOnReturn: false }) as AsyncIterable<ScoreStreamRequest__Output>) {
      const samples = msg.samples ?? [];
      const tag = m++;
      if (samples.length) remaining.set(tag, { left: samples.length, results: [] });
      for (const sample of samples) yield { sample, tag };
    }
  }
  const write = async (msg: ScoreStreamResponse | Buffer): Promise<void> => {
    if (!call.write(msg as ScoreStreamResponse)) await once(call, 'drain');
  };
  try {
    for await (const { result, tag } of gateway.streamOutcomes('proto', input(), { signal: controller.signal })) {
      await write(encodeStreamResult(result));
      const m = remaining.get(tag);
      if (!m) continue;
      m.results.push(result);
      if (--m.left === 0) {
        remaining.delete(tag);
        const groups = groupStatsProto(groupStats(m.results, gateway.metrics));
        if (groups.length) await write({ groups });
      }
    }
    gateway.metrics.requests.inc(['grpc-stream', 'OK']);
    span.setAttribute('rpc.grpc.status_code', grpc.status.OK);
    call.end();
  } catch (err) {
    gateway.metrics.requests.inc(['grpc-stream', 'ERROR']);
    const st = toStatus(err);
    span.setAttribute('rpc.grpc.status_code', controller.signal.aborted ? grpc.status.CANCELLED : (st.code ?? grpc.status.INTERNAL));
    recordError(span, err);
    if (!controller.signal.aborted) log.warn('score stream failed', { error: messageOf(err) });
    call.destroy(Object.assign(new Error(messageOf(err)), st));
  }
}

/** Serves a Gateway over gRPC (RewardGatewayService + health + reflection) and HTTP. */
export async function startGateway(gateway: Gateway, opts: StartGatewayOptions = {}): Promise<RunningGateway> {
  const log = opts.log ?? createLogger('gateway');
  const state = { serving: true };
  const grpcServer = await startServer({
    name: 'gateway',
    host: opts.host,
    port: opts.port ?? 50051,
    log,
    shutdownGraceMs: opts.shutdownGraceMs,
    healthServices: ['verimesh.v1.RewardGatewayService'],
    register: (server) => registerGrpc(server, gateway, log),
  });
  const http: HttpServer = createServer(httpHandler(gateway, state, log));
  http.keepAliveTimeout = 65_000;
  http.requestTimeout = 0; // a Score call may legitimately run for minutes; per-component deadlines bound it
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(opts.httpPort ?? 8080, opts.host ?? '0.0.0.0', () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await grpcServer.shutdown(0);
    throw e;
  }
  const httpPort = (http.address() as AddressInfo).port;
  log.info('http serving', { port: httpPort });

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      state.serving = false;
      const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const grace = opts.shutdownGraceMs ?? 25_000;
      const force = setTimeout(() => http.closeAllConnections(), grace);
      await Promise.all([grpcServer.shutdown(grace), httpClosed]);
      clearTimeout(force);
    })());

  return { grpcPort: grpcServer.port, httpPort, shutdown };
}

