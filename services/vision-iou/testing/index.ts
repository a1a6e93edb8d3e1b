// Test helpers of @verimesh/vision-iou (the `testing` subpath, never the main export): run items through the real runBatch and build small images.
import sharp from 'sharp';
import { runBatch } from '@verimesh/kit';
import type { MediaJson } from '@verimesh/proto';
import { createService } from '../src/service.js';
import { loadServiceConfig } from '../src/config.js';

const service = createService(loadServiceConfig({ env: {} }));

export interface Ran {
  score: number;
  status: string;
  detail: string;
  metrics: Record<string, unknown>;
  /** Sentinel flags the verifier raised (SPEC 3.1). */
  flags: string[];
}

/** One item through runBatch, the code path behind VerifyBatch; status lower-cased ("ok", "invalid", ...). */
export async function run(verifier: string, response: string, reference: unknown, params: unknown = {}, media: MediaJson[] = []): Promise<Ran> {
  const [r] = await runBatch(
    service,
    [{ key: 'k', verifier, response, reference_json: JSON.stringify(reference), params_json: JSON.stringify(params), media: media.map((m) => ({ ...m })) }],
    { deadline: Date.now() + 30_000 },
  );
  const res = r!.result!;
  return {
    score: Number(res.score ?? 0),
    status: String(res.status).replace('COMPONENT_STATUS_', '').toLowerCase(),
    detail: res.detail ?? '',
    metrics: res.metrics_json ? (JSON.parse(res.metrics_json) as Record<string, unknown>) : {},
    flags: [...(res.flags ?? [])],
  };
}

/** A grey PNG of h×w whose pixels are 255 where `on(x, y)`. */
export async function maskPng(h: number, w: number, on: (x: number, y: number) => boolean, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const raw = Buffer.alloc(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[y * w + x] = on(x, y) ? 255 : 0;
  const img = sharp(raw, { raw: { width: w, height: h, channels: 1 } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 90 }).toBuffer();
}
