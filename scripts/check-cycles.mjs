// Fails when relative imports form a cycle inside any package (STYLE.md: no import cycles); type-only imports included.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const files = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    if (f === 'node_modules' || f === 'generated' || f.startsWith('.')) continue;
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p);
  }
};
for (const top of ['libs', 'services', 'cli']) if (existsSync(join(root, top))) walk(join(root, top));

const graph = new Map();
const importRe = /(?:import|export)\s[^'"`;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
for (const f of files) {
  const deps = [];
  const text = readFileSync(f, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    const target = resolve(dirname(f), spec).replace(/\.js$/, '.ts');
    if (existsSync(target)) deps.push(target);
    else if (existsSync(join(target.replace(/\.ts$/, ''), 'index.ts'))) deps.push(join(target.replace(/\.ts$/, ''), 'index.ts'));
  }
  graph.set(f, deps);
}

const state = new Map();
const cycles = [];
const stack = [];
const visit = (f) => {
  state.set(f, 1);
  stack.push(f);
  for (const d of graph.get(f) ?? []) {
    if (state.get(d) === 1) cycles.push([...stack.slice(stack.indexOf(d)), d].map((p) => relative(root, p)).join(' -> '));
    else if (!state.has(d)) visit(d);
  }
  stack.pop();
  state.set(f, 2);
};
for (const f of graph.keys()) if (!state.has(f)) visit(f);
if (cycles.length) {
  console.error(`import cycles:\n  ${cycles.join('\n  ')}`);
  process.exit(1);
}
console.log(`no import cycles (${files.length} files)`);
