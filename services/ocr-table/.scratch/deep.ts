import { findTable } from '../src/table/find.js';
import { teds } from '../src/metrics/teds.js';
for (const n of [1000, 20000, 200000]) {
  for (const html of [`<table><tr><td>${'<div>'.repeat(n)}x</td></tr></table>`, `${'<div>'.repeat(n)}<table><tr><td>x</td></tr></table>`, `<table>${'<table><tr><td>'.repeat(n/10)}</table>`]) {
    const t = performance.now();
    try { const tb = findTable(html, 'pubtabnet'); const r = tb && teds(tb, tb); console.log(n, 'ok', tb?.count, r?.score, (performance.now()-t).toFixed(0)); } catch (e) { console.log(n, 'ERR', (e as Error).message.slice(0,80), (performance.now()-t).toFixed(0)); }
  }
}
