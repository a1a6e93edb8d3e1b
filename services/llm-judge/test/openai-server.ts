// A test double of an OpenAI-compatible server (chat completions + embeddings) on loopback: it validates requests as
// OpenAI does (400s with OpenAI error bodies), honours response_format json_schema and logprobs, refuses streaming,
// and answers through a rule-based responder the test registers. It records every request, the most requests it
// held open at once, and clients that disconnected before the answer.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';

export interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string | Array<{ type: string; text?: string; image_url?: { url: string } }> }>;
  temperature?: number;
  max_tokens?: number;
  stream?: boolean;
  response_format?: { type: string; json_schema?: { name: string; schema: Record<string, unknown>; strict?: boolean } };
  logprobs?: boolean;
  top_logprobs?: number;
  seed?: number;
  [k: string]: unknown;
}

/** What the responder sees: the body plus the text of the system and user turns and the images sent. */
export interface ChatCall {
  body: ChatBody;
  headers: IncomingHttpHeaders;
  system: string;
  /** Text of the last user message. */
  user: string;
  images: string[];
  /** 0-based count of chat requests this server has received. */
  n: number;
}

export type Reply =
  | string
  | { content: string; tokens?: Array<{ token: string; top?: Record<string, number> }> }
  | { status: 429 | 500 | 502 | 503 | 400; retryAfter?: string; message?: string }
  | { hang: true };

export type Responder = (call: ChatCall) => Reply | Promise<Reply>;
export type Embedder = (text: string, model: string) => number[];

export interface OpenAiServerOptions {
  /** Fixed latency of every answer (after a concurrency slot is free). */
  latencyMs?: number;
  /** Requests processed at once; more wait in a queue (as vLLM's scheduler does). Default unlimited. */
  concurrency?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Served model names; others get 404 model_not_found. Default: any. */
  models?: string[];
  /** Record request bodies (default true; the benchmark turns it off). */
  record?: boolean;
}

export interface Recorded {
  path: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  at: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const CHAT_KEYS = new Set([
  'model', 'messages', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stream', 'n', 'stop', 'seed', 'response_format',
  'logprobs', 'top_logprobs', 'presence_penalty', 'frequency_penalty', 'user', 'tools', 'tool_choice',
]);
const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const ajv = new Ajv2020({ strict: false });

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
/** Schemas compiled once per distinct text (ajv caches by object identity, and every request brings a new object). */
function compileSchema(schema: object): ReturnType<typeof ajv.compile> {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(schema);
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, v);
  }
  return v;
}

const invalid = (message: string, param: string | null = null): HttpError => new HttpError(400, message, 'invalid_request_error', param);

/** Splits text as a BPE tokenizer roughly would: words with their leading space, single digits, single symbols. */
export function simpleTokens(content: string): string[] {
  return content.match(/\s*[A-Za-z]+|\s*\d|\s*[^\sA-Za-z\d]|\s+/g) ?? [];
}

export class OpenAiServer {
  chat: Responder = () => ({ status: 500, message: 'no responder registered' });
  embed: Embedder | undefined;
  readonly requests: Recorded[] = [];
  inFlight = 0;
  maxInFlight = 0;
  disconnects = 0;
  chatCount = 0;
  private server: Server | undefined;
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private readonly closedWaiters: Array<() => void> = [];
  url = '';

  constructor(readonly opts: OpenAiServerOptions = {}) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  reset(): void {
    this.requests.length = 0;
    this.maxInFlight = this.inFlight;
    this.disconnects = 0;
  }

  /** Resolves at the next client disconnect (a request abandoned before its answer). */
  nextDisconnect(): Promise<void> {
    return new Promise((r) => this.closedWaiters.push(r));
  }

