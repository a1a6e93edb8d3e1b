// Sentinels (SPEC section 3.1): flags as bit masks over SENTINEL_FLAGS, and the rules the gateway raises itself
// (format_fail_max, degenerate, duplicate_in_group). Flags never change a reward; only a spec's on_flag does (engine).
import { InvalidArgumentError } from '@verimesh/kit';
import { SENTINEL_FLAGS, type SentinelFlag } from '@verimesh/proto';

const BIT = new Map<string, number>(SENTINEL_FLAGS.map((f, i) => [f, 1 << i]));

/** The bit of a known sentinel, 0 for anything else (a peer's unknown string is not lifted). */
export function flagBit(name: string): number {
  return BIT.get(name) ?? 0;
}

/** The bit of a flag a caller named (an on_flag key at `field`); anything but a known sentinel is the caller's error. */
export function namedFlagBit(name: string, field: string): number {
  const bit = flagBit(name);
  if (!bit) throw new InvalidArgumentError(field, `${field} is not a sentinel flag (flags: ${SENTINEL_FLAGS.join(', ')})`);
  return bit;
}

/** The mask of a list of flag names as a service sent them; unknown names are dropped. */
export function maskOf(names: readonly string[] | undefined): number {
  let m = 0;
  if (names) for (const n of names) m |= flagBit(n);
  return m;
}

/** Every mask's flags, sorted by name and frozen: built once, so results share them (no allocation per sample). */
const LISTS: readonly (readonly SentinelFlag[])[] = Array.from({ length: 1 << SENTINEL_FLAGS.length }, (_, m) =>
  Object.freeze(SENTINEL_FLAGS.filter((_f, i) => m & (1 << i)).sort()),
);

/** The flags of a mask, sorted by name, unique. */
export function flagsOf(mask: number): readonly SentinelFlag[] {
  return LISTS[mask]!;
}

export const FORMAT_FAIL_MAX = flagBit('format_fail_max');
export const DEGENERATE = flagBit('degenerate');
export const DUPLICATE_IN_GROUP = flagBit('duplicate_in_group');

/** What format_fail_max needs to know of one component. */
export interface FlagInput {
  readonly verifier: string;
  readonly status: string;
  readonly score: number;
}

/**
 * format_fail_max: some `text.format` component ran (status ok) and scored below 1, while another component ran and
 * scored its verifier's maximum, 1 (every catalogue score tops out at 1; `text.length`, a penalty in [-1, 0] whose 0
 * means "not too long", does not count, nor do stand-in scores of failed components).
 */
export function formatFailMax(components: readonly FlagInput[]): boolean {
  let formatFailed = false;
  let maxed = false;
  for (const c of components) {
    if (c.status !== 'ok') continue;
    if (c.verifier === 'text.format') formatFailed ||= c.score < 1;
    else if (c.verifier !== 'text.length' && c.score >= 1) maxed = true;
  }
  return formatFailed && maxed;
}

/** degenerate: at least this many tokens ... */
export const DEGENERATE_MIN_TOKENS = 20;
/** ... of which word 4-grams at least this fraction repeat an earlier 4-gram of the response. */
export const DEGENERATE_REPEAT_FRACTION = 0.5;
/** A run of non-whitespace longer than this counts as consecutive tokens of this many characters. */
export const DEGENERATE_CHUNK = 16;
const N = 4;

/** The 4-gram table of isDegenerate, reused across calls while it is small (grown per call, and dropped, when large). */
let scratch: Uint32Array = new Uint32Array(1 << 12);
const SCRATCH_MAX = 1 << 16;

/** Inserts a non-zero key into the table's first mask + 1 slots; true if it was already there. */
function insert(table: Uint32Array, mask: number, g: number): boolean {
  for (let slot = g & mask; ; slot = (slot + 1) & mask) {
    const v = table[slot]!;
    if (v === 0) {
      table[slot] = g;
      return false;
    }
    if (v === g) return true;
  }
}

function grown(table: Uint32Array, size: number): Uint32Array {
  const next = new Uint32Array(size * 2);
  for (let i = 0; i < size; i++) if (table[i] !== 0) insert(next, size * 2 - 1, table[i]!);
  return next;
}

