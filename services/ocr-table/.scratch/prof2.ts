import { findTable } from '../src/table/find.js';
import { Interner, flatten, treeEditDistance } from '../src/metrics/ted.js';
const mk = (rows: number, cols: number) => {
let out = '<table><thead><tr>' + Array.from({length:cols},(_,c)=>`<th>H${c}</th>`).join('') + '</tr></thead><tbody>';
for (let r=1;r<rows;r++){ out+='<tr>'+Array.from({length:cols},(_,c)=>`<td>v ${r}.${c}</td>`).join('')+'</tr>'; }
return out+'</tbody></table>'; };
for (const [r,c] of JSON.parse(process.argv[2]!)) {
const a = findTable(mk(r,c),'pubtabnet')!, b = findTable(mk(r,c).replace('v 3.3','x'),'pubtabnet')!;
const i = new Interner();
const fa = flatten(a.root,i,true), fb = flatten(b.root,i,true);
let cells=0; for (const k1 of fa.keyroots) for (const k2 of fb.keyroots) cells += (k1-fa.lml[k1]!+1)*(k2-fb.lml[k2]!+1);
for (let w=0;w<20;w++) treeEditDistance(fa,fb);
const t=performance.now(); const N=50; for (let w=0;w<N;w++) treeEditDistance(fa,fb);
const ms=(performance.now()-t)/N;
console.log(r,c,'n',fa.n,'kr',fa.keyroots.length,'cells',cells,'ms',ms.toFixed(3),'ns/cell',(ms*1e6/cells).toFixed(2));
}
