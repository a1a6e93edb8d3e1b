import { findTable } from '../src/table/find.js';
import { Interner, flatten, treeEditDistance, renameCost } from '../src/metrics/ted.js';
const WORDS = ['alpha', 'beta', '12.5', '3,400', 'total', 'net', 'Q1', 'n/a', '—', 'revenue', '0.07', 'margin'];
const mk = (rows: number, cols: number, p: boolean) => {
let out = '<table><thead><tr>' + Array.from({length:cols},(_,c)=>`<th>H${c}</th>`).join('') + '</tr></thead><tbody>';
for (let r=1;r<rows;r++){ out+='<tr>'+Array.from({length:cols},(_,c)=>`<td>${WORDS[(r*7+c*3)%WORDS.length]} ${r}.${c}${p&&c%7==0?'x':''}</td>`).join('')+'</tr>'; }
return out+'</tbody></table>'; };
const a = findTable(mk(10,20,true),'pubtabnet')!, b = findTable(mk(10,20,false),'pubtabnet')!;
const i = new Interner();
const fa = flatten(a.root,i,false), fb = flatten(b.root,i,false);
const fas = flatten(a.root,i,true), fbs = flatten(b.root,i,true);
const bench = (name: string, f: () => void) => { for (let w=0;w<30;w++) f(); const s: number[]=[]; for (let w=0;w<60;w++){const t=performance.now(); f(); s.push(performance.now()-t);} s.sort((x,y)=>x-y); console.log(name, s[30]!.toFixed(3)); };
bench('ted full', () => treeEditDistance(fa, fb));
bench('ted struct', () => treeEditDistance(fas, fbs));
bench('all renames', () => { let x=0; for (let p=0;p<fa.n;p++) for (let q=0;q<fb.n;q++) x+=renameCost(fa,p,fb,q); });
