// doc.kie: the response's JSON against reference.fields, compared on flattened key paths (precision, recall, F1).
import { InvalidArgumentError, type VerifierDef, readChoice } from '@verimesh/kit';
import { extractAnswer, parseExtractParam, readValue } from '@verimesh/extract';
import { compareKie, countLeaves, prf, type KieMatch, type KiePaths } from '../metrics/kie.js';
import { fmt } from '../params.js';

export const kieVerifier: VerifierDef = {
  name: 'doc.kie',
  description: 'F1 of the JSON fields in the response against reference.fields (key paths flattened, lists matched one-to-one)',
  params: {
    metric: '"f1" (default), "precision" or "recall"',
    match: '"exact" (default: normalized values equal) or "anls" (partial credit 1 − NED when ≥ 0.5)',
    extract: 'answer extraction (default "auto")',
  },
  reference: { fields: 'the expected fields: a JSON object (or its text, read like an answer); nested objects and lists allowed' },
  verify(input) {
    const { params, reference } = input;
    const metric = readChoice(params.metric, 'params.metric', ['f1', 'precision', 'recall'] as const, 'f1');
    const match = readChoice<KieMatch>(params.match, 'params.match', ['exact', 'anls'], 'exact');
    let fields = reference.fields;
    if (typeof fields === 'string') {
      // Fields given as text are often a model's own output (a labelled set made by prompting): read by the same reader.
      const read = readValue(fields, { prefer: 'object' });
      if (!read || read.truncated) throw new InvalidArgumentError('reference.fields', 'reference.fields is a string that holds no complete JSON object or list');
      fields = read.value;
    }
    if (fields === null || typeof fields !== 'object') throw new InvalidArgumentError('reference.fields', 'reference.fields must be a JSON object (or a list)');
    const answer = extractAnswer(input.response, parseExtractParam(params.extract));
    // The shared reader: JSON, or the first object (else list) in the text, as models write it (see libs/extract).
    const pred = answer.found ? readValue(answer.text, { prefer: 'object' })?.value : undefined;
    if (pred === undefined) return { score: 0, detail: 'no JSON object found in the response', metrics: { precision: 0, recall: 0, f1: 0, fields_ref: countLeaves(fields) } };
    const paths: KiePaths = { missed: [], extra: [] };
    const c = compareKie(pred, fields, match, paths);
    const m = prf(c);
    const list = (xs: string[]): string => [...new Set(xs)].slice(0, 8).join(', ') + (new Set(xs).size > 8 ? ', …' : '');
    const notes = [paths.missed.length ? `missed or wrong: ${list(paths.missed)}` : '', paths.extra.length ? `not in the reference: ${list(paths.extra)}` : ''].filter(Boolean).join('; ');
    return {
      score: m[metric],
      detail: `${metric} ${fmt(m[metric])}: ${fmt(c.tp)} of ${c.pred} predicted and ${c.ref} reference fields match${notes ? ` (${notes})` : ''}`,
      metrics: { ...m, matched: c.tp, fields_pred: c.pred, fields_ref: c.ref, missed: paths.missed, extra: paths.extra },
    };
  },
};
