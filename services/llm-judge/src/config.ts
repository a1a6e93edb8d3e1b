// Settings of the llm-judge service: judge backends (OpenAI-compatible), cache, images and templates, validated once.
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, type ConfigOf, type OptionSpec } from '@verimesh/kit';

export const OPTIONS = {
  backends: {
    type: 'string',
    env: 'VERIMESH_LLM_JUDGE_BACKENDS',
    deprecatedEnv: 'VERIMESH_JUDGE_BACKENDS',
    flag: 'judge-backends',
    default: '',
    doc: 'named backends: a JSON object {name: {url, model, ...}} (or a list with "name" keys), or the path of a JSON file holding one',
  },
  url: {
    type: 'string',
    env: 'VERIMESH_LLM_JUDGE_URL',
    deprecatedEnv: 'VERIMESH_JUDGE_URL',
    flag: 'judge-url',
    default: '',
    doc: 'base URL of one OpenAI-compatible backend named "default", e.g. http://127.0.0.1:8000/v1',
  },
  model: { type: 'string', env: 'VERIMESH_LLM_JUDGE_MODEL', deprecatedEnv: 'VERIMESH_JUDGE_MODEL', flag: 'judge-model', default: '', doc: 'model name sent to the default backend' },
  apiKeyEnv: {
    type: 'string',
    env: 'VERIMESH_LLM_JUDGE_API_KEY_ENV',
    deprecatedEnv: 'VERIMESH_JUDGE_API_KEY_ENV',
    default: 'VERIMESH_LLM_JUDGE_API_KEY',
    doc: 'name of the environment variable holding the default backend\'s API key (the key itself never sits in config files)',
  },
  embeddingModel: {
    type: 'string',
    env: 'VERIMESH_LLM_JUDGE_EMBEDDING_MODEL',
    deprecatedEnv: 'VERIMESH_JUDGE_EMBEDDING_MODEL',
    flag: 'judge-embedding-model',
    default: '',
    doc: 'embedding model for judge.semantic on the default backend (default: the chat model)',
  },
  concurrency: { type: 'int', env: 'VERIMESH_LLM_JUDGE_CONCURRENCY', deprecatedEnv: 'VERIMESH_JUDGE_CONCURRENCY', flag: 'judge-concurrency', default: 16, min: 1, doc: 'HTTP requests in flight per backend (default for every backend)' },
  queue: { type: 'int', env: 'VERIMESH_LLM_JUDGE_QUEUE', deprecatedEnv: 'VERIMESH_JUDGE_QUEUE', default: 100_000, min: 0, doc: 'requests waiting per backend before RESOURCE_EXHAUSTED (status unavailable)' },
  timeoutMs: { type: 'int', env: 'VERIMESH_LLM_JUDGE_TIMEOUT_MS', deprecatedEnv: 'VERIMESH_JUDGE_TIMEOUT_MS', flag: 'judge-timeout-ms', default: 120_000, min: 1, doc: 'timeout of one HTTP attempt (the item deadline also aborts it)' },
  maxRetries: { type: 'int', env: 'VERIMESH_LLM_JUDGE_MAX_RETRIES', deprecatedEnv: 'VERIMESH_JUDGE_MAX_RETRIES', default: 4, min: 0, doc: 'retries on 429, 5xx and connection errors, jittered exponential backoff, Retry-After honoured' },
  backoffMs: { type: 'int', env: 'VERIMESH_LLM_JUDGE_BACKOFF_MS', deprecatedEnv: 'VERIMESH_JUDGE_BACKOFF_MS', default: 500, min: 0, doc: 'base of the exponential backoff between retries' },
  maxBackoffMs: { type: 'int', env: 'VERIMESH_LLM_JUDGE_MAX_BACKOFF_MS', deprecatedEnv: 'VERIMESH_JUDGE_MAX_BACKOFF_MS', default: 30_000, min: 0, doc: 'cap on one wait between retries (Retry-After included)' },
  jsonSchema: {
    type: 'bool',
    env: 'VERIMESH_LLM_JUDGE_JSON_SCHEMA',
    deprecatedEnv: 'VERIMESH_JUDGE_JSON_SCHEMA',
    default: true,
    doc: 'send response_format json_schema (vLLM, SGLang, OpenAI, Ollama, llama.cpp support it); off: prompt-only JSON, parsed robustly',
  },
  logprobs: { type: 'bool', env: 'VERIMESH_LLM_JUDGE_LOGPROBS', deprecatedEnv: 'VERIMESH_JUDGE_LOGPROBS', default: true, doc: 'the backend returns logprobs/top_logprobs (needed by score_mode prob/expected)' },
  maxTokens: { type: 'int', env: 'VERIMESH_LLM_JUDGE_MAX_TOKENS', deprecatedEnv: 'VERIMESH_JUDGE_MAX_TOKENS', default: 1024, min: 1, doc: 'max_tokens of a judge reply' },
  cacheSize: { type: 'int', env: 'VERIMESH_LLM_JUDGE_CACHE_SIZE', deprecatedEnv: 'VERIMESH_JUDGE_CACHE_SIZE', flag: 'judge-cache-size', default: 10_000, min: 0, doc: 'judgments kept in the LRU cache (0 = off)' },
  imageMaxSide: { type: 'int', env: 'VERIMESH_LLM_JUDGE_IMAGE_MAX_SIDE', deprecatedEnv: 'VERIMESH_JUDGE_IMAGE_MAX_SIDE', default: 768, min: 16, doc: 'input images are downscaled to this longest side before they are sent' },
  maxImages: { type: 'int', env: 'VERIMESH_LLM_JUDGE_MAX_IMAGES', deprecatedEnv: 'VERIMESH_JUDGE_MAX_IMAGES', default: 4, min: 0, doc: 'input images sent per judgment (the first ones)' },
  templatesDir: {
    type: 'string',
    env: 'VERIMESH_LLM_JUDGE_TEMPLATES_DIR',
    deprecatedEnv: 'VERIMESH_JUDGE_TEMPLATES_DIR',
    flag: 'judge-templates-dir',
    default: '',
    doc: 'directory whose <name>.md files override the built-in templates (rubric, reference, pairwise)',
  },
} as const satisfies Record<string, OptionSpec>;

