// One sandbox per rollout for JavaScript assert tests: the checker (js/checker.cjs rollout, the sandbox's init, from the
// execute-only node) serves the rollout's tests one at a time, each with a fresh program node.
import { createInterface } from 'node:readline';
import { atDeadline, deadlineAfter } from '@verimesh/kit';
import type { RunCgroup } from './cgroup.js';
import type { Sandbox, SandboxRunSpec } from './sandbox.js';
import { ZygoteLostError, type RawReply } from './zygote.js';

/** A test's reply, or its time limit (the sandbox is then gone, as a one-off sandbox would be at its wall limit). */
export type JsRolloutReply = { reply: RawReply; oomKilled: boolean } | { timedOut: true; wallMs: number };

export class JsRollout {
  private pending: { id: number; resolve: (r: RawReply) => void; reject: (e: Error) => void } | undefined;
  private nextId = 0;
  private dead = false;
  /** The checker said its sandbox ends after this reply (something of a test could have outlived it). */
  private last = false;
  private readonly ready: Promise<void>;
  private readonly child: ReturnType<Sandbox['spawnLongLived']>['child'];
  private readonly cleanup: () => Promise<void>;
  readonly cgroup: RunCgroup | undefined;
  private stderrTail = '';

  constructor(sandbox: Sandbox, spec: Pick<SandboxRunSpec, 'argv' | 'roBinds' | 'limits'>) {
    const spawned = sandbox.spawnLongLived(spec);
    this.child = spawned.child;
    this.cgroup = spawned.cgroup;
    this.cleanup = spawned.cleanup;
    this.child.stderr!.on('data', (c: Buffer) => {
      this.stderrTail = (this.stderrTail + c.toString()).slice(-2000);
    });
    this.child.stdin!.on('error', () => this.fail('checker stdin closed'));
    let onReady: () => void = () => {};
    let onReadyFail: (e: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onReadyFail = reject;
    });
    this.ready.catch(() => {});
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let msg: RawReply & { ready?: boolean; last?: boolean };
      try {
        msg = JSON.parse(line) as RawReply & { ready?: boolean; last?: boolean };
      } catch {
        this.fail(`the checker wrote a non-JSON line: ${line.slice(0, 200)}`);
        return;
      }
      if (msg.ready) return onReady();
      const p = this.pending;
      if (p && msg.id === p.id) {
        this.pending = undefined;
        if (msg.last) this.last = true;
        p.resolve(msg);
      }
    });
    this.child.once('close', (code, sig) => {
      const why = `the rollout's checker exited (${code ?? sig}): ${this.stderrTail.slice(-500)}`;
      onReadyFail(new ZygoteLostError(why));
      this.fail(why);
    });
  }

  /** Can serve another test. */
  get usable(): boolean {
    return !this.dead && !this.last;
  }

  private fail(why: string): void {
    if (this.dead) return;
    this.dead = true;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(new ZygoteLostError(why));
    void this.cleanup();
  }

  /**
   * One test (`msg`: the checker's request without its id). Throws ZygoteLostError when the sandbox died or did not
   * start: the caller runs the test in a one-off sandbox, which decides.
   */
  async run(msg: Record<string, unknown>, wallMs: number, startTimeoutMs: number): Promise<JsRolloutReply> {
    await new Promise<void>((resolve, reject) => {
      const cancel = atDeadline(deadlineAfter(startTimeoutMs), () => reject(new ZygoteLostError(`the rollout's checker did not start within ${startTimeoutMs} ms`)));
      this.ready.then(
        () => {
          cancel();
          resolve();
        },
        (e: unknown) => {
          cancel();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
    if (!this.usable) throw new ZygoteLostError("the rollout's sandbox is gone");
    const id = ++this.nextId;
    const oomBefore = this.cgroup?.oomKills() ?? 0;
    const started = performance.now();
    let timedOut = false;
    const reply = await new Promise<RawReply | undefined>((resolve, reject) => {
      // The test's wall limit: at it the whole sandbox goes, every process of the test with it.
      const clear = atDeadline(deadlineAfter(wallMs), () => {
        timedOut = true;
        this.pending = undefined;
        this.fail('time limit');
        resolve(undefined);
      });
      this.pending = {
        id,
        resolve: (r) => {
          clear();
          resolve(r);
        },
        reject: (e) => {
          clear();
          reject(e);
        },
      };
      this.child.stdin!.write(JSON.stringify({ ...msg, id }) + '\n');
    });
    if (timedOut || !reply) return { timedOut: true, wallMs: performance.now() - started };
    if (reply.error) {
      this.fail('checker error');
      throw new ZygoteLostError(`the rollout's checker failed a test: ${reply.error.slice(-500)}`);
    }
    return { reply, oomKilled: (this.cgroup?.oomKills() ?? 0) > oomBefore };
  }

  async stop(): Promise<void> {
    this.fail('stopped');
    await this.cleanup();
  }
}

