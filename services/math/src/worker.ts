// A math worker thread: judges one item per message. The pool terminates it when an item overruns its deadline.
import { parentPort } from 'node:worker_threads';
import { judge, type Job, type Verdict } from './judge.js';
import { ce } from './expr.js';

export interface Request {
  id: number;
  job: Job;
}
export interface Reply {
  id: number;
  verdict?: Verdict;
  /** An unexpected exception (a bug): the item gets status error. */
  error?: string;
}

const port = parentPort!;
// Build the engine (its tables load lazily) before saying ready, so the first item does not pay for it.
ce().parse('\\frac{1}{2}+x').simplify();
port.on('message', (m: Request) => {
  let reply: Reply;
  try {
    reply = { id: m.id, verdict: judge(m.job) };
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
