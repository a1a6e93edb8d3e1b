import { findTable } from '../src/table/find.js';
import { Interner, flatten, treeEditDistance } from '../src/metrics/ted.js';
let out = '<table><thead><tr>' + Array.from({length:10},(_,c)=>`<th>H${c}</th>`).join('') + '</tr></thead><tbody>';
for (let r=1;r<20;r++){ out+='<tr>'+Array.from({length:10},(_,c)=>`<td>v ${r}.${c}</td>`).join('')+'</tr>'; }
out+='</tbody></table>';
const a = findTable(out,'pubtabnet')!, b = findTable(out.replace('v 3.3','x'),'pubtabnet')!;
for (const so of [true,false]) {
const i = new Interner();
const fa = flatten(a.root,i,so), fb = flatten(b.root,i,so);
let cells=0; for (const k1 of fa.keyroots) for (const k2 of fb.keyroots) cells += (k1-fa.lml[k1]!+1)*(k2-fb.lml[k2]!+1);
for (let w=0;w<20;w++) treeEditDistance(fa,fb);
const t=performance.now(); const N=100; for (let w=0;w<N;w++) treeEditDistance(fa,fb);
const ms=(performance.now()-t)/N;
console.log('so',so,'n',fa.n,fb.n,'kr',fa.keyroots.length,'cells',cells,'ms',ms.toFixed(3),'ns/cell',(ms*1e6/cells).toFixed(2));
}
import { teds } from '../src/metrics/teds.js';
for (const so of [true,false]) {
for (let w=0;w<20;w++) teds(a,b,so);
const t=performance.now(); const N=100; for (let w=0;w<N;w++) teds(a,b,so);
console.log('teds so',so,((performance.now()-t)/N).toFixed(3));
const i = new Interner();
const t2=performance.now(); for (let w=0;w<N;w++) { flatten(a.root,i,so); flatten(b.root,i,so);} 
console.log('flatten x2',((performance.now()-t2)/N).toFixed(3));
}
