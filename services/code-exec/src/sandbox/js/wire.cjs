// The JavaScript side of the assert-test protocol (the Python side is asserts.py): frames of 4-byte big-endian length
// + UTF-8 JSON over two blocking descriptors; requests ["q", n, op, ...] and replies ["r", n, ok, value] both ways.
// Values cross as data in a type-strict encoding decoded into fresh values; anything else stays with its owner and
// crosses as an opaque handle (a Proxy whose property reads, calls and iteration are asked of the owner).
'use strict';
const fs = require('node:fs');

const MAX_FRAME = 64 << 20;
const MAX_DEPTH = 200;
const HANDLE = Symbol('verimesh.handle');

class ProgramEnded extends Error {}

class Peer {
  constructor(readFd, writeFd) {
    this.readFd = readFd;
    this.writeFd = writeFd;
    this.nextId = 0;
    this.objects = new Map(); // handle id -> object this side exported
    this.ids = new Map(); // object -> handle id
    this.proxies = new Map(); // handle id received -> proxy
    this.buf = Buffer.alloc(0);
    this.serve = {};
  }

  send(msg) {
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length, 0);
    const data = Buffer.concat([head, body]);
    let off = 0;
    try {
      while (off < data.length) off += fs.writeSync(this.writeFd, data, off, data.length - off);
    } catch {
      throw new ProgramEnded('the other side closed the channel');
    }
  }

  read(n) {
    while (this.buf.length < n) {
      const chunk = Buffer.alloc(Math.max(65536, n - this.buf.length));
      let got = 0;
      try {
        got = fs.readSync(this.readFd, chunk, 0, chunk.length, null);
      } catch (e) {
        if (e && e.code === 'EAGAIN') continue;
        got = 0;
      }
      if (!got) throw new ProgramEnded('the other side closed the channel');
      this.buf = Buffer.concat([this.buf, chunk.subarray(0, got)]);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  recv() {
    const n = this.read(4).readUInt32BE(0);
    if (n > MAX_FRAME) throw new ProgramEnded(`a frame of ${n} bytes is over the limit`);
    return JSON.parse(this.read(n).toString('utf8'));
  }

  request(op, ...args) {
    const me = ++this.nextId;
    this.send(['q', me, op, ...args]);
    for (;;) {
      const msg = this.recv();
      if (!Array.isArray(msg) || !msg.length) throw new ProgramEnded('malformed frame');
      if (msg[0] === 'r' && msg.length === 4 && msg[1] === me) {
        if (msg[2]) return msg[3];
        throw this.error(msg[3]);
      }
      if (msg[0] === 'q') this.answer(msg);
      else if (msg[0] === 'done') throw new ProgramEnded('the other side finished');
    }
  }

  answer(msg) {
    let reply;
    try {
      const fn = typeof msg[2] === 'string' && Object.hasOwn(this.serve, msg[2]) ? this.serve[msg[2]] : undefined;
      if (!fn) throw new TypeError(`unknown request ${String(msg[2])}`);
      reply = ['r', msg[1], true, fn(...msg.slice(3))];
    } catch (e) {
      if (e instanceof ProgramEnded) throw e;
      reply = ['r', msg[1], false, [errName(e), errMessage(e)]];
    }
    this.send(reply);
  }

  error(payload) {
    const [name, text] = Array.isArray(payload) ? payload : ['Error', String(payload)];
    const Builtin = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError }[name];
    if (Builtin) return new Builtin(String(text));
    const e = new Error(`${String(name)}: ${String(text)}`);
    e.name = 'RemoteError';
    return e;
  }

  export(v) {
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.objects.size + 1;
      this.objects.set(id, v);
      this.ids.set(v, id);
    }
    return id;
  }

  encode(v, depth = 0) {
    if (depth > MAX_DEPTH) throw new RangeError('value nested too deeply to cross between processes');
    const d = depth + 1;
    switch (typeof v) {
      case 'undefined':
        return ['u'];
      case 'boolean':
      case 'string':
        return v;
      case 'number':
        if (Number.isFinite(v) && !Object.is(v, -0)) return v;
        return ['n', Object.is(v, -0) ? '-0' : String(v)];
      case 'bigint':
        return ['bi', v.toString()];
      case 'symbol':
      case 'function':
        return this.handle(v);
      default:
        break;
    }
    if (v === null) return null;
    if (v[HANDLE] !== undefined && v[HANDLE].peer === this) return ['ref', v[HANDLE].id];
    const proto = Object.getPrototypeOf(v);
    if (Array.isArray(v) && proto === Array.prototype) return ['l', Array.from(v, (x) => this.encode(x, d))];
    if (proto === Object.prototype || proto === null) return ['o', Object.keys(v).map((k) => [k, this.encode(v[k], d)])];
    if (v instanceof Map && proto === Map.prototype) return ['M', [...v].map(([k, x]) => [this.encode(k, d), this.encode(x, d)])];
    if (v instanceof Set && proto === Set.prototype) return ['S', [...v].map((x) => this.encode(x, d))];
    if (v instanceof Date && proto === Date.prototype) return ['D', Number.isNaN(v.getTime()) ? null : v.getTime()];
    return this.handle(v);
  }

  handle(v) {
    let name = typeof v;
    try {
      name = typeof v === 'function' ? `function ${v.name}` : (v.constructor && v.constructor.name) || name;
    } catch {
      /* a hostile getter */
    }
    return ['h', this.export(v), String(name), typeof v === 'function'];
  }

  decode(v, depth = 0) {
    if (depth > MAX_DEPTH) throw new RangeError('value nested too deeply');
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') return v;
    if (!Array.isArray(v) || typeof v[0] !== 'string') throw new TypeError('malformed value');
    const d = depth + 1;
    switch (v[0]) {
      case 'u':
        return undefined;
      case 'n':
        return v[1] === '-0' ? -0 : Number(v[1]);
      case 'bi':
        return BigInt(String(v[1]));
      case 'l':
        return v[1].map((x) => this.decode(x, d));
      case 'o': {
        const o = {};
        for (const [k, x] of v[1]) Object.defineProperty(o, String(k), { value: this.decode(x, d), enumerable: true, writable: true, configurable: true });
        return o;
      }
      case 'M':
        return new Map(v[1].map(([k, x]) => [this.decode(k, d), this.decode(x, d)]));
      case 'S':
        return new Set(v[1].map((x) => this.decode(x, d)));
      case 'D':
        return new Date(v[1] === null ? NaN : Number(v[1]));
      case 'h':
        return this.proxy(Number(v[1]), String(v[2]), v[3] === true);
      case 'ref':
        if (!this.objects.has(Number(v[1]))) throw new TypeError('unknown reference');
        return this.objects.get(Number(v[1]));
      default:
        throw new TypeError(`unknown value tag ${String(v[0])}`);
    }
  }

  /** The other side's object: property reads, calls, `new` and iteration are asked of its owner. */
  proxy(id, name, callable) {
    const known = this.proxies.get(id);
    if (known) return known;
    const peer = this;
    const ask = (op, ...args) => peer.decode(peer.request(op, id, ...args));
    const target = callable ? function () {} : {};
    const p = new Proxy(target, {
      get(t, key) {
        if (key === HANDLE) return { peer, id, name };
        if (key === Symbol.iterator) return () => ask('iter');
        if (typeof key === 'symbol' || key === 'then') return undefined;
        return ask('get', key);
      },
      set(t, key, value) {
        if (typeof key === 'symbol') return false;
        peer.request('set', id, key, peer.encode(value));
        return true;
      },
      has(t, key) {
        return typeof key === 'string' && peer.decode(peer.request('has', id, key)) === true;
      },
      apply(t, self, args) {
        const [value, changed] = peer.request('call', id, peer.encode(self), peer.encode(args));
        for (const [i, now] of changed) writeBack(args[i], peer.decode(now));
        return peer.decode(value);
      },
      construct(t, args) {
        return ask('new', peer.encode(args));
      },
    });
    this.proxies.set(id, p);
    return p;
  }
}