/** One OpenAI-compatible backend. */
export interface BackendConfig {
  name: string;
  /** Base URL ending before /chat/completions, e.g. http://127.0.0.1:8000/v1. */
  url: string;
  model: string;
  embeddingModel: string;
  /** Resolved from the environment variable named by api_key_env; never logged. */
  apiKey: string;
  concurrency: number;
  queue: number;
  timeoutMs: number;
  maxRetries: number;
  backoffMs: number;
  maxBackoffMs: number;
  jsonSchema: boolean;
  logprobs: boolean;
  maxTokens: number;
  headers: Record<string, string>;
}

export type JudgeConfig = ConfigOf<typeof OPTIONS> & { readonly backendList: readonly BackendConfig[] };

const BACKEND_KEYS = new Set([
  'name', 'url', 'model', 'embedding_model', 'api_key_env', 'concurrency', 'queue', 'timeout_ms', 'max_retries',
  'backoff_ms', 'max_backoff_ms', 'json_schema', 'logprobs', 'max_tokens', 'headers',
]);

function readBackendsSetting(raw: string): unknown {
  const text = raw.trim();
  const from = 'VERIMESH_LLM_JUDGE_BACKENDS';
  let json = text;
  if (!text.startsWith('{') && !text.startsWith('[')) {
    try {
      json = readFileSync(text, 'utf8');
    } catch (e) {
      throw new ConfigError(from, `${from} is neither JSON nor a readable file: ${(e as Error).message}`);
    }
  }
  try {
    return JSON.parse(json);
  } catch (e) {
    throw new ConfigError(from, `${from} is not valid JSON: ${(e as Error).message}`);
  }
}

function num(v: unknown, field: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ConfigError(field, `${field} must be an integer >= ${min}`);
  return v;
}
function bool(v: unknown, field: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(field, `${field} must be true or false`);
  return v;
}
function str(v: unknown, field: string, dflt: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string') throw new ConfigError(field, `${field} must be a string`);
  return v;
}

