// The test double itself: it must refuse what OpenAI refuses, or the service tests prove less than they claim.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiServer } from './openai-server.js';

const server = new OpenAiServer({ apiKey: 'sk-t' });
beforeAll(async () => {
  await server.start();
  server.chat = () => '{"ok": true}';
  server.embed = () => [0.5, -0.25];
});
afterAll(async () => server.close());

async function post(path: string, body: unknown, key = 'sk-t'): Promise<{ status: number; json: any }> {
  const r = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}
const msgs = [{ role: 'user', content: 'hi' }];

describe('OpenAI-compatible test double', () => {
  it('answers a valid chat request in the chat.completion shape', async () => {
    const r = await post('/chat/completions', { model: 'm', messages: msgs, stream: false, logprobs: true, top_logprobs: 2 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: '{"ok": true}' }, finish_reason: 'stop' }] });
    expect(r.json.choices[0].logprobs.content.map((t: any) => t.token).join('')).toBe('{"ok": true}');
  });
  it('refuses what OpenAI refuses, with OpenAI error bodies', async () => {
    const cases: Array<[unknown, string]> = [
      ['{not json', 'could not parse the JSON body'],
      [{ messages: msgs }, 'model parameter'],
      [{ model: 'm', messages: [] }, 'too short'],
      [{ model: 'm', messages: msgs, stream: true }, 'stream=true is not supported'],
      [{ model: 'm', messages: msgs, top_logprobs: 3 }, "'logprobs' must be set to true"],
      [{ model: 'm', messages: msgs, frobnicate: 1 }, 'Unrecognized request argument supplied: frobnicate'],
      [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:text/plain;base64,AA==' } }] }] }, 'Invalid image URL'],
      [{ model: 'm', messages: msgs, response_format: { type: 'json_schema', json_schema: { name: 'bad name!', schema: {} } } }, 'json_schema.name'],
    ];
    for (const [body, msg] of cases) {
      const r = await post('/chat/completions', body);
      expect(r.status).toBe(400);
      expect(r.json.error.type).toBe('invalid_request_error');
      expect(r.json.error.message).toContain(msg);
    }
    const auth = await post('/chat/completions', { model: 'm', messages: msgs }, 'sk-wrong');
    expect(auth.status).toBe(401);
    expect(auth.json.error.code).toBe('invalid_api_key');
  });
  it('enforces response_format json_schema on the reply (as constrained decoding would)', async () => {
    const schema = { type: 'object', properties: { ok: { type: 'string' } }, required: ['ok'] };
    const r = await post('/chat/completions', { model: 'm', messages: msgs, response_format: { type: 'json_schema', json_schema: { name: 's', schema } } });
    expect(r.status).toBe(500);
    expect(r.json.error.message).toContain('violates the response_format schema');
  });
  it('serves embeddings as floats or base64 float32', async () => {
    const f = await post('/embeddings', { model: 'e', input: ['a', 'b'] });
    expect(f.json.data.map((d: any) => d.embedding)).toEqual([[0.5, -0.25], [0.5, -0.25]]);
    const b = await post('/embeddings', { model: 'e', input: 'a', encoding_format: 'base64' });
    const buf = Buffer.from(b.json.data[0].embedding, 'base64');
    expect([buf.readFloatLE(0), buf.readFloatLE(4)]).toEqual([0.5, -0.25]);
    expect((await post('/embeddings', { model: 'e', input: '' })).status).toBe(400);
  });
});
