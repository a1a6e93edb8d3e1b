// `verimesh serve`: the chosen services as real gRPC servers, in this process or (--processes) each in its own OS
// process as pods run them, the gateway reaching them over loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger, drainOnSignal, messageOf, serve } from '@verimesh/kit';
import type { ReadyMessage, RunningService } from '@verimesh/kit';
import { Gateway, grpcBackend, loadProfiles, startGateway } from '@verimesh/gateway';
import type { VerifierBackend } from '@verimesh/gateway';
import { SERVICE_NAMES } from '@verimesh/proto';
import type { ServiceName } from '@verimesh/proto';
import { initTelemetry, shutdownTelemetry } from '@verimesh/telemetry';
import { SERVICE_PACKAGES, loadServices, profilePaths } from './mesh.js';

export interface ServeArgs {
  only?: string;
  host: string;
  /** The gateway's gRPC port; without the gateway, the first service's port (the next ones count up). 0 = any free port. */
  port: number;
  httpPort: number;
  profiles?: string;
  /** Each service (and the gateway) in its own OS process, as pods run them. */
  processes?: boolean;
}

export interface ServeHandle {
  /** name -> "host:port" */
  addresses: Map<string, string>;
  /** name -> "host:port" of its GET /metrics (verifier services). */
  metrics: Map<string, string>;
  /** name -> process id (--processes). */
  pids: Map<string, number>;
  httpAddress?: string;
  stop(): Promise<void>;
}

/** Parses --only against the catalogue's service names. */
export function parseOnly(only: string | undefined): Set<ServiceName> {
  if (!only) return new Set(SERVICE_NAMES);
  const names = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !(SERVICE_NAMES as readonly string[]).includes(n));
  if (bad.length) throw new Error(`--only: unknown service ${bad.join(', ')} (known: ${SERVICE_NAMES.join(', ')})`);
  return new Set(names as ServiceName[]);
}

/** Starts everything and returns once it is all listening; the caller decides when to stop. */
export async function startServe(args: ServeArgs, io: { stdout: Writable; stderr: Writable }): Promise<ServeHandle> {
  return args.processes ? startProcesses(args, io) : startInProcess(args, io);
}

/** One line per service, then "ready". */
function announce(h: ServeHandle, io: { stdout: Writable }): void {
  for (const [name, addr] of h.addresses) {
    const http = name === 'gateway' && h.httpAddress ? ` http=${h.httpAddress}` : '';
    const metrics = h.metrics.has(name) ? ` metrics=${h.metrics.get(name)}` : '';
    const pid = h.pids.has(name) ? ` pid=${h.pids.get(name)}` : '';
    io.stdout.write(`verimesh: ${name} grpc=${addr}${http}${metrics}${pid}\n`);
  }
  io.stdout.write('verimesh: ready\n');
}

