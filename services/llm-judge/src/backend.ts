// Client for one OpenAI-compatible backend: chat completions and embeddings, bounded concurrency, retries, deadlines.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { BoundedPool, DeadlineError, type Logger } from '@verimesh/kit';
import type { BackendConfig } from './config.js';

export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ContentPart[];
}

export interface ChatRequest {
  messages: ChatMessage[];
  temperature: number;
  maxTokens?: number;
  /** JSON schema the reply must follow (sent as response_format when the backend supports it). */
  schema?: { name: string; schema: Record<string, unknown> };
  /** Ask for token logprobs with this many alternatives (ignored when the backend has logprobs off). */
  topLogprobs?: number;
  seed?: number;
}

export interface TokenLogprob {
  token: string;
  logprob: number;
  top_logprobs?: Array<{ token: string; logprob: number }>;
}

export interface ChatReply {
  content: string;
  logprobs?: TokenLogprob[];
}

/** A backend answered with an error that retrying will not fix, or kept failing after all retries. */
export class BackendError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

class RetryableError extends BackendError {
  constructor(
    message: string,
    status: number | undefined,
    readonly retryAfterMs?: number,
  ) {
    super(message, status);
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; also the non-standard retry-after-ms. */
export function parseRetryAfter(headers: { get(name: string): string | null }, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const v = headers.get('retry-after');
  if (v === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.max(0, Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/**
 * Wait before retry `attempt` (0-based): full jitter over the exponential backoff (AWS architecture blog), or, when
 * the server sent Retry-After, that wait plus a tenth of the jittered backoff so that many clients told the same
 * time do not return in the same instant; capped by maxBackoffMs either way. `random` is in [0, 1).
 */
export function retryDelay(c: Pick<BackendConfig, 'backoffMs' | 'maxBackoffMs'>, attempt: number, retryAfterMs: number | undefined, random: number): number {
  const backoff = Math.min(c.maxBackoffMs, c.backoffMs * 2 ** attempt) * random;
  return Math.min(c.maxBackoffMs, retryAfterMs !== undefined ? retryAfterMs + backoff * 0.1 : backoff);
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DeadlineError('judge request cancelled');
}

interface HttpReply {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
}

/**
 * node:http(s) with a keep-alive agent sized to the backend's concurrency: measurably cheaper per request than
 * fetch (see bench/RESULTS.md), which matters when a GRPO step sends thousands of judgments.
 */
function makeAgent(url: string, sockets: number): http.Agent {
  const opts = { keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, scheduling: 'lifo' as const };
  return url.startsWith('https:') ? new https.Agent(opts) : new http.Agent(opts);
}

function request(agent: http.Agent, url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      { protocol: u.protocol, hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', headers, agent, signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: { get: (n) => { const v = res.headers[n.toLowerCase()]; return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v; } },
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
        res.on('aborted', () => reject(Object.assign(new Error('connection closed while reading the reply'), { code: 'ECONNRESET' })));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface BackendStats {
  requests: number;
  retries: number;
  failures: number;
}

export class Backend {
  private readonly pool: BoundedPool;
  private readonly agent: http.Agent;
  readonly stats: BackendStats = { requests: 0, retries: 0, failures: 0 };

  constructor(
    readonly config: BackendConfig,
    private readonly log: Logger,
  ) {
    this.pool = new BoundedPool(config.concurrency, config.queue);
    this.agent = makeAgent(config.url, config.concurrency);
  }

  /** Closes idle keep-alive connections (service stop). */
  close(): void {
    this.agent.destroy();
  }

  get name(): string {
    return this.config.name;
  }
  get inFlight(): number {
    return this.pool.active;
  }
  /** Occupancy for metrics (verimesh_pool_*{pool="judge_backend"}, summed over backends). */
  get occupancy(): { busy: number; capacity: number; queued: number; refusals: number } {
    return { busy: this.pool.active, capacity: this.pool.concurrency, queued: this.pool.queued, refusals: this.pool.refusals };
  }

  async chat(req: ChatRequest, signal: AbortSignal, model = this.config.model): Promise<ChatReply> {
    const body: Record<string, unknown> = {
      model,
      messages: req.messages,
      temperature: req.temperature,
      max_tokens: req.maxTokens ?? this.config.maxTokens,
      stream: false,
    };
    if (req.seed !== undefined) body.seed = req.seed;
    if (req.schema && this.config.jsonSchema) {
      body.response_format = { type: 'json_schema', json_schema: { name: req.schema.name, schema: req.schema.schema, strict: true } };
    }
    if (req.topLogprobs !== undefined && this.config.logprobs) {
      body.logprobs = true;
      body.top_logprobs = req.topLogprobs;
    }
    const json = (await this.post('/chat/completions', body, signal)) as {
      choices?: Array<{ message?: { content?: unknown }; logprobs?: { content?: unknown } | null }>;
    };
    const choice = json.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string') throw new BackendError(`backend "${this.name}" returned no message content`);
    const lp = choice?.logprobs?.content;
    return { content, logprobs: Array.isArray(lp) ? (lp as TokenLogprob[]) : undefined };
  }

  async embed(inputs: string[], signal: AbortSignal): Promise<number[][]> {
    const json = (await this.post('/embeddings', { model: this.config.embeddingModel, input: inputs, encoding_format: 'float' }, signal)) as {
      data?: Array<{ index?: number; embedding?: unknown }>;
    };
    const data = json.data;
    if (!Array.isArray(data) || data.length !== inputs.length) {
      throw new BackendError(`backend "${this.name}" returned ${Array.isArray(data) ? data.length : 'no'} embeddings for ${inputs.length} inputs`);
    }
    const out: number[][] = new Array(inputs.length);
    data.forEach((d, i) => {
      const e = d.embedding;
      if (!Array.isArray(e) || e.some((x) => typeof x !== 'number')) throw new BackendError(`backend "${this.name}" returned a malformed embedding`);
      out[d.index ?? i] = e as number[];
    });
    return out;
  }

  /** POST with the concurrency limit, per-attempt timeout, the caller's cancellation, and retries. */
  private async post(path: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    const payload = JSON.stringify(body);
    const c = this.config;
    // One item may run many calls at once (votes, both pairwise orders), each listening on the item's signal.
    setMaxListeners(0, signal);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.run(() => this.attempt(path, payload, signal), signal);
      } catch (err) {
        if (signal.aborted) throw abortReason(signal);
        if (!(err instanceof RetryableError) || attempt >= c.maxRetries) {
          this.stats.failures++;
          if (err instanceof RetryableError) throw new BackendError(`${err.message} (gave up after ${attempt + 1} attempts)`, err.status);
          throw err;
        }
        const wait = retryDelay(c, attempt, err.retryAfterMs, Math.random());
        this.stats.retries++;
        this.log.debug('judge backend retry', { backend: this.name, attempt: attempt + 1, wait_ms: Math.round(wait), error: err.message });
        await sleep(wait, undefined, { signal }).catch(() => {
          throw abortReason(signal);
        });
      }
    }
  }

  private async attempt(path: string, payload: string, signal: AbortSignal): Promise<unknown> {
    this.stats.requests++;
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': String(Buffer.byteLength(payload)),
      ...this.config.headers,
    };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    let res: HttpReply;
    try {
      res = await request(this.agent, this.config.url + path, headers, payload, AbortSignal.any([signal, timeout]));
    } catch (e) {
      if (signal.aborted) throw abortReason(signal);
      if (timeout.aborted) throw new RetryableError(`backend "${this.name}" did not answer within ${this.config.timeoutMs} ms`, undefined);
      const err = e as NodeJS.ErrnoException;
      throw new RetryableError(`backend "${this.name}" unreachable: ${err.code ?? err.message}`, undefined);
    }
    const text = res.text;
    if (res.status < 200 || res.status >= 300) {
      let msg = text.slice(0, 300);
      try {
        const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
        msg = (typeof j.error === 'string' ? j.error : j.error?.message) ?? j.message ?? msg;
      } catch {
        // not JSON: keep the raw text
      }
      const what = `backend "${this.name}" answered HTTP ${res.status}: ${msg}`;
      if (res.status === 429 || res.status === 408 || res.status >= 500) throw new RetryableError(what, res.status, parseRetryAfter(res.headers));
      throw new BackendError(what, res.status);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new RetryableError(`backend "${this.name}" answered with invalid JSON`, res.status);
    }
  }
}
