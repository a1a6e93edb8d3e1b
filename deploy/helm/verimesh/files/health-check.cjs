// `helm test` probe: every target must answer grpc.health.v1 Check with SERVING (or HTTP 200), retried until a deadline.
// Usage: node health-check.cjs [--timeout-s N] grpc://host:port ... http://host:port/healthz ...
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');

// @grpc/grpc-js comes from the image's app directory (the working directory), not from beside this script.
function loadGrpc() {
  try {
    return createRequire(path.join(process.cwd(), 'index.js'))('@grpc/grpc-js');
  } catch {
    return require('@grpc/grpc-js');
  }
}

// HealthCheckResponse is one enum field (1: status); SERVING = 1. Decoded by hand so that no .proto is needed.
function decodeStatus(buf) {
  let i = 0;
  let status = 0;
  while (i < buf.length) {
    const tag = buf[i++];
    let v = 0;
    let shift = 0;
    let b;
    do {
      b = buf[i++];
      v |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && i < buf.length);
    if (tag === 0x08) status = v;
    else if ((tag & 7) !== 0) return -1; // only varint fields are expected
  }
  return status;
}
const STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function checkGrpc(grpc, address, deadlineMs) {
  const Client = grpc.makeGenericClientConstructor({
    Check: {
      path: '/grpc.health.v1.Health/Check',
      requestStream: false,
      responseStream: false,
      requestSerialize: () => Buffer.alloc(0), // service "" = the whole server
      responseDeserialize: (b) => b,
    },
  });
  const client = new Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.Check({}, { deadline: Date.now() + deadlineMs }, (err, res) => {
      client.close();
      if (err) return resolve(`gRPC ${err.code}: ${err.details || err.message}`);
      const s = decodeStatus(res);
      resolve(s === 1 ? null : `health status ${STATUS[s] || s}`);
    });
  });
}

async function checkHttp(url, deadlineMs) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(deadlineMs) });
    return res.status === 200 ? null : `HTTP ${res.status}`;
  } catch (e) {
    return String((e && e.cause && e.cause.code) || (e && e.message) || e);
  }
}

async function main(argv) {
  let timeoutS = 60;
  const targets = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--timeout-s') timeoutS = Number(argv[++i]);
    else targets.push(argv[i]);
  }
  if (!targets.length || !(timeoutS >= 0)) {
    process.stderr.write('usage: health-check.cjs [--timeout-s N] grpc://host:port|http://url ...\n');
    return 2;
  }
  const grpc = targets.some((t) => t.startsWith('grpc://')) ? loadGrpc() : undefined;
  const until = Date.now() + timeoutS * 1000;
  let failed = 0;
  for (const target of targets) {
    let why;
    for (;;) {
      const left = Math.max(1000, Math.min(5000, until - Date.now()));
      why = target.startsWith('grpc://') ? await checkGrpc(grpc, target.slice(7), left) : await checkHttp(target, left);
      if (!why || Date.now() >= until) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    process.stdout.write(`${why ? 'FAIL' : 'ok  '} ${target}${why ? `: ${why}` : ''}\n`);
    if (why) failed++;
  }
  process.stdout.write(`${targets.length - failed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
