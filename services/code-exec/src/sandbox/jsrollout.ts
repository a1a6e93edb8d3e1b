// One sandbox per rollout for JavaScript assert tests: the checker (js/checker.cjs rollout, the sandbox's init, from the
// execute-only node) serves the rollout's tests one at a time, each with a fresh program node.
import { atDeadline, deadlineAfter } from '@verimesh/kit';
import type { Sandbox, SandboxRunSpec } from './sandbox.js';
import { ServedSandbox, ZygoteLostError, type RawReply } from './zygote.js';

/** A test's reply, or its time limit (the sandbox is then gone, as a one-off sandbox would be at its wall limit). */
export type JsRolloutReply = { reply: RawReply; oomKilled: boolean } | { timedOut: true; wallMs: number };

export class JsRollout extends ServedSandbox {
  /** The checker said its sandbox ends after this reply (something of a test could have outlived it). */
  private last = false;

  constructor(sandbox: Sandbox, spec: Pick<SandboxRunSpec, 'argv' | 'roBinds' | 'limits'>) {
    super(sandbox, spec, "the rollout's checker");
  }

  protected override received(msg: RawReply & { last?: boolean }): void {
    if (msg.last) this.last = true;
  }

  /** Can serve another test (not after the checker said it ends its sandbox). */
  override get usable(): boolean {
    return !this.dead && !this.last;
  }

  /**
   * One test (`msg`: the checker's request without its id). Throws ZygoteLostError when the sandbox died or did not
   * start: the caller runs the test in a one-off sandbox, which decides.
   */
  async run(msg: Record<string, unknown>, wallMs: number, startTimeoutMs: number): Promise<JsRolloutReply> {
    await this.started(startTimeoutMs);
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
}

