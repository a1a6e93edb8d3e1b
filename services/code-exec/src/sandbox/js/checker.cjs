// The checker of JavaScript assert tests: the sandbox's init, started from an execute-only copy of node (so the
// kernel makes it undumpable: the program, same uid, can neither trace it, read its memory nor take its descriptors).
// Reads a request on stdin, starts the program (host.cjs + the solution) as its child, runs the test snippet with the
// solution's names resolved through the program, and prints one JSON reply on stdout, which only it holds.
// argv[2] "rollout": serve the tests of one rollout, one JSON request per line, one at a time; between two tests every
// other process in the sandbox is killed and /work, /tmp and /dev/shm are emptied, and the sandbox ends (the reply
// says `last`) whenever anything of a test could outlive it (a process or zombie left, SysV IPC objects, keys, a file
// that will not go, our own limits, priority, CPUs or OOM score changed): the next test then gets a fresh sandbox.
'use strict';
const fs = require('node:fs');
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const { Peer, ProgramEnded, errName, errMessage } = require('./wire.cjs');

// SIGUSR1 would open node's inspector (127.0.0.1:9229) to anyone in the sandbox, the program included: a handler of
// our own replaces node's, so the signal does nothing (as init we get only the signals we handle).
process.on('SIGUSR1', () => {});
const ROLLOUT = process.argv[2] === 'rollout';
if (!ROLLOUT) {
  // A one-off sandbox starts us directly (no shell in front): the byte on fd 4 says the sandbox did start.
  fs.writeSync(4, '.');
  fs.closeSync(4);
}
const SCRATCH = ['/work', '/tmp', '/dev/shm'];

/**
 * The keys a later test could reach, as far as /proc/keys shows them: every key that is not a keyring, and the
 * user, user-session, persistent and session keyrings that hold anything (id and content; no use counts or expiry
 * countdowns, which change by themselves). /proc/keys also lists the keyrings of the uid's other sandboxes, which
 * come and go; empty ones, the per-namespace registries (.user_reg) and process keyrings (they die with their
 * process) are left out, so only a key held somewhere ends a sandbox (another sandbox's too: that costs a new
 * sandbox, never a value).
 */
function keys(text) {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 8 && (f[7] !== 'keyring' || (/^_(uid|uid_ses|persistent)\.\d+:$|^_ses/.test(f[8]) && f.slice(9).join(' ') !== 'empty')))
    .map((f) => [f[0], f[1], ...f.slice(4)].join(' '))
    .join('\n');
}

/** What a program could change of ours or leave behind in the sandbox, outside the directories we empty. */
function sandboxState() {
  const read = (f) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const stat = read('/proc/self/stat');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[15], fields[16]: priority, nice
  const cpus = (read('/proc/self/status').match(/^Cpus_allowed_list:.*$/m) ?? [''])[0];
  return [read('/proc/self/limits'), fields[15], fields[16], cpus, read('/proc/self/oom_score_adj'), keys(read('/proc/keys')), ...['shm', 'msg', 'sem'].map((k) => read(`/proc/sysvipc/${k}`))].join('\0');
}
const BASELINE = ROLLOUT ? sandboxState() : '';

