// The vision-iou service over real gRPC on 127.0.0.1: one batch with every verifier, media, and bad items.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadPackage, type VerifierServiceClient } from '@verimesh/proto';
import { noopLogger, serve, type RunningServer } from '@verimesh/kit';
import { createService, loadServiceConfig } from '../src/index.js';

let srv: RunningServer;
let client: VerifierServiceClient;

beforeAll(async () => {
  srv = await serve(createService(loadServiceConfig({ env: {} })), { host: '127.0.0.1', port: 0, log: noopLogger });
  const Ctor = loadPackage().verimesh.v1.VerifierService;
  client = new Ctor(srv.address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await srv.shutdown(1000);
});

const call = (items: object[]) =>
  new Promise<any>((resolve, reject) =>
    client.VerifyBatch({ items }, { deadline: Date.now() + 20_000 }, (err, res) => (err ? reject(err) : resolve(res))),
  );

describe('vision-iou over gRPC', () => {
  it('describes its four verifiers', async () => {
    const res = await new Promise<any>((resolve, reject) => client.Describe({}, (e, r) => (e ? reject(e) : resolve(r))));
    expect(res.service).toBe('vision-iou');
    expect(res.verifiers.map((v: any) => v.name).sort()).toEqual(['vision.box_iou', 'vision.detection', 'vision.mask_iou', 'vision.point']);
    expect(JSON.parse(res.verifiers[0].params_json)).toHaveProperty('coords');
  });

  it('verifies a mixed batch, one result per item in order', async () => {
    const png = await sharp(Buffer.from([255, 255, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), { raw: { width: 4, height: 4, channels: 1 } }).png().toBuffer();
    const input = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const res = await call([
      { key: 'box', verifier: 'vision.box_iou', response: '<answer>[5,5,15,15]</answer>', reference_json: '{"box":[0,0,10,10]}' },
      {
        key: 'norm', verifier: 'vision.box_iou', response: '[{"bbox_2d": [0, 0, 500, 500], "label": "x"}]', reference_json: '{"box":[0,0,100,50]}',
        params_json: '{"coords":"norm1000"}', media: [{ kind: 'image', role: 'input', data_b64: input.toString('base64') }],
      },
      { key: 'det', verifier: 'vision.detection', response: '[[0,0,10,10],[50,50,60,60]]', reference_json: '{"boxes":[[0,0,10,10]]}' },
      { key: 'mask', verifier: 'vision.mask_iou', response: '', reference_json: '{"mask":{"size":[4,4],"counts":"02208"}}', media: [{ kind: 'image', role: 'output', data_b64: png.toString('base64') }] },
      { key: 'pt', verifier: 'vision.point', response: '(75, 25)', reference_json: '{"box":[0,0,100,50]}', params_json: '{"mode":"gaussian"}' },
      { key: 'bad', verifier: 'vision.box_iou', response: '[0,0,1,1]', reference_json: '{"box":"nope"}' },
      { key: 'nan', verifier: 'vision.box_iou', response: '[NaN,0,1,1]', reference_json: '{"box":[0,0,10,10]}' },
    ]);
    const by = Object.fromEntries(res.results.map((r: any) => [r.key, r.result]));
    expect(res.results.map((r: any) => r.key)).toEqual(['box', 'norm', 'det', 'mask', 'pt', 'bad', 'nan']);
    expect(by.box.score).toBeCloseTo(1 / 7, 6);
    expect(by.norm.score).toBe(1);
    expect(by.det.score).toBeCloseTo(2 / 3, 6);
    expect(by.mask.score).toBe(1);
    expect(by.pt.score).toBeCloseTo(Math.exp(-0.125), 6);
    expect(by.bad.status).toBe('COMPONENT_STATUS_INVALID');
    expect(by.bad.detail).toContain('reference.box');
    expect(by.nan.status).toBe('COMPONENT_STATUS_OK');
    expect(by.nan.score).toBe(0);
    for (const k of ['box', 'norm', 'det', 'mask', 'pt']) expect(by[k].status, k).toBe('COMPONENT_STATUS_OK');
  });
});
