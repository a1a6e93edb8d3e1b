// OpenRLHF's remote reward protocol on the gateway: POST /get_reward {"query", "prompts", "labels"} → {"rewards", "scores", "extra_logs"} (SPEC section 5).
import { InvalidArgumentError } from '@verimesh/kit';
import type { ResultJson } from '@verimesh/proto';
import { isObject } from './wire.js';

/**
 * Chat-template tokens stripped from a query: Qwen (ChatML), Llama 3, DeepSeek (V3 / R1). The Python hook
 * (clients/python/src/verimesh/integrations/openrlhf.py) keeps the same list; both are checked against
 * clients/python/tests/fixtures/openrlhf_cases.json.
 */
export const DEFAULT_SPECIAL_TOKENS: readonly string[] = [
  '<|im_start|>', '<|im_end|>', '<|endoftext|>',
  '<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>', '<|eom_id|>',
  '<｜begin▁of▁sentence｜>', '<｜end▁of▁sentence｜>', '<｜User｜>', '<｜Assistant｜>', '<|EOT|>',
];
/** Where the assistant's turn starts, when a query does not begin with its prompt. */
const ASSISTANT_HEADERS = ['<|im_start|>assistant\n', '<|start_header_id|>assistant<|end_header_id|>\n\n', '<｜Assistant｜>'];
/** Sample fields a JSON label may carry besides the reference itself. */
const SAMPLE_FIELDS = ['reference', 'reward', 'profile', 'group', 'prompt', 'media', 'metadata'] as const;

export interface GetRewardOptions {
  /** Profile for labels that bring no `reward`/`profile` of their own (`?profile=`). */
  profile?: string;
  /** Tokens stripped from queries (`?special_tokens=a,b`; default DEFAULT_SPECIAL_TOKENS). */
  specialTokens: readonly string[];
  /** `raise` (default): an invalid sample fails the request with 400 naming it; `score`: its reward 0 is returned. */
  onInvalid: 'raise' | 'score';
}

export function getRewardOptions(query: URLSearchParams): GetRewardOptions {
  const onInvalid = query.get('on_invalid') ?? 'raise';
  if (onInvalid !== 'raise' && onInvalid !== 'score') throw new InvalidArgumentError('on_invalid', `on_invalid: "${onInvalid}" is not raise or score`);
  const tokens = query.get('special_tokens');
  return { profile: query.get('profile') || undefined, specialTokens: tokens === null ? DEFAULT_SPECIAL_TOKENS : tokens.split(',').filter(Boolean), onInvalid };
}

function strip(text: string, tokens: readonly string[]): string {
  for (const t of tokens) text = text.split(t).join('');
  return text;
}

/**
 * The policy's response inside a query (prompt + response decoded with special tokens kept): what follows the prompt
 * (or the last assistant header, or the prompt's last occurrence), special tokens removed; a prompt ending in an opened `<think>` (DeepSeek-R1, Qwen3
 * thinking templates) gives that `<think>` back to the response.
 */
export function responseOf(query: string, prompt: string, tokens: readonly string[] = DEFAULT_SPECIAL_TOKENS): string {
  let response = query;
  let head = '';
  if (prompt && query.startsWith(prompt)) {
    response = query.slice(prompt.length);
    head = prompt;
  } else {
    let at = -1;
    let header = '';
    for (const h of ASSISTANT_HEADERS) {
      const i = query.lastIndexOf(h);
      if (i > at) [at, header] = [i, h];
    }
    if (at >= 0) [head, response] = [query.slice(0, at + header.length), query.slice(at + header.length)];
    else if (prompt && query.includes(prompt)) {
      // An unknown template around a prompt that is in the query: never score the prompt as the response.
      const end = query.lastIndexOf(prompt) + prompt.length;
      [head, response] = [query.slice(0, end), query.slice(end)];
    }
  }
  response = strip(response, tokens);
  if (head.trimEnd().endsWith('<think>') && !response.slice(0, 64).includes('<think>')) response = '<think>\n' + response.replace(/^\n+/, '');
  return response;
}

/** A label as sample fields: JSON text of sample fields or of a reference object, else a plain answer (reference.answer). */
export function labelFields(label: unknown, profile: string | undefined): Record<string, unknown> {
  let v: unknown = label;
  if (typeof label === 'string') {
    try {
      const parsed: unknown = JSON.parse(label);
      if (isObject(parsed)) v = parsed;
    } catch {
      // a plain answer
    }
  }
  let fields: Record<string, unknown>;
  if (isObject(v)) {
    const o = v;
    fields = SAMPLE_FIELDS.some((k) => k in o) ? Object.fromEntries(SAMPLE_FIELDS.filter((k) => k in o).map((k) => [k, o[k]])) : { reference: o };
  } else fields = v === undefined || v === null ? {} : { reference: { answer: v } };
  if (profile && !('reward' in fields) && !('profile' in fields)) fields.profile = profile;
  return fields;
}

function stringList(body: Record<string, unknown>, key: string, n: number | undefined): unknown[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new InvalidArgumentError(key, `${key}: must be a list (one entry per query)`);
  if (n !== undefined && v.length !== n) throw new InvalidArgumentError(key, `${key}: has ${v.length} entries for ${n} queries`);
  return v;
}

/** The request body as samples (SPEC section 1), ids "0".."n-1". */
export function getRewardSamples(body: unknown, opts: GetRewardOptions): Record<string, unknown>[] {
  if (!isObject(body)) throw new InvalidArgumentError('body', 'body: must be {"query": [...], "prompts": [...], "labels": [...]}');
  const queries = stringList(body, 'query', undefined);
  if (!queries || queries.length === 0) throw new InvalidArgumentError('query', 'query: a non-empty list of strings is required');
  const prompts = stringList(body, 'prompts', queries.length);
  const labels = stringList(body, 'labels', queries.length);
  return queries.map((q, i) => {
    if (typeof q !== 'string') throw new InvalidArgumentError(`query[${i}]`, `query[${i}]: must be a string`);
    const p = prompts?.[i];
    const prompt = typeof p === 'string' ? p : '';
    const s: Record<string, unknown> = { id: String(i), response: responseOf(q, prompt, opts.specialTokens), ...labelFields(labels?.[i], opts.profile) };
    if (!('prompt' in s) && prompt) s.prompt = strip(prompt, opts.specialTokens).trim();
    return s;
  });
}

/** Results as OpenRLHF's reply: rewards and scores (the same), extra_logs with each component's scores. */
export function getRewardReply(results: readonly ResultJson[], opts: GetRewardOptions): { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> } {
  if (opts.onInvalid === 'raise') {
    const bad = results.find((r) => r.status === 'invalid');
    if (bad) throw new InvalidArgumentError(`query[${bad.id}]`, `query[${bad.id}] is invalid: ${bad.error ?? 'invalid'}`);
  }
  const names: string[] = [];
  for (const r of results) for (const n of Object.keys(r.components)) if (!names.includes(n)) names.push(n);
  const rewards = results.map((r) => r.reward);
  const extra: Record<string, number[]> = Object.create(null) as Record<string, number[]>;
  for (const n of names) extra[n] = results.map((r) => r.components[n]?.score ?? 0);
  return { rewards, scores: rewards, extra_logs: extra };
}
