import { parseSpans, parseTimestamps } from './src/timestamps.ts';
import { parseFrames } from './src/frames.ts';
const cases: Record<string, string> = {
  digits: '1'.repeat(200_000),
  dots: '1.'.repeat(100_000),
  colons: '1:'.repeat(100_000),
  dashes: '1 - '.repeat(50_000),
  spaces: '1' + ' '.repeat(200_000) + 'x',
  brackets: '['.repeat(100_000),
  secs: '1 s'.repeat(60_000),
  frames: 'frame 1 '.repeat(30_000),
};
for (const [k, t] of Object.entries(cases)) {
  let t0 = performance.now(); parseSpans(t); const a = performance.now() - t0;
  t0 = performance.now(); parseTimestamps(t); const b = performance.now() - t0;
  t0 = performance.now(); parseFrames(t, 'seconds', 10, () => true, true); const c = performance.now() - t0;
  console.log(k, t.length, a.toFixed(0), b.toFixed(0), c.toFixed(0));
}
