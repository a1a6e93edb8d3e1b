// video.keyframes: F1 of the predicted evidence timestamps against the reference evidence spans.
import { InvalidArgumentError } from '@verimesh/kit';
import type { VerifierDef } from '@verimesh/kit';
import type { VideoStore } from '@verimesh/media';
import { parseTimestamps } from '../timestamps.js';
import { EXTRACT_DOC, FPS_DOC, UNIT_DOC, answerText, fpsOf, hasVideo, refSpans, round6, sampleVideo, unitParam } from './common.js';

export function keyframesVerifier(store: VideoStore): VerifierDef {
  return {
    name: 'video.keyframes',
    description: 'F1 of predicted timestamps against the reference evidence spans (precision: spans hit / (spans hit + timestamps outside every span); recall: spans hit)',
    params: { extract: EXTRACT_DOC, unit: UNIT_DOC, fps: FPS_DOC },
    reference: {
      evidence: 'list of [start, end] spans in seconds (one span alone is accepted too); ends are inclusive',
      fps: 'frame rate for unit "frames"',
    },
    async verify(input, ctx) {
      if (input.reference.evidence === undefined) throw new InvalidArgumentError('reference.evidence', 'reference.evidence (list of [start, end] spans) is required');
      const spans = refSpans(input.reference.evidence, 'reference.evidence');
      const unit = unitParam(input.params);
      let fps = fpsOf(input);
      if (unit === 'frames' && fps === undefined && hasVideo(input)) {
        const v = await sampleVideo(input, ctx, store);
        if (v.policyFailure) return { score: 0, detail: `the policy's video is unreadable: ${v.policyFailure}`, metrics: { f1: 0 } };
        fps = v.info?.fps;
      }
      if (unit === 'frames' && fps === undefined) throw new InvalidArgumentError('params.fps', 'params.unit "frames" needs params.fps, reference.fps or a video');
      const times = parseTimestamps(answerText(input).text, unit, fps);
      if (times.length === 0) {
        return { score: 0, detail: 'no timestamp found in the answer', metrics: { f1: 0, precision: 0, recall: 0, predicted: 0, spans: spans.length } };
      }
      const inside = times.filter((t) => spans.some((s) => t >= s.start && t <= s.end)).length;
      const outside = times.length - inside;
      const hit = spans.filter((s) => times.some((t) => t >= s.start && t <= s.end)).length;
      // Timestamps inside one evidence span count once: counted one by one, copies of one right timestamp diluted
      // the wrong guesses ("11" written 1000 times before a grid of 100 scored F1 0.96; the grid alone 0.20).
      const precision = hit / (hit + outside);
      const recall = hit / spans.length;
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return {
        score: f1,
        detail: `${inside}/${times.length} timestamps inside evidence, ${hit}/${spans.length} evidence spans hit, ${outside} outside`,
        metrics: { f1: round6(f1), precision: round6(precision), recall: round6(recall), predicted: times.length, spans: spans.length },
      };
    },
  };
}