  chatBodies(): ChatBody[] {
    return this.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body as ChatBody);
  }

  private async slot(): Promise<void> {
    const limit = this.opts.concurrency ?? Infinity;
    if (this.active < limit) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.queue.push(r));
  }
  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    res.on('close', () => {
      this.inFlight--;
      if (!done && !res.writableFinished) {
        this.disconnects++;
        for (const w of this.closedWaiters.splice(0)) w();
      }
    });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      done = true;
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const path = (req.url ?? '').split('?')[0]!;
      const authorize = (): void => {
        if (this.opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.opts.apiKey}`) {
          throw new HttpError(401, 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', null, 'invalid_api_key');
        }
      };
      if (req.method === 'GET' && path === '/v1/models') {
        authorize();
        send(200, { object: 'list', data: (this.opts.models ?? ['test-judge']).map((id) => ({ id, object: 'model', created: 0, owned_by: 'test' })) });
        return;
      }
      if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/embeddings')) {
        throw new HttpError(404, `Invalid URL (${req.method} ${path})`, 'invalid_request_error');
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        throw invalid('We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)');
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('The request body must be a JSON object.');
      if (this.opts.record !== false) this.requests.push({ path, body, headers: req.headers, at: Date.now() });
      authorize();
      if (typeof body.model !== 'string' || !body.model) throw invalid('you must provide a model parameter', 'model');
      if (this.opts.models && !this.opts.models.includes(body.model)) {
        throw new HttpError(404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', null, 'model_not_found');
      }
      if (path === '/v1/embeddings') {
        const out = this.embeddings(body);
        await this.slot();
        try {
          if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
        } finally {
          this.release();
        }
        send(200, out);
        return;
      }
      const call = this.validateChat(body as ChatBody, req.headers);
      await this.slot();
      let reply: Reply;
      try {
        if (this.opts.latencyMs) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
        reply = await this.chat(call);
        if (typeof reply === 'object' && 'hang' in reply) {
          // Hold the request open until the client gives up (or the server closes).
          await new Promise<void>((r) => res.once('close', () => r()));
          return;
        }
      } finally {
        this.release();
      }
      if (typeof reply === 'object' && 'status' in reply) {
        const headers: Record<string, string> = reply.retryAfter !== undefined ? { 'retry-after': reply.retryAfter } : {};
        const err =
          reply.status === 429
            ? { message: reply.message ?? `Rate limit reached for ${call.body.model} in organization org-test on requests per min (RPM): Limit 60, Used 60, Requested 1. Please try again in ${reply.retryAfter ?? '1'}s.`, type: 'requests', param: null, code: 'rate_limit_exceeded' }
            : reply.status === 503
              ? { message: reply.message ?? 'The engine is currently overloaded, please try again later', type: 'server_error', param: null, code: null }
              : reply.status === 400
                ? { message: reply.message ?? 'Bad request', type: 'invalid_request_error', param: null, code: null }
                : { message: reply.message ?? 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null };
        send(reply.status, { error: err }, headers);
        return;
      }
      send(200, this.completion(call, reply));
    } catch (e) {
      if (e instanceof HttpError) send(e.status, { error: { message: e.message, type: e.type, param: e.param, code: e.code } });
      else send(500, { error: { message: `test server failure: ${(e as Error).message}`, type: 'server_error', param: null, code: null } });
    }
  }

  private validateChat(body: ChatBody, headers: IncomingHttpHeaders): ChatCall {
    for (const k of Object.keys(body)) if (!CHAT_KEYS.has(k)) throw invalid(`Unrecognized request argument supplied: ${k}`, k);
    if (body.stream === true) throw invalid('stream=true is not supported by this server; send stream=false', 'stream');
    if (body.stream !== undefined && typeof body.stream !== 'boolean') throw invalid(`Invalid type for 'stream': expected a boolean`, 'stream');
    if (body.n !== undefined && body.n !== 1) throw invalid("Invalid value for 'n': only n=1 is supported", 'n');
    if (!Array.isArray(body.messages)) throw invalid("'messages' is a required property", 'messages');
    if (body.messages.length === 0) throw invalid("[] is too short - 'messages'", 'messages');
    const images: string[] = [];
    let system = '';
    let user = '';
    body.messages.forEach((m, i) => {
      const p = `messages[${i}]`;
      if (m === null || typeof m !== 'object') throw invalid(`Invalid type for '${p}': expected an object`, p);
      if (!ROLES.has(m.role)) throw invalid(`Invalid value: '${String(m.role)}'. Supported values are: 'system', 'assistant', 'user', 'tool', and 'developer'.`, `${p}.role`);
      let text = '';
      if (typeof m.content === 'string') text = m.content;
      else if (Array.isArray(m.content)) {
        m.content.forEach((part, j) => {
          const pp = `${p}.content[${j}]`;
          if (part?.type === 'text') {
            if (typeof part.text !== 'string') throw invalid(`Missing required parameter: '${pp}.text'.`, `${pp}.text`);
            text += part.text;
          } else if (part?.type === 'image_url') {
            if (m.role !== 'user') throw invalid(`Image content is only allowed in user messages ('${pp}')`, pp);
            const url = part.image_url?.url;
            if (typeof url !== 'string') throw invalid(`Missing required parameter: '${pp}.image_url.url'.`, `${pp}.image_url.url`);
            const d = /^data:image\/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/]+=*)$/.exec(url);
            if (!d && !/^https?:\/\//.test(url)) throw invalid(`Invalid image URL: '${pp}.image_url.url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,...') or an http(s) URL.`, `${pp}.image_url.url`);
            images.push(url);
          } else throw invalid(`Invalid value: '${String(part?.type)}'. Supported values are: 'text' and 'image_url'.`, `${pp}.type`);
        });
      } else throw invalid(`Invalid type for '${p}.content': expected one of a string or array of objects`, `${p}.content`);
      if (m.role === 'system' || m.role === 'developer') system += text;
      if (m.role === 'user') user = text;
    });
    if (body.temperature !== undefined && (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 2)) {
      throw invalid(`Invalid 'temperature': must be a number between 0 and 2`, 'temperature');
    }
    if (body.max_tokens !== undefined && (!Number.isInteger(body.max_tokens) || body.max_tokens < 1)) throw invalid(`Invalid 'max_tokens': integer below minimum value. Expected a value >= 1`, 'max_tokens');
    if (body.logprobs !== undefined && typeof body.logprobs !== 'boolean') throw invalid(`Invalid type for 'logprobs': expected a boolean`, 'logprobs');
    if (body.top_logprobs !== undefined) {
      if (!Number.isInteger(body.top_logprobs) || body.top_logprobs < 0 || body.top_logprobs > 20) throw invalid(`Invalid 'top_logprobs': must be an integer between 0 and 20`, 'top_logprobs');
      if (body.logprobs !== true) throw invalid(`Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used`, 'top_logprobs');
    }
    const rf = body.response_format;
    if (rf !== undefined) {
      if (rf === null || typeof rf !== 'object' || !['text', 'json_object', 'json_schema'].includes(rf.type)) {
        throw invalid(`Invalid value for 'response_format.type': expected one of 'text', 'json_object' or 'json_schema'`, 'response_format.type');
      }
      if (rf.type === 'json_schema') {
        const js = rf.json_schema;
        if (!js || typeof js !== 'object') throw invalid("Missing required parameter: 'response_format.json_schema'.", 'response_format.json_schema');
        if (typeof js.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(js.name)) throw invalid("Invalid 'response_format.json_schema.name': must match ^[a-zA-Z0-9_-]{1,64}$", 'response_format.json_schema.name');
        if (js.schema === null || typeof js.schema !== 'object') throw invalid("Invalid 'response_format.json_schema.schema': expected an object", 'response_format.json_schema.schema');
        try {
          compileSchema(js.schema);
        } catch (e) {
          throw invalid(`Invalid schema for response_format '${js.name}': ${(e as Error).message}`, 'response_format');
        }
      }
    }
    return { body, headers, system, user, images, n: this.chatCount++ };
  }

  private completion(call: ChatCall, reply: string | { content: string; tokens?: Array<{ token: string; top?: Record<string, number> }> }): unknown {
    const r = typeof reply === 'string' ? { content: reply } : reply;
    const rf = call.body.response_format;
    // A real server constrains decoding, so the output always conforms; a responder that breaks that is a test bug.
    if (rf?.type === 'json_schema' || rf?.type === 'json_object') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(r.content);
      } catch {
        throw new Error('responder reply is not JSON although response_format asks for JSON');
      }
      const validate = rf.type === 'json_schema' ? compileSchema(rf.json_schema!.schema) : undefined;
      if (validate && !validate(parsed)) throw new Error(`responder reply violates the response_format schema: ${ajv.errorsText(validate.errors)}`);
    }
    const tokens: Array<{ token: string; top?: Record<string, number> }> = r.tokens ?? simpleTokens(r.content).map((token) => ({ token }));
    if (tokens.map((t) => t.token).join('') !== r.content) throw new Error('responder tokens do not spell the content');
    const k = call.body.top_logprobs ?? 0;
    const logprobs = call.body.logprobs
      ? {
          content: tokens.map((t) => {
            const top = Object.entries(t.top ?? { [t.token]: 0 }).sort((a, b) => b[1] - a[1]);
            const own = t.top?.[t.token] ?? (t.top ? Math.min(...Object.values(t.top)) - 1 : 0);
            return {
              token: t.token,
              logprob: own,
              bytes: [...Buffer.from(t.token, 'utf8')],
              top_logprobs: top.slice(0, k).map(([token, logprob]) => ({ token, logprob, bytes: [...Buffer.from(token, 'utf8')] })),
            };
          }),
        }
      : null;
    const promptTokens = Math.ceil(JSON.stringify(call.body.messages).length / 4);
    return {
      id: `chatcmpl-test${call.n}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: call.body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: r.content }, logprobs, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length },
    };
  }

  private embeddings(body: Record<string, unknown>): unknown {
    for (const k of Object.keys(body)) if (!['model', 'input', 'encoding_format', 'dimensions', 'user'].includes(k)) throw invalid(`Unrecognized request argument supplied: ${k}`, k);
    const input = body.input;
    const list = typeof input === 'string' ? [input] : input;
    if (!Array.isArray(list) || list.length === 0) throw invalid("'input' is a required property and must be a non-empty string or array of strings", 'input');
    if (list.length > 2048) throw invalid("'input' must have at most 2048 items", 'input');
    list.forEach((s, i) => {
      if (typeof s !== 'string') throw invalid(`Invalid type for 'input[${i}]': expected a string`, `input[${i}]`);
      if (s === '') throw invalid(`'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.`, 'input');
    });
    const fmt = body.encoding_format ?? 'float';
    if (fmt !== 'float' && fmt !== 'base64') throw invalid("Invalid value for 'encoding_format': expected 'float' or 'base64'", 'encoding_format');
    if (!this.embed) throw new HttpError(404, `The model \`${String(body.model)}\` does not support embeddings.`, 'invalid_request_error', null, 'model_not_found');
    const embed = this.embed;
    const data = (list as string[]).map((s, index) => {
      const v = embed(s, body.model as string);
      return { object: 'embedding', index, embedding: fmt === 'float' ? v : Buffer.from(new Float32Array(v).buffer).toString('base64') };
    });
    const tokens = (list as string[]).reduce((n, s) => n + simpleTokens(s).length, 0);
    return { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  }
}
