// One sandbox per rollout for JavaScript assert tests: the checker (js/checker.cjs rollout, the sandbox's init, from the
// execute-only node) serves the rollout's tests one at a time, each with a fresh program node.
import type { Sandbox, SandboxRunSpec } from './sandbox.js';
import { ServedSandbox, type RawReply } from './zygote.js';

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
    const oomBefore = this.cgroup?.oomKills() ?? 0;
    const started = performance.now();
    // The test's wall limit: at it the whole sandbox goes, every process of the test with it.
    const reply = await this.request(msg, startTimeoutMs, wallMs);
    if (reply === 'late') return { timedOut: true, wallMs: performance.now() - started };
    return { reply, oomKilled: (this.cgroup?.oomKills() ?? 0) > oomBefore };
  }
}