/** An argument the owner changed in place is written back (tests that check a sorted-in-place array). */
function writeBack(orig, now) {
  if (Array.isArray(orig) && Array.isArray(now)) orig.splice(0, orig.length, ...now);
  else if (orig && now && typeof orig === 'object' && Object.getPrototypeOf(orig) === Object.prototype && typeof now === 'object') {
    for (const k of Object.keys(orig)) delete orig[k];
    Object.assign(orig, now);
  }
}

/** Every request the program's side answers about its objects. */
function serveAll(peer) {
  const obj = (id) => {
    if (!peer.objects.has(Number(id))) throw new TypeError('unknown handle');
    return peer.objects.get(Number(id));
  };
  const mutable = (x) => Array.isArray(x) || (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype);
  return {
    get: (id, key) => peer.encode(obj(id)[String(key)]),
    set: (id, key, v) => {
      obj(id)[String(key)] = peer.decode(v);
      return null;
    },
    has: (id, key) => String(key) in Object(obj(id)),
    call: (id, self, args) => {
      const a = peer.decode(args);
      const before = a.map((x) => (mutable(x) ? JSON.stringify(peer.encode(x)) : null));
      const result = Reflect.apply(obj(id), peer.decode(self), a);
      const changed = [];
      a.forEach((x, i) => {
        if (before[i] === null) return;
        const now = peer.encode(x);
        if (JSON.stringify(now) !== before[i]) changed.push([i, now]);
      });
      return [peer.encode(result), changed];
    },
    new: (id, args) => peer.encode(Reflect.construct(obj(id), peer.decode(args))),
    iter: (id) => peer.encode(obj(id)[Symbol.iterator]()),
  };
}

function errName(e) {
  try {
    return e && typeof e === 'object' && typeof e.name === 'string' ? e.name : typeof e;
  } catch {
    return 'Error';
  }
}

function errMessage(e) {
  try {
    return (e && typeof e === 'object' && 'message' in e ? String(e.message) : String(e)).slice(0, 2000);
  } catch {
    return '<unprintable>';
  }
}

module.exports = { Peer, ProgramEnded, serveAll, HANDLE, errName, errMessage };
