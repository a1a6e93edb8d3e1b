// doc.teds: TEDS (or TEDS-S) of the table in the response against reference.table.
import { InvalidArgumentError, type VerifierDef, readChoice, readBool } from '@verimesh/kit';
import { extractAnswer, parseExtractParam } from '@verimesh/extract';
import type { Config } from '../config.js';
import { tedSize, teds } from '../metrics/teds.js';
import { findTable, type TableFormat } from '../table/find.js';
import { TableParseError, type Table, type TableNormalization } from '../table/model.js';
import { fmt } from '../params.js';

const NORMALIZE: readonly TableNormalization[] = ['omnidocbench', 'pubtabnet'];
const FORMATS: readonly TableFormat[] = ['auto', 'html', 'markdown', 'latex'];

export function tedsVerifier(config: Pick<Config, 'maxTedCells' | 'maxTableChars'>): VerifierDef {
  return {
    name: 'doc.teds',
    description: 'TEDS (PubTabNet tree-edit-distance similarity) of the table in the response against reference.table; structure_only gives TEDS-S',
    params: {
      structure_only: 'true: TEDS-S, cell content ignored (default false)',
      normalize: '"omnidocbench" (default: th→td, thead/tbody/span unwrapped, NFKC, whitespace collapsed) or "pubtabnet" (the reference tree and costs exactly)',
      format: 'table format of the response: "auto" (default: HTML, else LaTeX tabular, else Markdown), "html", "markdown", "latex"',
      extract: 'answer extraction (default "auto")',
    },
    reference: { table: 'the ground-truth table: HTML (<table>…), Markdown pipe table or LaTeX tabular' },
    verify(input) {
      const { params, reference } = input;
      const structureOnly = readBool(params.structure_only, 'params.structure_only', false);
      const mode = readChoice(params.normalize, 'params.normalize', NORMALIZE, 'omnidocbench');
      const format = readChoice(params.format, 'params.format', FORMATS, 'auto');
      const extract = parseExtractParam(params.extract);
      if (typeof reference.table !== 'string' || reference.table.trim() === '') {
        throw new InvalidArgumentError('reference.table', 'reference.table must be a non-empty string (HTML, Markdown or LaTeX table)');
      }
      if (reference.table.length > config.maxTableChars) throw new InvalidArgumentError('reference.table', `reference.table is longer than ${config.maxTableChars} characters`);
      let ref: Table | undefined;
      try {
        ref = findTable(reference.table, mode);
      } catch (e) {
        if (e instanceof TableParseError) throw new InvalidArgumentError('reference.table', `reference.table: ${e.message}`);
        throw e;
      }
      if (!ref) throw new InvalidArgumentError('reference.table', 'reference.table contains no table (HTML <table>, Markdown pipe table or LaTeX tabular)');
      const refSize = tedSize(ref);
      const answer = extractAnswer(input.response, extract);
      if (!answer.found || answer.text === '') return { score: 0, detail: 'no answer found in the response', metrics: { found: false } };
      if (answer.text.length > config.maxTableChars) return { score: 0, detail: `the response's table is longer than ${config.maxTableChars} characters`, metrics: { found: false } };
      let pred: Table | undefined;
      try {
        pred = findTable(answer.text, mode, format);
      } catch (e) {
        if (e instanceof TableParseError) return { score: 0, detail: `the response's table cannot be parsed: ${e.message}`, metrics: { found: false } };
        throw e;
      }
      if (!pred) return { score: 0, detail: `no ${format === 'auto' ? '' : `${format} `}table found in the response`, metrics: { found: false } };
      const predSize = tedSize(pred);
      if (predSize * refSize > config.maxTedCells) {
        // The larger table is the one at fault: a huge prediction scores 0, a huge reference is the caller's.
        if (refSize >= predSize) {
          throw new InvalidArgumentError(
            'reference.table',
            `reference.table has ${refSize} nodes against ${predSize} predicted: ${refSize * predSize} TED cells exceed VERIMESH_OCR_TABLE_MAX_TED_CELLS (${config.maxTedCells})`,
          );
        }
        return { score: 0, detail: `the predicted table has ${predSize} nodes against ${refSize} in the reference: too large to compare`, metrics: { found: true, nodes_pred: pred.count } };
      }
      const r = teds(pred, ref, structureOnly);
      const name = structureOnly ? 'TEDS-S' : 'TEDS';
      return {
        score: r.score,
        detail: `${name} ${fmt(r.score)}: edit distance ${fmt(r.distance)} over ${r.nodes} nodes (${pred.format} table of ${pred.cells} cells vs ${ref.format} reference of ${ref.cells})`,
        metrics: {
          teds: r.score,
          teds_raw: r.raw,
          distance: r.distance,
          nodes: r.nodes,
          nodes_pred: pred.count,
          nodes_ref: ref.count,
          cells_pred: pred.cells,
          cells_ref: ref.cells,
          format_pred: pred.format,
          format_ref: ref.format,
          normalize: mode,
          structure_only: structureOnly,
        },
      };
    },
  };
}
