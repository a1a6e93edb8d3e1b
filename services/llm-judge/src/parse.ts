// Robust reading of a judge's JSON reply: reasoning blocks, code fences and chatter around the object are tolerated.
import { lastCodeBlock } from '@verimesh/extract';

/** The first JSON object in the text that parses, or undefined. */
export function parseJsonLoose(text: string): unknown {
  let t = text.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  const fenced = lastCodeBlock(t, 'json');
  if (fenced) t = fenced.code.trim();
  try {
    return JSON.parse(t);
  } catch {
    // fall through to scanning for a balanced object
  }
  for (let start = t.indexOf('{'); start >= 0; start = t.indexOf('{', start + 1)) {
    const end = balancedEnd(t, start);
    if (end < 0) continue;
    try {
      return JSON.parse(t.slice(start, end + 1));
    } catch {
      // try the next opening brace
    }
  }
  return undefined;
}

/** Index of the brace closing the object that opens at `start`, skipping strings; -1 if unbalanced. */
function balancedEnd(t: string, start: number): number {
  let depth = 0;
  let inStr = false;
  for (let i = start; i < t.length; i++) {
    const c = t[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** "YES"/"NO" from a strict verdict reply (the first word, punctuation and case ignored), or undefined. */
export function parseYesNo(text: string): 'YES' | 'NO' | undefined {
  const t = text.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  const w = /^[^A-Za-z]*([A-Za-z]+)/.exec(t)?.[1]?.toUpperCase();
  return w === 'YES' || w === 'NO' ? w : undefined;
}
