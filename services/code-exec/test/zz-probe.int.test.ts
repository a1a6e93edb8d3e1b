import { it } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { makeService } from './helpers.js';
it('probe', async () => {
  const svc = makeService({ VERIMESH_CODE_EXEC_PYTHON_ZYGOTES: '1' });
  await svc.start!();
  const code = readFileSync('/tmp/rev/probe.py', 'utf8');
  const limits = svc.engine.testLimits(3000);
  let out = '';
  for (let i = 0; i < 2; i++) { const r = await svc.engine.zygotes!.run({ code, stdin: '', limits }); out += 'Z ' + r.stdout + r.stderr; }
  const dir = svc.engine.sandbox.makeHostDir('p');
  writeFileSync(dir + '/p.py', code);
  for (let i = 0; i < 2; i++) { const s = await svc.engine.sandbox.run({ argv: ['python3', '/src/p.py'], roBinds: [{ src: dir, dest: '/src' }], limits }); out += 'S ' + s.stdout.toString() + s.stderr.toString(); }
  writeFileSync('/tmp/rev/out.txt', out);
  await svc.stop!();
}, 60000);