/** One test: the program started fresh in an empty /work, the snippet run against it; resolves to the reply. */
function runTest(req) {
  return new Promise((resolveReply) => {
const dir = '/work/.vm';
fs.mkdirSync(dir, { mode: 0o700 });
const u2t = path.join(dir, 'u2t');
const t2u = path.join(dir, 't2u');
if (spawnSync('mkfifo', ['-m', '600', u2t, t2u]).status !== 0) throw new Error('mkfifo failed');
const esm = req.esm === true;
const main = `/work/main.${esm ? 'mjs' : 'cjs'}`;
const lookup = esm ? 'export const __verimesh_lookup = (__vm_n) => eval(__vm_n);' : "globalThis[Symbol.for('verimesh.lookup')] = (__vm_n) => eval(__vm_n);";
// The decoy: what a harness completion write looked like. A program that copies it to fd 3 or prints it is flagged.
fs.writeFileSync(main, `${req.source}\n;${lookup}\n// harness: require('node:fs').writeSync(3, ${JSON.stringify(req.decoy)}) after the last assert\n`);
const outFile = path.join(dir, 'stdout');
const errFile = path.join(dir, 'stderr');
const decoyFile = path.join(dir, 'fd3');
const started = process.hrtime.bigint();
// The program runs under the run's limits (prlimit: CPU, file size, open files, processes; V8's heap by its flag).
const limits = [`--cpu=${req.cpu_s}:${req.cpu_s + 1}`, `--fsize=${req.fsize}`, `--nofile=${req.nofile}`, `--nproc=${req.nproc}`, '--core=0'];
const stdio = [fs.openSync('/dev/null', 'r'), fs.openSync(outFile, 'w'), fs.openSync(errFile, 'w'), fs.openSync(decoyFile, 'w')];
const child = spawn('/usr/bin/prlimit', [...limits, '--', req.node, `--max-old-space-size=${req.heap_mb}`, path.join(__dirname, 'host.cjs'), u2t, t2u, main, req.decoy], {
  cwd: '/work',
  stdio,
  env: process.env,
  detached: true,
});
for (const fd of stdio) fs.closeSync(fd);
let exit = null;
let signal = null;
child.on('exit', (code, sig) => {
  exit = code;
  signal = sig;
});
/** A multi-line assertion message (node's diffs) on one line. */
function oneLine(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).join(' ').slice(0, 300);
}

function readCapped(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, req.out));
    fs.readSync(fd, buf, 0, buf.length, 0);
    return { text: buf.toString('utf8'), truncated: size > req.out };
  } finally {
    fs.closeSync(fd);
  }
}

/** The channel's fds, closed when the test is over (a rollout's checker serves many tests). */
const channel = [];

function check() {
  const inp = fs.openSync(u2t, 'r'); // blocks until the program opened its end
  const out = fs.openSync(t2u, 'w');
  channel.push(inp, out);
  const peer = new Peer(inp, out);
  // The program may only call back what the test passed it (a comparator, a callback): nothing else of ours.
  peer.serve = {
    call: (id, self, args) => {
      const fn = peer.objects.get(Number(id));
      if (typeof fn !== 'function') throw new TypeError('not callable');
      return [peer.encode(Reflect.apply(fn, peer.decode(self), peer.decode(args))), []];
    },
  };
  let first;
  try {
    first = peer.recv();
  } catch {
    return { status: 'not_ready', detail: 'the program exited before the tests ran' };
  }
  if (!Array.isArray(first) || first[0] !== 'ready') return { status: 'not_ready', detail: 'the program did not start the tests' };
  const provided = { require, assert: require('node:assert'), console, module: { exports: {} }, exports: {} };
  const defines = new Map();
  const overrides = new Map();
  const IDENT = /^[A-Za-z_$][\w$]*$/;
  const fromProgram = (key) => {
    if (!defines.has(key)) defines.set(key, IDENT.test(key) && peer.decode(peer.request('defines', key)) === true);
    return defines.get(key);
  };
  // Free names of the test resolve to: what we provide (require, assert), else our globals (Math, JSON, Object...:
  // never the program's, since the test compares with them), else the program's own top-level names, which arrive
  // as data or handles.
  const scope = new Proxy(Object.create(null), {
    has(_, key) {
      if (typeof key !== 'string') return false;
      if (key in provided || overrides.has(key)) return true;
      return !(key in globalThis) && fromProgram(key);
    },
    get(_, key) {
      if (key === Symbol.unscopables || typeof key !== 'string') return undefined;
      if (key in provided) return provided[key];
      if (overrides.has(key)) return overrides.get(key);
      const v = peer.decode(peer.request('lookup', key));
      overrides.set(key, v);
      return v;
    },
    set(_, key, value) {
      if (typeof key !== 'string') return false;
      if (key in provided) provided[key] = value;
      else overrides.set(key, value);
      return true;
    },
  });
  let fn;
  try {
    fn = new Function('__vm_scope', `with (__vm_scope) {\n${req.test}\n}`);
  } catch (e) {
    return { status: 'error', detail: `the test does not parse: ${errMessage(e)}` };
  }
  try {
    fn(scope);
  } catch (e) {
    if (e instanceof ProgramEnded) return { status: 'ended', detail: `the program ended during the tests (${e.message})` };
    if (e && e.code === 'ERR_ASSERTION') return { status: 'fail', detail: `AssertionError: ${oneLine(errMessage(e))}` };
    return { status: 'error', detail: `${errName(e)}: ${oneLine(errMessage(e))}` };
  }
  try {
    peer.send(['done']);
  } catch {
    /* the program is gone: it no longer matters */
  }
  return { status: 'pass', detail: '' };
}

