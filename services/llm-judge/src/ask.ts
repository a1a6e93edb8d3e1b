// One judgment call with one repair: a reply that cannot be read is sent back once with what was wrong, then it is an error.
import type { Backend, ChatReply, ChatRequest } from './backend.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface Answer<T> {
  value: T;
  /** The reply that parsed (the repaired one when a repair was needed). */
  reply: ChatReply;
  repaired: boolean;
}

export async function ask<T>(
  backend: Backend,
  model: string,
  req: ChatRequest,
  parse: (content: string) => Parsed<T>,
  repairInstruction: (problem: string) => string,
  signal: AbortSignal,
): Promise<Answer<T>> {
  const first = await backend.chat(req, signal, model);
  const p1 = parse(first.content);
  if (p1.ok) return { value: p1.value, reply: first, repaired: false };
  const repair: ChatRequest = {
    ...req,
    messages: [...req.messages, { role: 'assistant', content: first.content }, { role: 'user', content: repairInstruction(p1.problem) }],
  };
  const second = await backend.chat(repair, signal, model);
  const p2 = parse(second.content);
  if (p2.ok) return { value: p2.value, reply: second, repaired: true };
  // Still unreadable after the repair: a plain error, so the component's status is error.
  throw new Error(`judge backend "${backend.name}" gave an unreadable reply twice (${p2.problem}); last reply: ${JSON.stringify(second.content.slice(0, 200))}`);
}