function backendFrom(name: string, spec: unknown, base: ConfigOf<typeof OPTIONS>, env: NodeJS.ProcessEnv, field: string): BackendConfig {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new ConfigError(field, `${field} must be an object`);
  const o = spec as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!BACKEND_KEYS.has(k)) throw new ConfigError(`${field}.${k}`, `${field}.${k} is not a backend setting (known: ${[...BACKEND_KEYS].join(', ')})`);
  const url = str(o.url, `${field}.url`, '');
  if (!/^https?:\/\//.test(url)) throw new ConfigError(`${field}.url`, `${field}.url must be an http(s) URL, got "${url}"`);
  const model = str(o.model, `${field}.model`, '');
  if (!model) throw new ConfigError(`${field}.model`, `${field}.model is required`);
  const keyEnv = str(o.api_key_env, `${field}.api_key_env`, '');
  const headers = o.headers ?? {};
  if (headers === null || typeof headers !== 'object' || Object.values(headers).some((h) => typeof h !== 'string')) {
    throw new ConfigError(`${field}.headers`, `${field}.headers must be an object of strings`);
  }
  return {
    name,
    url: url.replace(/\/+$/, ''),
    model,
    embeddingModel: str(o.embedding_model, `${field}.embedding_model`, model),
    apiKey: keyEnv ? (env[keyEnv] ?? '') : '',
    concurrency: num(o.concurrency, `${field}.concurrency`, base.concurrency, 1),
    queue: num(o.queue, `${field}.queue`, base.queue, 0),
    timeoutMs: num(o.timeout_ms, `${field}.timeout_ms`, base.timeoutMs, 1),
    maxRetries: num(o.max_retries, `${field}.max_retries`, base.maxRetries, 0),
    backoffMs: num(o.backoff_ms, `${field}.backoff_ms`, base.backoffMs, 0),
    maxBackoffMs: num(o.max_backoff_ms, `${field}.max_backoff_ms`, base.maxBackoffMs, 0),
    jsonSchema: bool(o.json_schema, `${field}.json_schema`, base.jsonSchema),
    logprobs: bool(o.logprobs, `${field}.logprobs`, base.logprobs),
    maxTokens: num(o.max_tokens, `${field}.max_tokens`, base.maxTokens, 1),
    headers: headers as Record<string, string>,
  };
}

/**
 * The variable holding the default backend's key: as configured, except that the default name, when unset, falls
 * back to its name before the rename (VERIMESH_JUDGE_API_KEY) for one release, with the kit's deprecation line.
 */
function defaultKeyEnv(name: string, env: NodeJS.ProcessEnv): string {
  const fallback = OPTIONS.apiKeyEnv.default;
  if (name !== fallback || env[name]) return name;
  const old = 'VERIMESH_JUDGE_API_KEY';
  return loadConfig({ key: { type: 'string', env: name, deprecatedEnv: old, default: '', doc: '' } }, { env }).key ? old : name;
}

/**
 * Reads the settings (flag > env > default) and compiles the backend list: the named backends of
 * VERIMESH_LLM_JUDGE_BACKENDS, plus "default" from VERIMESH_LLM_JUDGE_URL/VERIMESH_LLM_JUDGE_MODEL when set.
 */
export function loadServiceConfig(source: { env?: NodeJS.ProcessEnv; argv?: readonly string[] } = {}): JudgeConfig {
  const env = source.env ?? process.env;
  const base = loadConfig(OPTIONS, { env, argv: source.argv });
  const list: BackendConfig[] = [];
  if (base.backends) {
    const parsed = readBackendsSetting(base.backends);
    const from = 'VERIMESH_LLM_JUDGE_BACKENDS';
    if (parsed === null || typeof parsed !== 'object') throw new ConfigError(from, `${from} must be a JSON object or list`);
    // A list names each backend inside it; an object by its keys.
    const entries = Array.isArray(parsed)
      ? parsed.map((b: unknown, i): [string, unknown] => {
          const { name, ...rest } = (b ?? {}) as Record<string, unknown>;
          if (typeof name !== 'string' || !name) throw new ConfigError(`${from}[${i}].name`, `${from}[${i}].name is required`);
          return [name, rest];
        })
      : Object.entries(parsed as Record<string, unknown>);
    for (const [name, spec] of entries) list.push(backendFrom(name, spec, base, env, `${from}.${name}`));
  }
  if (base.url) {
    if (!base.model) throw new ConfigError('VERIMESH_LLM_JUDGE_MODEL', 'VERIMESH_LLM_JUDGE_MODEL is required when VERIMESH_LLM_JUDGE_URL is set');
    if (list.some((b) => b.name === 'default')) throw new ConfigError('VERIMESH_LLM_JUDGE_URL', 'VERIMESH_LLM_JUDGE_URL defines backend "default", which VERIMESH_LLM_JUDGE_BACKENDS also defines');
    list.unshift(
      backendFrom('default', { url: base.url, model: base.model, embedding_model: base.embeddingModel || base.model, api_key_env: defaultKeyEnv(base.apiKeyEnv, env) }, base, env, 'VERIMESH_LLM_JUDGE_URL'),
    );
  }
  const names = new Set<string>();
  for (const b of list) {
    if (names.has(b.name)) throw new ConfigError('VERIMESH_LLM_JUDGE_BACKENDS', `backend "${b.name}" is defined twice`);
    names.add(b.name);
  }
  return Object.freeze({ ...base, backendList: Object.freeze(list) });
}