const verdict = check();
const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
let finished = false;
const finish = () => {
  // Once: the timer below and the program's exit can both call it (the first reply stands).
  if (finished) return;
  finished = true;
  const ended = exit !== null || signal !== null;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  for (const fd of channel.splice(0)) fs.closeSync(fd);
  const o = readCapped(outFile);
  const e = readCapped(errFile);
  const forged = fs.statSync(decoyFile).size > 0 || o.text.includes(req.decoy) || e.text.includes(req.decoy);
  const reply = {
    id: req.id ?? 1,
    exit: ended ? exit : null,
    signal: ended && signal ? (require('node:os').constants.signals[signal] ?? null) : null,
    timeout: false,
    stdout: o.text,
    stderr: e.text,
    out_trunc: o.truncated,
    err_trunc: e.truncated,
    verdict,
    ...(forged ? { forged: 'the program wrote or printed a completion token of its own' } : {}),
    wall_ms: wallMs,
    cpu_ms: null,
  };
  // A rollout's next test starts only once this program is gone (killed above: its exit comes at once).
  if (!ROLLOUT || exit !== null || signal !== null) resolveReply(reply);
  else child.once('exit', () => resolveReply(reply));
};
// The program leaves on its own when told the test is done; when it ended first, its exit status says how.
if (exit !== null || signal !== null) setImmediate(finish);
else {
  const t = setTimeout(finish, verdict.status === 'pass' ? 50 : 1000);
  child.once('exit', () => {
    clearTimeout(t);
    setImmediate(finish);
  });
}
  });
}

/**
 * After a test of a rollout: every other process of the sandbox killed, /work, /tmp and /dev/shm emptied. Returns
 * false when anything could still outlive the test (the sandbox must then end).
 */
function cleanUp() {
  const others = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  if (others.length) {
    // Orphans come back to us (init) and node does not reap them: any process left, even a zombie, ends the sandbox
    // (which kills every process in it).
    for (const p of others) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    return false;
  }
  for (const d of SCRATCH) {
    try {
      for (const e of fs.readdirSync(d)) fs.rmSync(path.join(d, e), { recursive: true, force: true });
      if (fs.readdirSync(d).length) return false;
    } catch {
      return false;
    }
  }
  return sandboxState() === BASELINE;
}

const send = (reply) => new Promise((resolve) => process.stdout.write(JSON.stringify(reply) + '\n', resolve));

if (!ROLLOUT) {
  runTest(JSON.parse(fs.readFileSync(0, 'utf8'))).then((reply) => send(reply).then(() => process.exit(0)));
} else {
  const lines = require('node:readline').createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    // Strictly one test at a time: the next starts only after the last one's cleanup.
    queue = queue.then(async () => {
      const reply = await runTest(JSON.parse(line));
      const clean = cleanUp();
      if (!clean) reply.last = true;
      await send(reply);
      if (!clean) process.exit(0);
    });
  });
  lines.on('close', () => queue.then(() => process.exit(0)));
  send({ ready: true });
}
