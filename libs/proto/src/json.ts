// The JSON shapes of SPEC sections 1-3 (what HTTP, JSONL and clients see) and their proto enum mappings.

export type ComponentStatus = 'ok' | 'error' | 'timeout' | 'unavailable' | 'invalid' | 'skipped';
export type ResultStatus = 'ok' | 'partial' | 'invalid';

export const COMPONENT_STATUSES: readonly ComponentStatus[] = ['ok', 'error', 'timeout', 'unavailable', 'invalid', 'skipped'];

/** The sentinels of SPEC section 3.1: raised on results, counted per group and in /metrics; never change a reward unless `on_flag` asks. */
export const SENTINEL_FLAGS = ['tamper', 'format_fail_max', 'overlong', 'duplicate_in_group', 'degenerate', 'box_spam'] as const;
export type SentinelFlag = (typeof SENTINEL_FLAGS)[number];

export interface MediaJson {
  kind: 'image' | 'video';
  role?: 'input' | 'output';
  uri?: string;
  data_b64?: string;
  mime?: string;
}

/** How readMedia answers: the media (role filled in) or the first problem, naming its field (`media[1].role`). */
export type MediaReading = { readonly ok: true; readonly media: MediaJson[] } | { readonly ok: false; readonly field: string; readonly message: string };

const NO_MEDIA: MediaReading = Object.freeze({ ok: true, media: Object.freeze([]) as unknown as MediaJson[] });

/**
 * THE media converter: reads a sample's `media` as SPEC JSON gives it, or as the proto carries it (where every
 * absent string is ""), into MediaJson with `role` always set. Used by the gateway for every door and by the kit
 * for every VerifyBatch, so the same list gets the same verdict everywhere. An empty string counts as absent
 * (proto3 cannot tell them apart); `kind` is required. Never throws (this package knows no error classes).
 */
export function readMedia(raw: unknown): MediaReading {
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) return NO_MEDIA;
  if (!Array.isArray(raw)) return { ok: false, field: 'media', message: 'media must be a list of {kind, role?, uri? | data_b64?, mime?}' };
  const media: MediaJson[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const m: unknown = raw[i];
    const f = `media[${i}]`;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) return { ok: false, field: f, message: `${f} must be an object` };
    const o = m as Record<string, unknown>;
    if (o.kind !== 'image' && o.kind !== 'video') return { ok: false, field: `${f}.kind`, message: `${f}.kind must be "image" or "video"` };
    const role = o.role === undefined || o.role === null || o.role === '' ? 'input' : o.role;
    if (role !== 'input' && role !== 'output') return { ok: false, field: `${f}.role`, message: `${f}.role must be "input" or "output"` };
    const out: MediaJson = { kind: o.kind, role };
    for (const k of ['uri', 'data_b64', 'mime'] as const) {
      const v = o[k];
      if (v === undefined || v === null || v === '') continue;
      if (typeof v !== 'string') return { ok: false, field: `${f}.${k}`, message: `${f}.${k} must be a string` };
      out[k] = v;
    }
    media[i] = out;
  }
  return { ok: true, media };
}

export interface ComponentJson {
  name?: string;
  verifier: string;
  weight?: number;
  reference?: Record<string, unknown>;
  params?: Record<string, unknown>;
  gate?: { min: number; value?: number };
  timeout_ms?: number;
  on_error?: { score: number };
}

export interface RewardSpecJson {
  components: ComponentJson[];
  combine?: 'sum' | 'mean' | 'min' | 'product' | { formula: string };
  /** Sets the reward when a sentinel is raised (several: the lowest value), e.g. {"tamper": 0}. */
  on_flag?: Partial<Record<SentinelFlag, number>>;
}

export interface SampleJson {
  id: string;
  group?: string;
  prompt?: string;
  response: string;
  reference?: Record<string, unknown>;
  reward?: RewardSpecJson;
  profile?: string;
  media?: MediaJson[];
  metadata?: unknown;
}

export interface ComponentResultJson {
  score: number;
  status: ComponentStatus;
  /** The component's weight in the spec. */
  weight: number;
  /** Its share of the reward: wᵢ·sᵢ (sum), wᵢ·sᵢ/Σ|wᵢ| (mean), 0 when a gate fired; null for min, product, formulas. */
  contribution: number | null;
  detail?: string;
  metrics?: Record<string, unknown>;
  latency_ms?: number;
  /** Sentinels the component's verifier raised (present only when there are some). */
  flags?: SentinelFlag[];
}

export interface ResultJson {
  id: string;
  reward: number;
  status: ResultStatus;
  error: string | null;
  components: Record<string, ComponentResultJson>;
  /** Sentinels raised for the sample (SPEC 3.1): sorted, unique, always present. */
  flags: SentinelFlag[];
  metadata?: unknown;
}

export interface GroupStatsJson {
  count: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  all_equal: boolean;
  /** Sentinel name -> how many samples of the group raised it (only names raised at least once). */
  flags: Record<string, number>;
}

const C2P: Record<ComponentStatus, string> = {
  ok: 'COMPONENT_STATUS_OK',
  error: 'COMPONENT_STATUS_ERROR',
  timeout: 'COMPONENT_STATUS_TIMEOUT',
  unavailable: 'COMPONENT_STATUS_UNAVAILABLE',
  invalid: 'COMPONENT_STATUS_INVALID',
  skipped: 'COMPONENT_STATUS_SKIPPED',
};
const P2C = new Map(Object.entries(C2P).map(([k, v]) => [v, k as ComponentStatus]));
const R2P: Record<ResultStatus, string> = { ok: 'RESULT_STATUS_OK', partial: 'RESULT_STATUS_PARTIAL', invalid: 'RESULT_STATUS_INVALID' };
const P2R = new Map(Object.entries(R2P).map(([k, v]) => [v, k as ResultStatus]));

export const componentStatusToProto = (s: ComponentStatus): string => C2P[s];
/** Unknown or unspecified values (a garbled peer) read as `error`. */
export const componentStatusFromProto = (s: string | undefined): ComponentStatus => P2C.get(s ?? '') ?? 'error';
export const resultStatusToProto = (s: ResultStatus): string => R2P[s];
export const resultStatusFromProto = (s: string | undefined): ResultStatus => P2R.get(s ?? '') ?? 'invalid';
