// HiGHS solve worker: loads the WebAssembly solver once, then solves one model per message (plain JS so any loader can start it).
import { parentPort } from 'node:worker_threads';
import loadHighs from 'highs';

const highs = await loadHighs();
const S = highs.constants.modelStatus;
const NAMES = new Map([
  [S.optimal, 'optimal'],
  [S.infeasible, 'infeasible'],
  [S.unbounded, 'unbounded'],
  [S.unboundedOrInfeasible, 'infeasible_or_unbounded'],
  [S.loadError, 'parse_error'],
  [S.modelError, 'parse_error'],
  [S.empty, 'empty'],
  [S.timeLimit, 'timeout'],
  [S.iterationLimit, 'iteration_limit'],
]);

parentPort.on('message', (msg) => {
  const { id, text, format, timeLimitS } = msg;
  let model;
  try {
    model = highs.createModel({ format, data: format === 'mps' ? new TextEncoder().encode(text) : text });
  } catch (e) {
    parentPort.postMessage({ id, status: 'parse_error', error: String(e && e.message ? e.message : e) });
    return;
  }
  try {
    model.options.set({ output_flag: false, time_limit: timeLimitS });
    model.run();
    const code = model.getModelStatus();
    const lp = model.getLp();
    const status = NAMES.get(code) ?? `other_${code}`;
    const out = { id, status, sense: lp.sense === -1 ? 'max' : 'min', rows: lp.numRows, cols: lp.numCols };
    if (status === 'optimal') out.objective = model.getObjectiveValue();
    parentPort.postMessage(out);
  } catch (e) {
    parentPort.postMessage({ id, status: 'parse_error', error: String(e && e.message ? e.message : e) });
  } finally {
    try {
      model.dispose();
    } catch {
      /* already gone */
    }
  }
});
parentPort.postMessage({ ready: true });
