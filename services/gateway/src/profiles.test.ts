// Profiles files: YAML and JSON, directories, and errors naming the file, profile and field.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@verimesh/kit';
import { describe, expect, it } from 'vitest';
import { loadProfiles } from './profiles.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'verimesh-profiles-'));

describe('loadProfiles', () => {
  it('reads YAML (under profiles:) and JSON (top-level map) from files and directories', () => {
    const d = dir();
    writeFileSync(
      join(d, 'a.yaml'),
      `profiles:
  refcoco:
    components:
      - name: iou
        verifier: vision.box_iou
        params: { coords: norm1000 }
        gate: { min: 0.5 }
      - { name: format, verifier: text.format, weight: 0.5, params: { pattern: think_answer } }
    combine: { formula: "format * (0.8*iou + 0.2)" }
`,
    );
    writeFileSync(join(d, 'b.json'), JSON.stringify({ mcq: { components: [{ verifier: 'text.exact' }] } }));
    writeFileSync(join(d, 'notes.txt'), 'ignored');
    const p = loadProfiles([d]);
    expect(Object.keys(p).sort()).toEqual(['mcq', 'refcoco']);
    expect(p.refcoco!.components[0]).toEqual({ name: 'iou', verifier: 'vision.box_iou', params: { coords: 'norm1000' }, gate: { min: 0.5 } });
    expect(p.refcoco!.combine).toEqual({ formula: 'format * (0.8*iou + 0.2)' });
    expect(loadProfiles([join(d, 'b.json')])).toEqual({ mcq: { components: [{ verifier: 'text.exact' }] } });
  });
  it('names the file, the profile and the field of a bad spec', () => {
    const d = dir();
    const f = join(d, 'bad.yml');
    writeFileSync(f, 'judge:\n  components:\n    - verifier: judge.rubric\n      weight: .nan\n');
    expect(() => loadProfiles([f])).toThrow(ConfigError);
    expect(() => loadProfiles([f])).toThrow(`${f}: profiles.judge.components[0].weight must be a finite number, got NaN`);
  });
  it('refuses invalid YAML, a missing path and a name defined twice', () => {
    const d = dir();
    writeFileSync(join(d, 'x.yaml'), 'a: [unclosed');
    expect(() => loadProfiles([join(d, 'x.yaml')])).toThrow(/x\.yaml is not valid YAML/);
    expect(() => loadProfiles([join(d, 'missing.yaml')])).toThrow(/cannot read .*missing\.yaml/);
    const d2 = dir();
    mkdirSync(join(d2, 'sub'));
    writeFileSync(join(d2, 'one.json'), JSON.stringify({ p: { components: [{ verifier: 'text.exact' }] } }));
    writeFileSync(join(d2, 'two.json'), JSON.stringify({ p: { components: [{ verifier: 'text.format' }] } }));
    expect(() => loadProfiles([d2])).toThrow(/profile "p" is defined in both .*one\.json and .*two\.json/);
  });
  it('a profile named __proto__ or constructor is just a name; a deep profile part is refused like a sample\'s', async () => {
    const d = dir();
    writeFileSync(join(d, 'p.yaml'), 'profiles:\n  __proto__:\n    components: [{ verifier: text.exact }]\n  constructor:\n    components: [{ verifier: text.format }]\n');
    const p = loadProfiles([d]);
    expect(Object.keys(p).sort()).toEqual(['__proto__', 'constructor']);
    const { Gateway } = await import('./gateway.js');
    const { results } = await new Gateway({ backends: {}, profiles: p }).score([{ id: 'a', response: 'B', reference: { answer: 'B' }, profile: '__proto__' }]);
    expect(results[0]).toMatchObject({ status: 'ok', reward: 1 });
    const deep = join(d, 'deep.json');
    writeFileSync(deep, `{"x":{"components":[{"verifier":"text.exact","params":${'{"a":'.repeat(65)}1${'}'.repeat(65)}}]}}`);
    expect(() => loadProfiles([deep])).toThrow(/profiles\.x\.components\[0\]\.params nests deeper than 64 levels/);
  });
});
