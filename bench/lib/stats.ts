// Benchmark helpers for figures: percentiles, timed rounds of calls (alone or interleaved), number formatting.

/** The p-th percentile (nearest rank, 0–100) of `xs`. */
export function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export interface Run {
  samplesPerSec: number;
  p50: number;
  p99: number;
}

/** `rounds` calls of `batch` samples, `inFlight` at a time (`once` gets its lane 0..inFlight-1); latency per call, throughput over the run. */
export async function runCalls(rounds: number, inFlight: number, once: (k: number) => Promise<unknown>, batch = 1024): Promise<Run & { lat: number[]; ms: number }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, k) => {
      while (next < rounds) {
        next++;
        const s = performance.now();
        await once(k);
        lat.push(performance.now() - s);
      }
    }),
  );
  const ms = performance.now() - t0;
  return { samplesPerSec: (rounds * batch) / (ms / 1000), p50: pct(lat, 50), p99: pct(lat, 99), lat, ms };
}

/**
 * Paths measured in alternating slices (a, b, a, b, …) so that each sees the same load from whatever else shares the
 * machine; a ratio between them stays meaningful on a busy box. `rounds` calls per path in all.
 */
export async function interleaved(rounds: number, inFlight: number, paths: ReadonlyArray<(k: number) => Promise<unknown>>, batch = 1024, slices = 6): Promise<Run[]> {
  const acc = paths.map(() => ({ lat: [] as number[], ms: 0, calls: 0 }));
  for (let s = 0; s < slices; s++) {
    for (const [i, once] of paths.entries()) {
      const n = Math.ceil(rounds / slices);
      const r = await runCalls(n, inFlight, once, batch);
      acc[i]!.lat.push(...r.lat);
      acc[i]!.ms += r.ms;
      acc[i]!.calls += n;
    }
  }
  return acc.map((a) => ({ samplesPerSec: (a.calls * batch) / (a.ms / 1000), p50: pct(a.lat, 50), p99: pct(a.lat, 99) }));
}

export const f0 = (x: number): string => Math.round(x).toLocaleString('en-US');
export const f1 = (x: number): string => x.toFixed(1);
export const f2 = (x: number): string => x.toFixed(2);
export const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MB`;

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** CPU µs of this process so far (user + system): unlike wall time, not inflated while other processes hold the cores. */
export const selfCpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/**
 * Median CPU µs per call of `fn`: samples of k calls (k chosen so that a sample takes ≥ 10 ms), for `minMs` of CPU and
 * at least 3 samples. Single-threaded code's CPU time is its run time, so this holds on a shared machine.
 */
export function cpuPerCallUs(fn: () => unknown, minMs = 200): number {
  fn();
  let k = 1;
  for (;;) {
    const t = selfCpuUs();
    for (let i = 0; i < k; i++) fn();
    if (selfCpuUs() - t >= 10_000 || k >= 1 << 20) break;
    k *= 2;
  }
  const samples: number[] = [];
  const t0 = selfCpuUs();
  while (samples.length < 3 || (selfCpuUs() - t0 < minMs * 1000 && samples.length < 200)) {
    const t = selfCpuUs();
    for (let i = 0; i < k; i++) fn();
    samples.push((selfCpuUs() - t) / k);
  }
  return median(samples);
}

export interface SideBySide {
  /** Median over rounds of ours / the reference, µs per call. */
  ours: number;
  ref: number;
  /** Median of the per-round ratios ours / reference (below 1: ours is faster). */
  ratio: number;
}

/** Ours and a reference measured in alternating rounds (ours, ref, ours, ref, …) so that both see the same load. */
export async function sideBySide(rounds: number, ours: () => number, ref: () => Promise<number>): Promise<SideBySide> {
  const o: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < rounds; i++) {
    o.push(ours());
    r.push(await ref());
  }
  return { ours: median(o), ref: median(r), ratio: median(o.map((x, i) => x / r[i]!)) };
}
