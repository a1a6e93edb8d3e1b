// The embedded mesh's defensive loading: a package that is absent or has no createService is reported, never fatal.
import { describe, expect, it } from 'vitest';
import { createEmbeddedGateway, loadServices } from './mesh.js';

describe('loadServices', () => {
  it('loads real services and reports the ones that cannot load, with the reason', async () => {
    const { services, missing } = await loadServices(undefined, [
      ['absent', '@verimesh/does-not-exist'],
      ['no-factory', '@verimesh/extract'], // a real package without createService
    ]);
    expect(services.size).toBe(0);
    expect(missing.get('absent')).toMatch(/@verimesh\/does-not-exist failed to load/);
    expect(missing.get('no-factory')).toBe('@verimesh/extract has no createService export');
  });
  it('honours the only filter', async () => {
    const { services, missing } = await loadServices(new Set(['nothing-matches']));
    expect(services.size + missing.size).toBe(0);
  });
});

describe('createEmbeddedGateway', () => {
  it('scores the built-in text verifiers with no domain service loaded', async () => {
    const { gateway } = await createEmbeddedGateway({ only: new Set() });
    try {
      const { results } = await gateway.score([
        { id: 'a', response: 'The answer is (C).', reference: { answer: 'C' }, reward: { components: [{ verifier: 'text.exact' }] } },
        { id: 'b', response: '[1, 2, 3, 4]', reference: { box: [1, 2, 3, 4] }, reward: { components: [{ verifier: 'vision.box_iou' }] } },
      ]);
      expect(results[0]).toMatchObject({ id: 'a', reward: 1, status: 'ok' });
      // No vision-iou in this mesh: its component is unavailable and on_error's default 0 stands in.
      expect(results[1]).toMatchObject({ id: 'b', reward: 0, status: 'partial', components: { 'vision.box_iou': { status: 'unavailable' } } });
    } finally {
      await gateway.close();
    }
  });
});
