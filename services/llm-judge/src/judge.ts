// The judging core shared by the four verifiers: backends by name, the cache, templates, images and params.
import { DeadlineError, InvalidArgumentError, UnavailableError, componentStatusOf, messageOf, type Logger, type VerifyOutcome, readBool, readInt, readNumber } from '@verimesh/kit';
import { defaultVideoStore } from '@verimesh/media';
import type { MediaJson } from '@verimesh/proto';
import { ask, type Answer, type Parsed } from './ask.js';
import { Backend, type ChatMessage, type ChatRequest, type ContentPart } from './backend.js';
import { JudgmentCache } from './cache.js';
import type { JudgeConfig } from './config.js';
import { MAX_VIDEO_FRAMES, prepareImages, type PreparedImage } from './images.js';
import { loadTemplates, render, type Template, type TemplateName } from './templates.js';

export const NO_BACKEND_MESSAGE =
  'no judge backend configured: set VERIMESH_LLM_JUDGE_URL and VERIMESH_LLM_JUDGE_MODEL (or VERIMESH_LLM_JUDGE_BACKENDS) to an OpenAI-compatible server';

/** Frames of each input video shown to the judge when params.video_frames is absent. */
const DEFAULT_VIDEO_FRAMES = 4;

/** Docs of the params every LLM verifier reads (Judge.params). */
export const JUDGE_PARAMS = {
  model: 'judge backend name (or a model one backend serves); default: backend "default", else the first configured',
  samples: 'number of independent judgments averaged (default 1, max 16)',
  temperature: 'judge sampling temperature (default 0, or 0.7 with samples > 1)',
  max_tokens: 'max tokens of the judge reply (default: the backend\'s max_tokens, 1024)',
  extract: 'how the answer is taken from the response (default "auto": last <answer>…</answer>, else the whole text)',
  images: 'send the sample\'s input images to the judge (default true)',
  image_max_side: 'longest side images are downscaled to (default VERIMESH_LLM_JUDGE_IMAGE_MAX_SIDE, 768)',
  video_frames: 'evenly spaced frames sent per input video, as images (default 4, max 16 in all; 0 = none)',
} as const;

/** One judge call of a template, as a verifier describes it to Judge.judgment. */
export interface JudgmentSpec<T, V> {
  template: Template;
  /** The template's placeholders, filled: with the template and the images, everything the judge is shown. */
  vars: Record<string, string>;
  images: readonly PreparedImage[];
  /** Index among params.samples (also the request's seed). */
  sample: number;
  schema?: ChatRequest['schema'];
  topLogprobs?: number;
  maxTokens?: number;
  parse: (content: string) => Parsed<T>;
  repair: (problem: string) => string;
  /** What the cache keeps: the verdict and what the verifier needs from the reply, never the whole reply. */
  keep: (answer: Answer<T>) => V;
}

/** Common knobs every LLM verifier reads from params, validated. */
export interface JudgeParams {
  backend: Backend;
  model: string;
  samples: number;
  temperature: number;
  maxTokens?: number;
  images: boolean;
  imageMaxSide: number;
  /** Frames shown per input video. */
  videoFrames: number;
}

export class Judge {
  readonly backends = new Map<string, Backend>();
  readonly cache: JudgmentCache;
  readonly templates: Record<TemplateName, Template>;

  constructor(
    readonly config: JudgeConfig,
    readonly log: Logger,
  ) {
    for (const b of config.backendList) this.backends.set(b.name, new Backend(b, log));
    this.cache = new JudgmentCache(config.cacheSize);
    this.templates = loadTemplates(config.templatesDir);
  }

  get configured(): boolean {
    return this.backends.size > 0;
  }

  /**
   * The backend named by params.model ("default", then the first configured, when absent). params.model may name
   * a backend, or a model that one backend serves. No backend at all: UnavailableError naming the settings.
   */
  backendFor(params: Record<string, unknown>): Backend {
    if (!this.configured) throw new UnavailableError(NO_BACKEND_MESSAGE, 'NO_BACKEND');
    const want = params.model;
    if (want === undefined || want === null || want === '') return this.backends.get('default') ?? this.backends.values().next().value!;
    if (typeof want !== 'string') throw new InvalidArgumentError('params.model', 'params.model must be a string naming a judge backend');
    const named = this.backends.get(want) ?? [...this.backends.values()].find((b) => b.config.model === want);
    if (!named) throw new InvalidArgumentError('params.model', `params.model "${want}" is not a configured judge backend (configured: ${[...this.backends.keys()].join(', ')})`);
    return named;
  }

  /**
   * params() for a verifier that cannot work without a backend: when none is configured, the outcome to return
   * (status unavailable, the settings named, metrics with the template version) instead of a thrown error.
   */
  paramsOr(params: Record<string, unknown>, template: string): JudgeParams | VerifyOutcome {
    try {
      return this.params(params);
    } catch (e) {
      if (!(e instanceof UnavailableError)) throw e;
      return { score: 0, status: 'unavailable', detail: e.message, metrics: { template_version: template, cache_hit: false, judgments: 0 } };
    }
  }