/**
 * degenerate: the response is mostly repetition. Tokens are maximal runs of characters above U+0020 (whitespace and
 * control characters separate them), a run longer than 16 characters counting as consecutive 16-character tokens (so
 * `!!!!…` or `abcabc…` without spaces is many tokens). With at least 20 tokens, the response is degenerate when at
 * least half of its token 4-grams repeat an earlier 4-gram of the same response: seq-rep-4 ≥ 0.5, after Welleck et
 * al. 2019 ("Neural text generation with unlikelihood training"; seq-rep-n = 1 − |unique n-grams| / |n-grams|). One
 * token, line or sentence repeated k times scores about 1 − 1/k, so three copies or more are flagged; ordinary text
 * scores near 0.
 *
 * One pass over the characters (FNV-1a per token, a 4-gram key mixed from the last four) and one insert per 4-gram
 * into an open-addressing table of 32-bit keys (load ≤ 1/2): O(n) time, memory O(distinct 4-grams). A 32-bit
 * collision counts as a repeat (on 5 million 4-grams it moves the fraction by under 0.1%).
 */
export function isDegenerate(text: string): boolean {
  if (text.length < 2 * DEGENERATE_MIN_TOKENS - 1) return false; // 20 tokens need 19 separators
  // Start at twice the most 4-grams a short text can have (a token and a separator per 2 characters); grow as needed.
  let size = 64;
  while (size < text.length && size < scratch.length) size <<= 1;
  let table = scratch;
  table.fill(0, 0, size);
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let tokens = 0;
  let grams = 0;
  let distinct = 0;
  const end = text.length;
  let i = 0;
  for (;;) {
    let c = 0;
    while (i < end && (c = text.charCodeAt(i)) <= 32) i++;
    if (i === end) break;
    // A token (or a 16-character chunk of one) starts at i: FNV-1a over its characters.
    const stop = Math.min(end, i + DEGENERATE_CHUNK);
    let h = 0x811c9dc5;
    do {
      h = Math.imul(h ^ c, 0x01000193);
      if (++i === stop) break;
      c = text.charCodeAt(i);
    } while (c > 32);
    if (++tokens >= N) {
      let g = Math.imul(h1, 0x9e3779b1) ^ Math.imul(h2, 0x85ebca77) ^ Math.imul(h3, 0xc2b2ae3d) ^ h;
      g ^= g >>> 15;
      g = Math.imul(g, 0x2c1b3c6d);
      g ^= g >>> 12;
      grams++;
      if (!insert(table, size - 1, g >>> 0 || 1) && 2 * ++distinct > size) {
        table = grown(table, size);
        size *= 2;
      }
    }
    h1 = h2;
    h2 = h3;
    h3 = h;
  }
  if (table !== scratch && table.length <= SCRATCH_MAX) scratch = table;
  return tokens >= DEGENERATE_MIN_TOKENS && grams - distinct >= DEGENERATE_REPEAT_FRACTION * grams;
}

/** How much of a stream's past a DuplicateTracker keeps: groups, and characters of responses held. */
export const DUPLICATE_WINDOW_GROUPS = 4096;
export const DUPLICATE_WINDOW_CHARS = 64 * 1024 * 1024;

/**
 * duplicate_in_group: a sample whose response is identical (the same string, character for character) to the response
 * of an earlier sample of the same group in the same request. The first of identical responses is not flagged, its
 * copies are: the group count says how many rollouts were redundant, and `on_flag` then zeroes the copies, not the
 * original. A batch (Score, POST /v1/score) is one request in request order. A stream (ScoreStream, the library's
 * scoreStream, the CLI) is one request in arrival order, remembered for the last 4,096 groups and 64 Mi characters
 * of responses (the oldest groups are forgotten first), so memory stays bounded on a stream that runs for days.
 */
export class DuplicateTracker {
  private readonly groups = new Map<string, Set<string>>();
  private chars = 0;

  constructor(
    private readonly maxGroups = DUPLICATE_WINDOW_GROUPS,
    private readonly maxChars = DUPLICATE_WINDOW_CHARS,
  ) {}

  /** True when this group already had this response; remembers it otherwise. */
  seen(group: string, response: string): boolean {
    let set = this.groups.get(group);
    if (!set) {
      set = new Set();
      this.groups.set(group, set);
    } else if (set.has(response)) return true;
    set.add(response);
    this.chars += response.length;
    while (this.groups.size > this.maxGroups || (this.chars > this.maxChars && this.groups.size > 1)) this.forgetOldest();
    return false;
  }

  private forgetOldest(): void {
    const [group, set] = this.groups.entries().next().value as [string, Set<string>];
    for (const r of set) this.chars -= r.length;
    this.groups.delete(group);
  }
}
