// Reading a judge's reply: its JSON object through the shared reader, or a strict YES/NO verdict; reasoning blocks are skipped.
import { readValue } from '@verimesh/extract';

/**
 * The judge's JSON object: reasoning blocks dropped, then @verimesh/extract's reader (the whole reply when it is JSON,
 * else the first object in it, with the habits models have: fences, prose, single quotes, trailing commas, Python
 * literals, a cut-off tail). Undefined when the reply holds no object.
 */
export function parseJsonLoose(text: string): unknown {
  const r = readValue(text.replace(/<think>[\s\S]*?<\/think>/gi, ''), { prefer: 'object' });
  return r && !Array.isArray(r.value) ? r.value : undefined;
}

/** "YES"/"NO" from a strict verdict reply (the first word, punctuation and case ignored), or undefined. */
export function parseYesNo(text: string): 'YES' | 'NO' | undefined {
  const t = text.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  const w = /^[^A-Za-z]*([A-Za-z]+)/.exec(t)?.[1]?.toUpperCase();
  return w === 'YES' || w === 'NO' ? w : undefined;
}
