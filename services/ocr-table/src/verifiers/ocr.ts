// doc.ocr: OCRs the policy's output image (or a region of the input image, or a frame of a video) and scores the text against reference.text.
import { DeadlineError, InvalidArgumentError, UnavailableError, messageOf, type VerifierDef, readChoice, readNumber } from '@verimesh/kit';
import type { Box } from '@verimesh/geometry';
import { ImageError, defaultVideoStore, findMedia, loadMedia, type VideoStore } from '@verimesh/media';
import { extractAnswer, parseExtractParam, scanValues } from '@verimesh/extract';
import type { Config } from '../config.js';
import { TEXT_METRICS } from '../metrics/text.js';
import type { OcrRunner } from '../ocr/runner.js';
import { fmt, stringList } from '../params.js';
import { normalizeParam, scoreText } from './text.js';

function parseBox(value: unknown, field: string): Box {
  if (Array.isArray(value) && value.length === 4 && value.every((v) => typeof v === 'number' && Number.isFinite(v))) return value as unknown as Box;
  throw new InvalidArgumentError(field, `${field} must be [x1, y1, x2, y2] in pixels`);
}

const isBox = (v: unknown): v is Box => Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** The first list of four numbers in a value, depth first (`{"bbox_2d": [x1, y1, x2, y2]}`, `[[x1, y1, x2, y2]]`). */
function firstBox(v: unknown): Box | undefined {
  if (isBox(v)) return v;
  const items = Array.isArray(v) ? v : v !== null && typeof v === 'object' ? Object.values(v) : [];
  for (const x of items) {
    const b = firstBox(x);
    if (b) return b;
  }
  return undefined;
}

/**
 * The region the answer names: the first four-number list in its structure (the shared reader: JSON, Python tuples,
 * single quotes, ...), else its first four standalone numbers (digits inside words such as "bbox_2d" are not numbers).
 */
function boxFromText(text: string): Box | undefined {
  for (const f of scanValues(text)) {
    const b = firstBox(f.value);
    if (b) return b;
  }
  const nums = text.match(/(?<![\w.])-?\d+(?:\.\d+)?/g);
  if (!nums || nums.length < 4) return undefined;
  return nums.slice(0, 4).map(Number) as unknown as Box;
}

export function ocrVerifier(runner: OcrRunner, config: Pick<Config, 'maxImagePixels' | 'maxImageBytes'>, videos: VideoStore = defaultVideoStore()): VerifierDef {
  return {
    name: 'doc.ocr',
    description: 'OCR (PaddleOCR PP-OCRv4 on onnxruntime) of the output image, or of a region of the input image, or of a video frame, scored against reference.text',
    params: {
      metric: 'text metric as in doc.text (default "ned")',
      normalize: 'as in doc.text; default "whitespace" (line breaks and spacing of the OCR are not compared)',
      region: '[x1, y1, x2, y2] pixels of the input image to read, or "response" to take the box from the answer (also reference.region)',
      extract: 'answer extraction for region "response" (default "auto")',
      time: 'seconds: the frame of a video to read (default 0; past the end: the last frame); ignored for images',
    },
    reference: { text: 'the text the image should show (a string or a list; best match counts)', region: 'optional [x1, y1, x2, y2] of the input image' },
    async verify(input, ctx) {
      const { params, reference } = input;
      const metric = readChoice(params.metric, 'params.metric', TEXT_METRICS, 'ned');
      const normalize = normalizeParam(params.normalize, 'whitespace');
      const refs = stringList(reference.text, 'reference.text');
      const time = readNumber(params.time, 'params.time', 0, 0);
      // An image wins over a video of the same role: the video is read only when there is no image to read.
      const output = findMedia(input.media, 'image', 'output') ?? findMedia(input.media, 'video', 'output');
      let region: Box | undefined;
      // Whose fault a bad image or region is (SPEC 4.1): the output image is the policy's; so is a region it chose.
      let policyImage = true;
      let policyRegion = false;
      let source = findMedia(input.media, 'image', 'input') ?? findMedia(input.media, 'video', 'input');
      if (output) source = output;
      else {
        policyImage = false;
        const spec = params.region ?? reference.region;
        if (spec === 'response') {
          const answer = extractAnswer(input.response, parseExtractParam(params.extract));
          region = boxFromText(answer.text);
          if (!region) return { score: 0, detail: 'no [x1, y1, x2, y2] box found in the response', metrics: { found: false } };
          policyRegion = true;
        } else if (spec !== undefined) region = parseBox(spec, params.region !== undefined ? 'params.region' : 'reference.region');
      }
      if (!source) throw new InvalidArgumentError('media', 'doc.ocr needs an image or a video: media with role "output", or role "input" (with a region)');
      const video = source.media.kind === 'video';
      let frameTime: number | undefined;
      let buf: Buffer;
      try {
        if (video) {
          const [frame] = await videos.extractFrames(source.media, [time], { field: source.field, signal: ctx.signal, format: 'png' });
          buf = frame!.data;
          frameTime = frame!.time;
        } else buf = await loadMedia(source.media, { field: source.field, maxBytes: config.maxImageBytes, signal: ctx.signal });
      } catch (e) {
        // A missing ffmpeg or a passed deadline is nobody's video's fault.
        if (video && (e instanceof UnavailableError || e instanceof DeadlineError)) throw e;
        if (output) return { score: 0, detail: `the output ${video ? 'video' : 'image'} could not be ${video ? 'read' : 'loaded'}: ${messageOf(e)}`, metrics: { found: false } };
        throw e;
      }
      let ocr;
      try {
        ocr = await runner.recognizeEncoded(buf, config.maxImagePixels, region, ctx.signal);
      } catch (e) {
        if (!(e instanceof ImageError)) throw e;
        if (policyImage || (policyRegion && e.part === 'region')) return { score: 0, detail: `${output ? `output ${video ? 'video frame' : 'image'}` : 'region'}: ${e.message}`, metrics: { found: false } };
        const field = e.part === 'region' ? (params.region !== undefined ? 'params.region' : 'reference.region') : source.field;
        throw new InvalidArgumentError(field, `${field}: ${e.message}`);
      }
      const r = scoreText(ocr.text, refs, metric, normalize);
      return {
        score: r.score,
        detail: `${metric} similarity ${fmt(r.score)} of ${ocr.lines.length} OCR line${ocr.lines.length === 1 ? '' : 's'}: ${JSON.stringify(ocr.text.length > 200 ? `${ocr.text.slice(0, 200)}…` : ocr.text)}`,
        metrics: { [metric]: r.value, score: r.score, text: ocr.text, lines: ocr.lines.length, width: ocr.width, height: ocr.height, ...(frameTime !== undefined ? { frame_time: frameTime } : {}) },
      };
    },
  };
}
