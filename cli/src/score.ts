// `verimesh score`: streams a JSONL file through the gateway (embedded or remote) and writes each result as it completes.
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { preflight } from '@verimesh/gateway';
import { messageOf } from '@verimesh/kit';
import type { ResultJson, Sample } from '@verimesh/proto';
import { countLines, openInput, readJsonl, type InputLine } from './jsonl.js';
import { createEmbeddedGateway, profilePaths } from './mesh.js';
import { Progress } from './progress.js';
import { gatewayClient, scoreRemote, waitReady } from './remote.js';
import { Summary, formatTable } from './summary.js';

/** Default inactivity bound for a remote gateway: far above the gateway's 30 s default component deadline. */
export const DEFAULT_TIMEOUT_MS = 600_000;

export interface ScoreArgs {
  in: string;
  out?: string;
  gateway?: string;
  /** Samples per ScoreStream message (remote). */
  batch: number;
  /** Remote: fail when the gateway sends no result for this long while results are owed (0 = wait forever). */
  timeoutMs?: number;
  table: boolean;
  profiles?: string;
  progress?: boolean;
}

export interface ScoreIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

/** Exit codes: 0 every result written; 1 scoring failed (gateway down, stream broken); 2 bad usage or unreadable input/output. */
export async function scoreCommand(args: ScoreArgs, io: ScoreIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const say = (s: string): void => void io.stderr.write(`verimesh: ${s}\n`);
  let input;
  try {
    input = await openInput(args.in);
  } catch (e) {
    say(`cannot read --in ${args.in}: ${messageOf(e)}`);
    return 2;
  }
  let out: Writable = io.stdout;
  if (args.out) {
    const file = createWriteStream(args.out);
    try {
      await new Promise<void>((resolve, reject) => {
        file.once('open', () => resolve());
        file.once('error', reject);
      });
    } catch (e) {
      input.destroy();
      say(`cannot write --out ${args.out}: ${messageOf(e)}`);
      return 2;
    }
    out = file;
  }
  // The summary and table go where the results do not, so a piped stdout stays pure JSONL.
  const report = args.out ? io.stdout : io.stderr;
  // Results streaming onto the same terminal are their own progress; a bar would be torn up by them.
  const resultsOnTerminal = !args.out && Boolean((io.stdout as { isTTY?: boolean }).isTTY);
  const progress = new Progress(undefined, { stream: io.stderr, enabled: (args.progress ?? true) && !resultsOnTerminal });
  void countLines(args.in).then(
    (n) => progress.setTotal(n),
    () => undefined,
  );

  const summary = new Summary();
  const table: { line: number; result: ResultJson }[] = [];
  const lineOf = new Map<string, number>();
  const groupOf = new Map<string, string>();
  let read = 0;
  let written = 0;
  let paused: Promise<void> | undefined;
  const emit = (r: ResultJson, line?: number): void => {
    written++;
    if (!out.write(`${JSON.stringify(r)}\n`) && !paused) paused = new Promise((res) => out.once('drain', () => res()));
    const group = groupOf.get(r.id);
    if (group !== undefined) groupOf.delete(r.id);
    summary.add(r, group);
    progress.tick();
    if (args.table) table.push({ line: line ?? lineOf.get(r.id) ?? Number.MAX_SAFE_INTEGER, result: r });
  };
  const backpressure = async (): Promise<void> => {
    while (paused) {
      const p = paused;
      await p;
      // One drain listener at a time: the next write that returns false arms a new one.
      if (paused === p) paused = undefined;
    }
  };

  /** Good lines go on to the gateway; bad ones get their `invalid` result here and now. */
  async function* goodLines(): AsyncGenerator<Extract<InputLine, { sample: unknown }>> {
    for await (const l of readJsonl(input!)) {
      read++;
      if ('invalid' in l) {
        emit(l.invalid, l.line);
        continue;
      }
      if (args.table && !lineOf.has(l.id)) lineOf.set(l.id, l.line);
      if (typeof l.sample.group === 'string' && l.sample.group !== '') groupOf.set(l.id, l.sample.group);
      await backpressure();
      yield l;
    }
  }

  let failed: string | undefined;
  let close: (() => Promise<void>) | undefined;
  // Last resort: were scoring ever to stall with nothing left to wait for, Node would exit 13 without a word. Say what
  // was not done instead (an empty event loop means every write already reached --out).
  const stalled = (): void => {
    say(`scoring stopped after ${written} of ${read} results with nothing left to wait for (an internal error; please report it)`);
    process.exit(1);
  };
  process.once('beforeExit', stalled);
  try {
    if (args.gateway) {
      const client = gatewayClient(args.gateway);
      close = async () => client.close();
      await waitReady(client, args.gateway);
      async function* protos(): AsyncGenerator<Sample> {
        for await (const l of goodLines()) {
          // The gateway's own validator, here, since the proto cannot carry every malformed value: same verdict, same message.
          const p = preflight(l.sample);
          if (p.ok) yield p.sample;
          else emit(p.result, l.line);
        }
      }
      for await (const r of scoreRemote(client, protos(), { batch: args.batch, window: Math.max(args.batch * 8, 1024), idleTimeoutMs: args.timeoutMs ?? DEFAULT_TIMEOUT_MS })) emit(r);
    } else {
      const mesh = await createEmbeddedGateway({
        profiles: profilePaths(args.profiles),
        onMissing: (missing) =>
          say(`not loaded in this process, so their verifiers report unavailable: ${[...missing].map(([s, why]) => `${s} (${why})`).join('; ')}`),
      });
      close = () => mesh.gateway.close();
      async function* samples(): AsyncGenerator<unknown> {
        for await (const l of goodLines()) yield l.sample;
      }
      for await (const r of mesh.gateway.scoreStream(samples())) emit(r);
    }
  } catch (e) {
    failed = messageOf(e);
  } finally {
    process.off('beforeExit', stalled);
    await close?.().catch(() => undefined);
  }
  progress.finish();
  await backpressure();
  if (out !== io.stdout) await new Promise<void>((resolve) => (out as ReturnType<typeof createWriteStream>).end(() => resolve()));

  if (args.table && table.length) {
    table.sort((a, b) => a.line - b.line);
    report.write(`${formatTable(table.map((t) => t.result), (io.stdout as { columns?: number }).columns ?? 140)}\n\n`);
  }
  if (written > 0 || failed === undefined) report.write(`${summary.format()}\n`);
  if (failed !== undefined) {
    say(written > 0 ? `scoring failed after ${written} of ${read} results: ${failed}` : `scoring failed: ${failed}`);
    return 1;
  }
  if (written < read) {
    say(`only ${written} of ${read} samples got a result`);
    return 1;
  }
  if (args.out) report.write(`results written to ${args.out}\n`);
  return 0;
}
