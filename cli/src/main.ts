// The verimesh command line: parses argv and runs score, serve or verifiers.
import { parseArgs } from 'node:util';
import { DEFAULT_TIMEOUT_MS, scoreCommand } from './score.js';
import { messageOf } from '@verimesh/kit';
import { parseOnly, serveCommand } from './serve.js';
import { verifiersCommand } from './verifiers.js';

export const USAGE = `usage:
  verimesh score --in samples.jsonl [--out results.jsonl] [--gateway HOST:PORT] [--batch N] [--table]
                 [--profiles a.yaml,b.json] [--no-progress] [--timeout-ms N]
      Scores every line; without --gateway the whole mesh runs in this process.
      --timeout-ms (with --gateway): give up, exit 1, when the gateway sends no result for N ms while results
      are owed (default 600000; 0 = wait forever).
      Results go to --out (or stdout) as each completes; the summary goes to stdout with --out, else stderr.
  verimesh serve [--only gateway,code-exec,...] [--host H] [--port N] [--http-port N] [--profiles ...] [--processes]
      Runs the chosen services as gRPC servers (the gateway also serves HTTP) until SIGTERM; --processes runs
      each one in its own OS process, as pods would.
  verimesh verifiers [--gateway HOST:PORT] [--json]
      Prints the verifier catalogue with params, reference keys and availability.
`;

class UsageError extends Error {}

function int(v: string | undefined, flag: string, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer >= ${min}, got "${v}"`);
  return n;
}

/** Runs one command; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  // score and verifiers print for a person: the embedded services' info logs would bury the output. serve keeps info.
  if (command !== 'serve') process.env.VERIMESH_LOG_LEVEL ??= 'warn';
  try {
    switch (command) {
      case 'score': {
        const { values } = parseArgs({
          args: rest,
          options: {
            in: { type: 'string' },
            out: { type: 'string' },
            gateway: { type: 'string' },
            batch: { type: 'string' },
            table: { type: 'boolean', default: false },
            profiles: { type: 'string' },
            'no-progress': { type: 'boolean', default: false },
            'timeout-ms': { type: 'string' },
          },
          strict: true,
        });
        if (!values.in) throw new UsageError('score needs --in FILE (or --in - for stdin)');
        return await scoreCommand({
          in: values.in,
          out: values.out,
          gateway: values.gateway,
          batch: int(values.batch, '--batch', 64, 1),
          table: values.table ?? false,
          profiles: values.profiles,
          progress: !values['no-progress'],
          timeoutMs: int(values['timeout-ms'], '--timeout-ms', DEFAULT_TIMEOUT_MS),
        });
      }
      case 'serve': {
        const { values } = parseArgs({
          args: rest,
          options: {
            only: { type: 'string' },
            host: { type: 'string', default: '0.0.0.0' },
            port: { type: 'string' },
            'http-port': { type: 'string' },
            profiles: { type: 'string' },
            processes: { type: 'boolean', default: false },
          },
          strict: true,
        });
        try {
          parseOnly(values.only);
        } catch (e) {
          throw new UsageError(messageOf(e));
        }
        return await serveCommand({
          only: values.only,
          host: values.host ?? '0.0.0.0',
          port: int(values.port, '--port', 50051),
          httpPort: int(values['http-port'], '--http-port', 8080),
          profiles: values.profiles,
          processes: values.processes ?? false,
        });
      }
      case 'verifiers': {
        const { values } = parseArgs({
          args: rest,
          options: { gateway: { type: 'string' }, json: { type: 'boolean', default: false }, profiles: { type: 'string' } },
          strict: true,
        });
        return await verifiersCommand({ gateway: values.gateway, json: values.json ?? false, profiles: values.profiles });
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    // parseArgs reports unknown or malformed flags with a TypeError carrying an ERR_PARSE_ARGS_* code.
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`verimesh: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

/** The bin's entry: run, flush stdout, exit (services may hold timers or worker pools that would keep the process up). */
export async function run(argv: readonly string[]): Promise<void> {
  // A reader that went away (`verimesh score ... | head`): stop quietly; not every result could be written, so exit 1.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(1);
      throw e;
    });
  }
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    process.stderr.write(`verimesh: ${(e as Error).stack ?? String(e)}\n`);
    code = 1;
  }
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}
