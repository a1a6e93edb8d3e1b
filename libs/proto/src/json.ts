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
