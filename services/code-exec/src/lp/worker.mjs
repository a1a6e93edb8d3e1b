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
    let code = model.getModelStatus();
    const lp = model.getLp();
    if (code === S.unboundedOrInfeasible && lp.numCols > 0) {
      // HiGHS could not tell which (its MIP presolve often cannot): "infeasible or unbounded" matched both kinds of
      // reference, so one trivially unbounded model (min -x, x integer) passed every status question. Settle it with
      // the feasibility problem (every cost 0): feasible means the model is unbounded, infeasible means infeasible.
      model.changeColsCost({ kind: 'range', from: 0, to: lp.numCols - 1 }, new Float64Array(lp.numCols));
      model.run();
      const feasibility = model.getModelStatus();
      if (feasibility === S.optimal) code = S.unbounded;
      else if (feasibility === S.infeasible) code = S.infeasible;
    }
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
