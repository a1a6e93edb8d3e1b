// math.equiv benchmark (issue 14): items/s and p99 for short MATH-style answers and for long (10 kB) reasoning
// responses, against a same-run baseline (the same items through text.numeric) and against huggingface/Math-Verify
// itself (parse + verify, bench/lib/refs.ts; skipped when it is not built), with the agreement of the verdicts on
// the table of services/math/test/pairs.ts. Run: npm run bench:math [--group N] [--agreement-only]. Figures go to
// bench/RESULTS.md.
import { runBatch, type ServiceDef } from '@verimesh/kit';
import { createTextService } from '@verimesh/gateway';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import { createService, loadServiceConfig } from '@verimesh/math';
import type { VerifyItem, VerifyResult } from '@verimesh/proto';
import { PAIRS, type Pair } from '../services/math/test/pairs.js';
import { outsideThink } from '../services/math/src/read.js';
import { machineLine } from './lib/machine.js';
import { startRef, type RefProcess } from './lib/refs.js';
import { f0, f1, f2, pct } from './lib/stats.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
/** Rollouts per reference in the grouped run (a GRPO group). */
const GROUP = flag('--group', 8);

/** About 10 kB of reasoning before the answer: sentences with numbers and math spans, as a long chain of thought has. */
function longReasoning(i: number): string {
  const parts: string[] = [];
  for (let k = 0; parts.join(' ').length < 10_000; k++) {
    parts.push(`Step ${k + 1}: let $a_{${k}} = ${k}^2 + ${i % 7}$, so $a_{${k}} = ${k * k + (i % 7)}$; checking ${k} + ${k + 1} = ${2 * k + 1} keeps the parity.`);
  }
  return parts.join(' ');
}

const mathItem = (p: Pair, key: string, response = p.response): VerifyItem => ({
  key,
  verifier: 'math.equiv',
  response,
  reference_json: JSON.stringify({ answer: p.gold }),
  params_json: JSON.stringify(p.params ?? {}),
});
const numericItem = (it: VerifyItem): VerifyItem => ({ ...it, verifier: 'text.numeric', params_json: '{}' });
const longResponse = (p: Pair, i: number): string => {
  const think = p.response.indexOf('<think>');
  // Reasoning before the answer (inside <think> when the response has one, so the verdict does not change).
  return think >= 0 ? p.response.replace('<think>', `<think>${longReasoning(i)} `) : `<think>${longReasoning(i)}</think>${p.response}`;
};

interface Figures {
  itemsPerSec: number;
  p50: number;
  p99: number;
}

/** The same item with a reference the service has not cached yet (trailing spaces do not change its reading). */
const fresh = (it: VerifyItem, n: number): VerifyItem => {
  const ref = JSON.parse(it.reference_json ?? '{}') as { answer: string };
  return { ...it, reference_json: JSON.stringify({ answer: ref.answer + ' '.repeat(n) }) };
};

/**
 * The whole batch at once (all workers busy) for items/s, after a warm-up pass over the same items with other
 * reference keys (a running service's code is warm; its reference cache is not); then items one at a time, again with
 * uncached references, for the latency of one item.
 */
async function measure(service: ServiceDef, items: VerifyItem[], latencyItems: VerifyItem[]): Promise<Figures & { results: VerifyResult[] }> {
  await runBatch(service, items.map((it) => fresh(it, 1)), { deadline: Date.now() + 600_000 });
  latencyItems = latencyItems.map((it) => fresh(it, 2));
  const t0 = performance.now();
  const results = await runBatch(service, items, { deadline: Date.now() + 600_000 });
  const itemsPerSec = items.length / ((performance.now() - t0) / 1000);
  const lat: number[] = [];
  for (const it of latencyItems) {
    const s = performance.now();
    await runBatch(service, [it], { deadline: Date.now() + 60_000 });
    lat.push(performance.now() - s);
  }
  return { itemsPerSec, p50: pct(lat, 50), p99: pct(lat, 99), results };
}

