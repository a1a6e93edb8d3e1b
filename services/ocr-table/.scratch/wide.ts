import { findTable } from '../src/table/find.js';
const unit = (tag: string) => `<${tag}>`.repeat(250) + 'x' + `</${tag}>`.repeat(250);
for (const html of [`<table><tr><td>${unit('div').repeat(Math.floor(2e6 / unit('div').length))}</td></tr></table>`,
  `<table><tr><td>${('<b><i>x</b></i>').repeat(2e6/16)}</td></tr></table>`,
  `<table><tr><td>${'<b>'.repeat(250)}${'</p>'.repeat(4e5)}</td></tr></table>`,
  `<table>${'<tr><td>a</td>'.repeat(150000)}</table>`]) {
  const t = performance.now();
  try { const tb = findTable(html, 'omnidocbench'); console.log('ok', html.length, tb?.count, (performance.now()-t).toFixed(0)); } catch (e) { console.log('ERR', (e as Error).message.slice(0,80), (performance.now()-t).toFixed(0)); }
}
