// The program's side of a JavaScript assert test (untrusted: it shares the process with the solution). Opens the two
// channel FIFOs, loads the solution (CommonJS, or an ES module when it uses import/export), then answers the
// checker's questions about the solution's top-level names until the checker is done.
// argv: u2t fifo, t2u fifo, the solution's file, the decoy token.
'use strict';
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');
const { Peer, ProgramEnded, serveAll } = require('./wire.cjs');

const [u2t, t2u, main] = process.argv.slice(2);
try {
  fs.writeFileSync('/proc/self/oom_score_adj', '1000'); // under memory pressure the program dies, never its checker
} catch {
  /* no procfs: the memory limit still holds */
}
const out = fs.openSync(u2t, 'w');
const inp = fs.openSync(t2u, 'r');
// The globals as they were before the solution ran: a name counts as the solution's only when it declared it (or
// changed it), so the test's Math, JSON or assert are never the solution's.
const before = new Map(Object.getOwnPropertyNames(globalThis).map((k) => [k, globalThis[k]]));
const IDENT = /^[A-Za-z_$][\w$]*$/;

function serve(lookup) {
  const peer = new Peer(inp, out);
  const named = new Map();
  const value = (name) => {
    if (typeof name !== 'string' || !IDENT.test(name)) throw new ReferenceError(`${String(name)} is not a name`);
    if (!named.has(name)) named.set(name, lookup(name));
    return named.get(name);
  };
  peer.serve = {
    ...serveAll(peer),
    defines: (name) => {
      try {
        const v = value(name);
        return !before.has(name) || before.get(name) !== v;
      } catch {
        return false;
      }
    },
    lookup: (name) => peer.encode(value(name)),
  };
  peer.send(['ready', {}]);
  try {
    for (;;) {
      const msg = peer.recv();
      if (Array.isArray(msg) && msg[0] === 'q') peer.answer(msg);
      else if (Array.isArray(msg) && msg[0] === 'done') break;
    }
  } catch (e) {
    if (!(e instanceof ProgramEnded)) throw e;
  }
  process.exit(0);
}

if (main.endsWith('.mjs')) {
  import(pathToFileURL(main).href).then((m) => serve(m.__verimesh_lookup), (e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  require(main);
  serve(globalThis[Symbol.for('verimesh.lookup')]);
}