async function startInProcess(args: ServeArgs, io: { stdout: Writable; stderr: Writable }): Promise<ServeHandle> {
  const only = parseOnly(args.only);
  const log = createLogger('verimesh', (process.env.VERIMESH_LOG_LEVEL as 'info' | undefined) ?? 'info');
  await initTelemetry('verimesh', { log });
  const withGateway = only.has('gateway');
  const { services, missing } = await loadServices(only);
  for (const [name, why] of missing) io.stderr.write(`verimesh: ${name} not started: ${why}\n`);
  const servers: { name: string; server: RunningService }[] = [];
  const addresses = new Map<string, string>();
  const metrics = new Map<string, string>();
  let gatewayHandle: { grpcPort: number; httpPort: number; shutdown(): Promise<void> } | undefined;
  let gateway: Gateway | undefined;
  const stop = async (): Promise<void> => {
    // The gateway drains first, so nothing it still has in flight loses its service; then its channels close (as in its main.ts).
    await gatewayHandle?.shutdown().catch(() => undefined);
    await gateway?.close();
    await Promise.all(servers.map((s) => s.server.shutdown(10_000).catch(() => undefined)));
    await shutdownTelemetry(undefined, log).catch(() => undefined);
  };
  try {
    let next = args.port;
    for (const [name, service] of services) {
      // Behind a gateway the services listen on loopback only, on any free port: the gateway is the entry point.
      const host = withGateway ? '127.0.0.1' : args.host;
      const port = withGateway || args.port === 0 ? 0 : next++;
      // Several services in one process: each /metrics on a free port (the default 9464 could be taken only once).
      const server = await serve(service, { host, port, metricsPort: 0, log: log.child({ service: name }) });
      servers.push({ name, server });
      const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
      addresses.set(name, `${shown}:${server.port}`);
      metrics.set(name, `${shown}:${server.metricsPort}`);
    }
    let httpAddress: string | undefined;
    if (withGateway) {
      const backends: Partial<Record<ServiceName, VerifierBackend>> = {};
      for (const s of servers) backends[s.name as ServiceName] = grpcBackend(s.name as ServiceName, `127.0.0.1:${s.server.port}`);
      const paths = profilePaths(args.profiles);
      const profiles = paths.length ? loadProfiles(paths) : undefined;
      gateway = new Gateway({ backends, profiles, log });
      const handle = await startGateway(gateway, { host: args.host, port: args.port, httpPort: args.httpPort, log });
      gatewayHandle = handle;
      const shown = args.host === '0.0.0.0' ? '127.0.0.1' : args.host;
      addresses.set('gateway', `${shown}:${handle.grpcPort}`);
      httpAddress = `${shown}:${handle.httpPort}`;
    }
    const handle: ServeHandle = { addresses, metrics, pids: new Map(), httpAddress, stop };
    announce(handle, io);
    return handle;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The tsx loader (as `node --import` takes it) and a package's process entry: `<package>/src/main.ts`. */
const TSX = import.meta.resolve('tsx');
function mainOf(pkg: string): string {
  return fileURLToPath(new URL('./main.ts', import.meta.resolve(pkg)));
}

/** How long a child may take to serve (code-exec probes its sandbox and warms zygotes; OCR may load models). */
const START_TIMEOUT_MS = 180_000;
/** After SIGTERM, how long a child may drain before it is killed (its own grace period is 25 s). */
const STOP_TIMEOUT_MS = 35_000;

interface Child {
  name: string;
  child: ChildProcess;
  ready: ReadyMessage;
  exited: Promise<void>;
  stopping: boolean;
}

/**
 * Starts one process the way a pod starts it (`node --import tsx <pkg>/src/main.ts <flags>`) with an IPC channel,
 * and resolves with its ReadyMessage. The child is in its own process group (a terminal's Ctrl-C reaches only this
 * supervisor, which stops children in order) and drains by itself if this process dies (runProcess watches its parent).
 */
function startChild(name: string, main: string, flags: string[], io: { stderr: Writable }): Promise<Child> {
  const child = spawn(process.execPath, ['--import', TSX, main, ...flags], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`did not serve within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.on('message', (m: Partial<ReadyMessage>) => {
      if (m?.verimesh !== 'ready') return;
      clearTimeout(timer);
      const c: Child = { name, child, ready: m as ReadyMessage, exited, stopping: false };
      child.once('exit', (code, signal) => {
        if (!c.stopping) io.stderr.write(`verimesh: ${name} (pid ${child.pid}) exited unexpectedly (${signal ?? `code ${code}`})\n`);
      });
      resolve(c);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${signal ?? `code ${code}`}) before it served`));
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT_MS. */
async function stopChild(c: Child): Promise<void> {
  c.stopping = true;
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  c.child.kill('SIGTERM');
  const t = setTimeout(() => c.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await c.exited;
  clearTimeout(t);
}

/**
 * --processes: every chosen service in its own process (its main.ts, as its container runs it) on a free loopback
 * port with /metrics on a free port, then the gateway in its own process pointed at them. A service that cannot
 * start is reported and left out (its verifiers are `unavailable`), as in process. stop(): the gateway drains
 * first, then the services.
 */
async function startProcesses(args: ServeArgs, io: { stdout: Writable; stderr: Writable }): Promise<ServeHandle> {
  const only = parseOnly(args.only);
  const withGateway = only.has('gateway');
  const services: Child[] = [];
  let gateway: Child | undefined;
  const stop = async (): Promise<void> => {
    if (gateway) await stopChild(gateway);
    await Promise.all(services.map(stopChild));
  };
  try {
    let next = args.port;
    const started = await Promise.all(
      SERVICE_PACKAGES.filter(([name]) => only.has(name)).map(async ([name, pkg]) => {
        const host = withGateway ? '127.0.0.1' : args.host;
        const port = withGateway || args.port === 0 ? 0 : next++;
        try {
          const c = await startChild(name, mainOf(pkg), ['--host', host, '--port', String(port), '--metrics-port', '0'], io);
          services.push(c);
          return c;
        } catch (e) {
          io.stderr.write(`verimesh: ${name} not started: ${messageOf(e)}\n`);
          return undefined;
        }
      }),
    );
    const shownHost = (h: string) => (h === '0.0.0.0' ? '127.0.0.1' : h);
    const addresses = new Map<string, string>();
    const metrics = new Map<string, string>();
    const pids = new Map<string, number>();
    for (const c of started) {
      if (!c) continue;
      const host = shownHost(withGateway ? '127.0.0.1' : args.host);
      addresses.set(c.name, `${host}:${c.ready.port}`);
      metrics.set(c.name, `${host}:${c.ready.metricsPort}`);
      pids.set(c.name, c.child.pid!);
    }
    let httpAddress: string | undefined;
    if (withGateway) {
      const targets = [...addresses].map(([name, addr]) => `${name}=${addr}`).join(',');
      const paths = profilePaths(args.profiles);
      const flags = ['--host', args.host, '--port', String(args.port), '--http-port', String(args.httpPort), ...(targets ? ['--services', targets] : []), ...(paths.length ? ['--profiles', paths.join(',')] : [])];
      gateway = await startChild('gateway', mainOf('@verimesh/gateway'), flags, io);
      addresses.set('gateway', `${shownHost(args.host)}:${gateway.ready.port}`);
      pids.set('gateway', gateway.child.pid!);
      httpAddress = `${shownHost(args.host)}:${gateway.ready.httpPort}`;
    }
    const handle: ServeHandle = { addresses, metrics, pids, httpAddress, stop };
    announce(handle, io);
    return handle;
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Runs until SIGTERM/SIGINT, then drains and returns 0. `npx verimesh serve` killed with SIGTERM: npm exits without
 * passing the signal on and this process is re-parented, so a changed parent drains as SIGTERM does.
 */
export async function serveCommand(args: ServeArgs, io: { stdout: Writable; stderr: Writable } = process): Promise<number> {
  let started: Promise<ServeHandle | undefined> | undefined;
  let failure: unknown;
  // Installed before anything starts: a signal during start drains once start is done.
  const drain = drainOnSignal(
    async () => {
      io.stderr.write('verimesh: draining\n');
      await (await started)?.stop();
    },
    { watchParent: true, exit: false, log: createLogger('verimesh', (process.env.VERIMESH_LOG_LEVEL as 'info' | undefined) ?? 'info') },
  );
  started = startServe(args, io).catch((e: unknown) => {
    failure = e;
    return undefined;
  });
  if (!(await started)) {
    drain.dispose();
    io.stderr.write(`verimesh: serve failed: ${messageOf(failure)}\n`);
    return 1;
  }
  await drain.drained;
  io.stderr.write('verimesh: stopped\n');
  return 0;
}
