// video.temporal_iou: temporal IoU of the predicted span(s) against the reference span(s), optionally Time-R1 style.
import { InvalidArgumentError, readNumber, readChoice } from '@verimesh/kit';
import type { VerifierDef, VerifyOutcome } from '@verimesh/kit';
import type { VideoInfo, VideoStore } from '@verimesh/media';
import { temporalIou, timeR1Factor } from '../temporal.js';
import { parseSpans, type Span } from '../timestamps.js';
import {
  EXTRACT_DOC,
  FPS_DOC,
  UNIT_DOC,
  answerText,
  fpsOf,
  hasVideo,
  refSpan,
  refSpans,
  round6,
  sampleVideo,
  unitParam,
} from './common.js';

function clampSpan(s: Span, duration: number | undefined): Span {
  const hi = duration ?? Infinity;
  return { start: Math.min(Math.max(s.start, 0), hi), end: Math.min(Math.max(s.end, 0), hi) };
}

const fmt = (s: Span): string => `[${round6(s.start)}, ${round6(s.end)}]`;

export function temporalIouVerifier(store: VideoStore): VerifierDef {
  return {
    name: 'video.temporal_iou',
    description: 'temporal IoU of the union of predicted spans against the union of reference spans',
    params: {
      extract: EXTRACT_DOC,
      unit: UNIT_DOC,
      fps: FPS_DOC,
      variant: '"standard" (default) or "time_r1": tIoU · (1 − |Δstart|/duration) · (1 − |Δend|/duration); needs a duration',
      threshold: 'score 1 when the score ≥ threshold, else 0 (default: continuous)',
    },
    reference: {
      span: '[start, end] in seconds (numbers or "mm:ss" / "hh:mm:ss.f" strings)',
      spans: 'list of [start, end] spans (their union)',
      duration: 'video length in seconds: predictions are clamped to [0, duration] (default: the video\'s, when a video is given)',
      fps: 'frame rate for unit "frames"',
    },
    verify(input, ctx) {
      const ref = input.reference;
      let refs: Span[];
      if (ref.spans !== undefined) refs = refSpans(ref.spans, 'reference.spans');
      else if (ref.span !== undefined) refs = [refSpan(ref.span, 'reference.span')];
      else throw new InvalidArgumentError('reference.span', 'reference.span ([start, end] seconds) or reference.spans is required');
      const variant = readChoice(input.params.variant, 'params.variant', ['standard', 'time_r1'] as const, 'standard');
      const threshold = readNumber(input.params.threshold, 'params.threshold', undefined, 0, 1);
      const unit = unitParam(input.params);
      const refDuration = readNumber(ref.duration, 'reference.duration', undefined, 0);
      if (refDuration === 0) throw new InvalidArgumentError('reference.duration', 'reference.duration must be positive');

      const score = (duration: number | undefined, video: VideoInfo | undefined): VerifyOutcome => {
        const fps = fpsOf(input, video);
        if (unit === 'frames' && fps === undefined) throw new InvalidArgumentError('params.fps', 'params.unit "frames" needs params.fps, reference.fps or a video');
        if (variant === 'time_r1' && duration === undefined) {
          throw new InvalidArgumentError('params.variant', 'params.variant "time_r1" needs reference.duration or a video');
        }
        const clampedRefs = duration === undefined ? refs : refs.map((s) => clampSpan(s, duration));

        const parsed = parseSpans(answerText(input).text, unit, fps);
        const notes = [...parsed.notes];
        const kept: Span[] = [];
        for (const s of parsed.spans) {
          if (s.end < s.start) {
            notes.push(`reversed span ${fmt(s)} ignored`);
            continue;
          }
          const c = clampSpan(s, duration);
          if (c.start !== s.start || c.end !== s.end) notes.push(`span ${fmt(s)} clamped to ${fmt(c)}`);
          if (c.end === c.start && clampedRefs.some((r) => r.end > r.start)) notes.push(`empty span ${fmt(c)} adds no time`);
          kept.push(c);
        }
        const base = { pred_spans: parsed.spans.length, ref_spans: clampedRefs.length, ...(duration !== undefined ? { duration: round6(duration) } : {}) };
        if (kept.length === 0) {
          const why = parsed.spans.length ? 'no usable time span in the answer' : 'no time span found in the answer';
          return {
            score: 0,
            detail: [why, ...notes].join('; '),
            metrics: { tiou: 0, 'r@0.3': 0, 'r@0.5': 0, 'r@0.7': 0, ...base },
          };
        }
        const t = temporalIou(kept, clampedRefs);
        let value = t.tiou;
        const metrics: Record<string, unknown> = {
          tiou: round6(t.tiou),
          intersection: round6(t.intersection),
          union: round6(t.union),
          'r@0.3': t.tiou >= 0.3 ? 1 : 0,
          'r@0.5': t.tiou >= 0.5 ? 1 : 0,
          'r@0.7': t.tiou >= 0.7 ? 1 : 0,
          ...base,
        };
        if (variant === 'time_r1') {
          // Empty spans contribute nothing here either (SPEC 4.2), unless instants are all there is.
          const lengthy = kept.filter((s) => s.end > s.start);
          const factor = timeR1Factor(lengthy.length ? lengthy : kept, clampedRefs, duration!);
          metrics.time_r1_factor = round6(factor);
          value *= factor;
        }
        if (threshold !== undefined) value = value >= threshold ? 1 : 0;
        const detail = [
          `tIoU ${t.tiou.toFixed(3)} of ${kept.map(fmt).join(' ∪ ')} against ${clampedRefs.map(fmt).join(' ∪ ')}` +
            (variant === 'time_r1' ? `, Time-R1 factor ${(metrics.time_r1_factor as number).toFixed(3)}` : '') +
            (threshold !== undefined ? `, threshold ${threshold}` : ''),
          ...notes,
        ].join('; ');
        return { score: value, detail, metrics };
      };

      // The video is probed only when it is needed (for the duration, or the fps of frame numbers); otherwise the
      // verifier answers synchronously and pays for no promise.
      if (hasVideo(input) && (refDuration === undefined || (unit === 'frames' && fpsOf(input) === undefined))) {
        return sampleVideo(input, ctx, store).then((video): VerifyOutcome => {
          if (video.policyFailure) return { score: 0, detail: `the policy's video is unreadable: ${video.policyFailure}`, metrics: { tiou: 0 } };
          return score(refDuration ?? video.info?.duration, video.info);
        });
      }
      return score(refDuration, undefined);
    },
  };
}