  /** Reads samples, temperature, max_tokens, images, image_max_side, video_frames from params. */
  params(params: Record<string, unknown>): JudgeParams {
    const backend = this.backendFor(params);
    const samples = readInt(params.samples, 'params.samples', 1, 1, 16);
    const t = readNumber(params.temperature, 'params.temperature', undefined, 0, 2);
    const images = readBool(params.images, 'params.images', true);
    return {
      backend,
      model: backend.config.model,
      samples,
      // Votes need diversity: several samples at temperature 0 would all be the same call.
      temperature: t ?? (samples > 1 ? 0.7 : 0),
      maxTokens: params.max_tokens === undefined ? undefined : readInt(params.max_tokens, 'params.max_tokens', 1, 1, 32_768),
      images,
      imageMaxSide: readInt(params.image_max_side, 'params.image_max_side', this.config.imageMaxSide, 16, 4096),
      videoFrames: readInt(params.video_frames, 'params.video_frames', DEFAULT_VIDEO_FRAMES, 0, MAX_VIDEO_FRAMES),
    };
  }

  /**
   * The input images and frames of input videos to show the judge (no images with VERIMESH_LLM_JUDGE_MAX_IMAGES 0, no
   * frames with params.video_frames 0, nothing at all with params.images false).
   */
  async images(media: readonly MediaJson[], p: JudgeParams, signal: AbortSignal): Promise<PreparedImage[]> {
    return p.images ? prepareImages(media, p.imageMaxSide, this.config.maxImages, signal, p.videoFrames) : [];
  }

  /** System + user messages from a template; images (if any) go before the text of the user message. */
  messages(t: Template, vars: Record<string, string>, images: readonly PreparedImage[]): ChatMessage[] {
    const text = render(t.user, vars);
    const content: string | ContentPart[] = images.length
      ? [...images.map((im): ContentPart => ({ type: 'image_url', image_url: { url: im.url } })), { type: 'text', text }]
      : text;
    return [
      { role: 'system', content: render(t.system, vars) },
      { role: 'user', content },
    ];
  }

  /**
   * One judgment, answered from the cache when an identical request was made. The key is everything that decides the
   * reply: backend, model, template version and text, the filled placeholders (prompt, answer, criteria, reference...),
   * images (content hash and the size sent), temperature, max tokens, logprobs, schema and sample index. It is built here, once for every verifier.
   */
  judgment<T, V>(p: JudgeParams, spec: JudgmentSpec<T, V>, signal: AbortSignal): Promise<{ value: V; hit: boolean }> {
    const t = spec.template;
    const req: Omit<ChatRequest, 'messages'> = {
      temperature: p.temperature,
      maxTokens: spec.maxTokens ?? p.maxTokens,
      schema: spec.schema,
      topLogprobs: spec.topLogprobs,
      seed: spec.sample,
    };
    const key = JudgmentCache.key([p.backend.name, p.model, t.version, t.hash, spec.vars, spec.images.map((i) => `${i.hash}@${i.width}x${i.height}`), req]);
    return this.cache.get(key, async () => {
      const answer = await ask(p.backend, p.model, { ...req, messages: this.messages(t, spec.vars, spec.images) }, spec.parse, spec.repair, signal);
      return spec.keep(answer);
    });
  }

  /** Drops idle keep-alive connections to the backends. */
  close(): void {
    for (const b of this.backends.values()) b.close();
  }

  info(): Record<string, unknown> {
    return {
      backends: [...this.backends.values()].map((b) => ({
        name: b.name,
        url: b.config.url,
        model: b.config.model,
        embedding_model: b.config.embeddingModel,
        concurrency: b.config.concurrency,
        json_schema: b.config.jsonSchema,
        logprobs: b.config.logprobs,
        api_key: b.config.apiKey ? 'set' : 'none',
        in_flight: b.inFlight,
        ...b.stats,
      })),
      configured: this.configured,
      ...(this.configured ? {} : { unavailable_reason: NO_BACKEND_MESSAGE }),
      cache: this.cache.stats(),
      templates: Object.fromEntries(Object.values(this.templates).map((t) => [t.name, { version: t.version, source: t.source }])),
      video: defaultVideoStore().info(),
    };
  }
}



/** Base metrics every LLM result carries. */
export function baseMetrics(p: JudgeParams, template: string, hits: boolean[]): Record<string, unknown> {
  return {
    backend: p.backend.name,
    model: p.model,
    template_version: template,
    cache_hit: hits.length > 0 && hits.every(Boolean),
    cache_hits: hits.filter(Boolean).length,
    judgments: hits.length,
  };
}

/**
 * Runs a verifier's judge calls; a backend failure becomes the outcome (status from the kit's error model) with
 * `metrics` kept, so that error results too carry the template version. Deadlines and the caller's mistakes
 * (invalid) are rethrown for the kit to report.
 */
export async function orFailure(
  signal: AbortSignal,
  metrics: Record<string, unknown>,
  run: () => Promise<VerifyOutcome>,
  describe: (message: string) => string = (m) => m,
): Promise<VerifyOutcome> {
  try {
    return await run();
  } catch (e) {
    if (signal.aborted || e instanceof DeadlineError || e instanceof InvalidArgumentError) throw e;
    return { score: 0, status: componentStatusOf(e), detail: describe(messageOf(e)), metrics };
  }
}

export const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