/** What Math-Verify is given: the text our reader sees (think dropped, shared extraction), the reference as a math span. */
function refItem(p: Pair, response: string) {
  const visible = extractAnswer(outsideThink(response), parseExtractParam(p.params?.extract)).text;
  const gold = /\$|\\boxed|\\\(|\\\[/.test(p.gold) ? p.gold : `$${p.gold}$`;
  return { gold, pred: visible, precision: p.params?.precision ?? 6, strict: p.params?.strict ?? true, set_relation: p.params?.set_relation ?? false, targets: p.params?.targets ?? 'both' };
}

async function reference(ref: RefProcess, items: ReturnType<typeof refItem>[]): Promise<Figures & { verdicts: boolean[] }> {
  const r = await ref.call<{ us: number[]; verdicts: boolean[] }>({ op: 'run', items, warmup: 5 });
  const ms = r.us.map((u) => u / 1000);
  const total = ms.reduce((a, b) => a + b, 0);
  return { itemsPerSec: items.length / (total / 1000), p50: pct(ms, 50), p99: pct(ms, 99), verdicts: r.verdicts };
}

const row = (name: string, f: Figures, base?: number): string =>
  `| ${name} | ${f0(f.itemsPerSec)} | ${f2(f.p50)} | ${f2(f.p99)} |${base ? ` ${f1(f.itemsPerSec / base)}× |` : ' |'}`;

async function main(): Promise<void> {
  console.log(machineLine());
  const text = createTextService();
  // Distinct references: each pair five times, each time with a reference key not seen before (steadier figures).
  const distinct = (make: (p: Pair, i: number) => VerifyItem): VerifyItem[] => [3, 4, 5, 6, 7].flatMap((n) => PAIRS.map((p, i) => fresh(make(p, i), n)));
  const short = distinct((p, i) => mathItem(p, `s${i}`));
  const grouped = PAIRS.flatMap((p, i) => Array.from({ length: GROUP }, (_, g) => mathItem(p, `g${i}.${g}`)));
  const long = distinct((p, i) => mathItem(p, `l${i}`, longResponse(p, i)));
  const ref = await startRef('math-verify');
  if (typeof ref === 'string') console.log(ref);

  for (const workers of args.includes('--agreement-only') ? [] : [1, 2]) {
    console.log(`\n### math.equiv with ${workers} math_worker${workers > 1 ? 's' : ''} (in process, runBatch)\n`);
    console.log('| run | items/s | p50 ms | p99 ms | vs Math-Verify |');
    console.log('|---|---|---|---|---|');
    for (const [name, items] of [['short (MATH-style), distinct references', short], [`short, ${GROUP} rollouts per reference`, grouped], ['long (10 kB reasoning), distinct references', long]] as const) {
      // A fresh service per run, warmed before timing: references are not cached from an earlier run.
      const service = createService(loadServiceConfig({ env: { VERIMESH_MATH_WORKERS: String(workers) } }));
      await service.start!();
      await runBatch(service, [mathItem({ gold: '1', response: '1', expect: 1, category: '', why: '' }, 'warm')], { deadline: Date.now() + 60_000 });
      const ours = await measure(service, [...items], items.slice(0, 200));
      await service.stop!();
      const base = await measure(text, items.map(numericItem), items.slice(0, 200).map(numericItem));
      let mv: Figures | undefined;
      if (typeof ref !== 'string') {
        const pairs = name.startsWith('long') ? PAIRS.map((p, i) => refItem(p, longResponse(p, i))) : name.includes('rollouts') ? PAIRS.flatMap((p) => Array.from({ length: GROUP }, () => refItem(p, p.response))) : PAIRS.map((p) => refItem(p, p.response));
        mv = await reference(ref, pairs);
      }
      console.log(row(`math.equiv, ${name}`, ours, mv?.itemsPerSec));
      console.log(row(`text.numeric baseline, same items`, base));
      if (mv) console.log(row(`Math-Verify 0.8.0 (1 process), same items`, mv));
    }
  }

  if (typeof ref !== 'string') {
    // Agreement on the table: our verdicts (hand expectations, checked by the tests) against Math-Verify's.
    const mv = await reference(ref, PAIRS.map((p) => refItem(p, p.response)));
    const differ = PAIRS.flatMap((p, i) => ((mv.verdicts[i] ? 1 : 0) === p.expect ? [] : [{ i, p, mv: mv.verdicts[i] }]));
    console.log(`\n### Agreement with Math-Verify on the table: ${PAIRS.length - differ.length}/${PAIRS.length} verdicts equal\n`);
    for (const d of differ) console.log(`- #${d.i} ${d.p.category}: ours ${d.p.expect}, Math-Verify ${d.mv ? 1 : 0}: ${JSON.stringify(d.p.gold)} vs ${JSON.stringify(d.p.response.slice(0, 90))} (${d.p.why}${d.p.differs ? `; ${d.p.differs}` : ''})`);
    ref.close();
  }
}

await main();
