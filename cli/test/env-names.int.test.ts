// Every service's settings follow PLAN D5: VERIMESH_<SERVICE>_* (service name upper-snaked) or a shared name, and
// every renamed variable still reads under its old name (deprecatedEnv) with the same result.
import * as codeExec from '@verimesh/code-exec';
import * as gateway from '@verimesh/gateway';
import { COMMON_OPTIONS, loadConfig, noopLogger, type OptionSpec } from '@verimesh/kit';
import * as judge from '@verimesh/llm-judge';
import * as math from '@verimesh/math';
import * as ocr from '@verimesh/ocr-table';
import * as video from '@verimesh/video-temporal';
import * as vision from '@verimesh/vision-iou';
import { describe, expect, it } from 'vitest';

const SHARED = [
  'VERIMESH_PORT',
  'VERIMESH_HOST',
  'VERIMESH_LOG_LEVEL',
  'VERIMESH_MAX_IN_FLIGHT',
  'VERIMESH_SHUTDOWN_GRACE_MS',
  'VERIMESH_SERVICES',
  'VERIMESH_PROFILES',
  'VERIMESH_HTTP_PORT',
  'VERIMESH_METRICS_PORT',
];
const SERVICES: Array<[string, Record<string, OptionSpec>]> = [
  ['code-exec', codeExec.OPTIONS],
  ['gateway', gateway.OPTIONS],
  ['llm-judge', judge.OPTIONS],
  ['math', math.OPTIONS],
  ['ocr-table', ocr.OPTIONS],
  ['video-temporal', video.OPTIONS],
  ['vision-iou', vision.OPTIONS],
];

/** A valid value other than the default, for the option's type. */
function sample(spec: OptionSpec): string {
  switch (spec.type) {
    case 'bool':
      return String(!spec.default);
    case 'int':
    case 'number':
      return String(Math.min(spec.max ?? Infinity, (spec.min ?? 0) + 3));
    case 'list':
      return 'a,b';
    case 'string':
      return spec.choices?.find((c) => c !== spec.default) ?? 'some-value';
  }
}

describe('environment names (PLAN D5)', () => {
  it.each(SERVICES)('%s: every variable is VERIMESH_<SERVICE>_* or shared', (service, options) => {
    const prefix = `VERIMESH_${service.toUpperCase().replace(/-/g, '_')}_`;
    const bad = Object.values({ ...COMMON_OPTIONS, ...options })
      .flatMap((o) => (o.env ? [o.env] : []))
      .filter((env) => !env.startsWith(prefix) && !SHARED.includes(env));
    expect(bad).toEqual([]);
  });

  it('old names read the same as the new ones for one release', () => {
    let renamed = 0;
    for (const [, options] of SERVICES) {
      for (const [key, spec] of Object.entries(options)) {
        if (!spec.deprecatedEnv || !spec.env) continue;
        const one = { [key]: spec } as Record<string, OptionSpec>;
        const value = sample(spec);
        for (const old of typeof spec.deprecatedEnv === 'string' ? [spec.deprecatedEnv] : spec.deprecatedEnv) {
          const viaNew = loadConfig(one, { env: { [spec.env]: value }, log: noopLogger })[key];
          const viaOld = loadConfig(one, { env: { [old]: value }, log: noopLogger })[key];
          expect(viaNew, `${spec.env}`).not.toEqual(spec.default);
          expect(viaOld, `${old} -> ${spec.env}`).toEqual(viaNew);
          renamed++;
        }
      }
    }
    // VERIMESH_JUDGE_* (18), VERIMESH_VIDEO_* (9), VERIMESH_ORT_PROVIDERS, VERIMESH_DEFAULT_TIMEOUT_MS.
    expect(renamed).toBe(29);
  });
});
