import type { Incident, Scope } from '../core/availability/incident';
import type { RequestSample } from '../core/availability/request-based';
import { type Interval, MINUTE_MS } from '../core/availability/windows';
import type { IncidentEvent } from '../core/incidents/incident-event';

/** The state of one SLI over one minute. `unknown` means no evidence: no traffic, or no datapoint. */
export type MinuteState = 'good' | 'bad' | 'unknown';

/** One classified minute. */
export interface SliMinute {
  readonly startMs: number;
  readonly state: MinuteState;
}

/** How minutes are judged and incidents opened and closed. */
export interface DetectionPolicy {
  /** A minute is bad above this ratio of bad to valid. */
  readonly badRatioThreshold: number;
  /** Fewer valid events than this in a minute make it unknown, not good. */
  readonly minValid: number;
  /** Consecutive bad (known) minutes that open an incident. */
  readonly openAfter: number;
  /** Consecutive good (known) minutes that close it. */
  readonly closeAfter: number;
}

/**
 * Classifies every minute of [fromMs, toMs) (minute-aligned) from an SLI's samples: bad when
 * `bad / valid` exceeds the threshold, good when it does not, unknown without enough valid events.
 */
export function classifyMinutes(
  samples: readonly RequestSample[],
  fromMs: number,
  toMs: number,
  policy: Pick<DetectionPolicy, 'badRatioThreshold' | 'minValid'>,
): SliMinute[] {
  const byMinute = new Map<number, { valid: number; bad: number }>();
  for (const s of samples) {
    const minute = Math.floor(s.startMs / MINUTE_MS) * MINUTE_MS;
    const sum = byMinute.get(minute) ?? { valid: 0, bad: 0 };
    byMinute.set(minute, { valid: sum.valid + s.valid, bad: sum.bad + s.bad });
  }
  const minutes: SliMinute[] = [];
  for (let t = Math.ceil(fromMs / MINUTE_MS) * MINUTE_MS; t + MINUTE_MS <= toMs; t += MINUTE_MS) {
    const sum = byMinute.get(t);
    const state: MinuteState =
      !sum || sum.valid < policy.minValid
        ? 'unknown'
        : sum.bad / sum.valid > policy.badRatioThreshold
          ? 'bad'
          : 'good';
    minutes.push({ startMs: t, state });
  }
  return minutes;
}

/** A transition of one SLI: open at, or close at, a minute boundary. */
export type SliTransition = { readonly kind: 'open' | 'close'; readonly atMs: number } | undefined;

/**
 * Decides whether one SLI's incident opens or closes, from its classified minutes and the incident
 * the log says is open for this (scope, SLI), if any. Unknown minutes are skipped, never counted as
 * good or bad. Hysteresis: opening takes `openAfter` bad minutes in a row, closing `closeAfter`
 * good ones; the incident starts at the first bad minute of the run and ends at the first good one.
 * `notBeforeMs` (the end of the last closed incident) keeps a new incident from overlapping it.
 */
export function decideSli(
  minutes: readonly SliMinute[],
  open: Incident | undefined,
  policy: Pick<DetectionPolicy, 'openAfter' | 'closeAfter'>,
  notBeforeMs = Number.NEGATIVE_INFINITY,
): SliTransition {
  const known = minutes.filter((m) => m.state !== 'unknown');
  const want: MinuteState = open ? 'good' : 'bad';
  const needed = open ? policy.closeAfter : policy.openAfter;
  let run = 0;
  for (let i = known.length - 1; i >= 0 && known[i].state === want; i--) run++;
  if (run < needed) return undefined;
  const first = known[known.length - run].startMs;
  if (open) return { kind: 'close', atMs: Math.max(first, open.startedAtMs) };
  return { kind: 'open', atMs: Math.max(first, notBeforeMs) };
}

/** Gap records are cut at these block boundaries (UTC hours), so a long gap is recorded block by block. */
export const GAP_BLOCK_MS = 60 * MINUTE_MS;

/**
 * Signal gaps: runs of minutes in which *every* signal of a scope was unknown, cut at
 * `blockMs` boundaries. A piece is returned once it is final, so the same piece gets the same record
 * on every run: when the run has ended (a known minute follows), or when the piece reaches its block's
 * end. A long gap is thus recorded hour by hour while it lasts, and its ongoing tail waits.
 * Minutes must be contiguous, and the first one block-aligned when a gap may begin before it.
 */
export function findGaps(
  signals: readonly (readonly SliMinute[])[],
  blockMs: number = GAP_BLOCK_MS,
): Interval[] {
  if (signals.length === 0) return [];
  const length = Math.min(...signals.map((s) => s.length));
  if (length === 0) return [];
  const runs: { startMs: number; endMs: number; closed: boolean }[] = [];
  let start: number | undefined;
  for (let i = 0; i < length; i++) {
    const blind = signals.every((s) => s[i].state === 'unknown');
    const t = signals[0][i].startMs;
    if (blind && start === undefined) start = t;
    if (!blind && start !== undefined) {
      runs.push({ startMs: start, endMs: t, closed: true });
      start = undefined;
    }
  }
  if (start !== undefined)
    runs.push({ startMs: start, endMs: signals[0][length - 1].startMs + MINUTE_MS, closed: false });
  const gaps: Interval[] = [];
  for (const run of runs) {
    for (let block = Math.floor(run.startMs / blockMs) * blockMs; block < run.endMs; block += blockMs) {
      const piece = { startMs: Math.max(run.startMs, block), endMs: Math.min(run.endMs, block + blockMs) };
      if (run.closed || block + blockMs <= run.endMs) gaps.push(piece);
    }
  }
  return gaps;
}

/** The SLIs of one scope for one run. */
export interface ScopeSignals {
  readonly scope: Scope;
  /** Per-SLI samples by cause name (`sli:requests`, `sli:probes`); absent SLIs are not measured. */
  readonly slis: Readonly<Record<string, readonly RequestSample[]>>;
  /** Per-SLI policy by cause name. */
  readonly policies: Readonly<Record<string, DetectionPolicy>>;
}

/** Input of {@link decideIncidentEvents}. */
export interface DecideInput {
  readonly nowMs: number;
  /** Start of the minutes examined for opening and closing incidents (minute-aligned). */
  readonly fromMs: number;
  /**
   * Start of the minutes examined for signal gaps: block-aligned (see {@link GAP_BLOCK_MS}) and not
   * after `fromMs`, so a gap that began before the lookback is still recorded from its block's start.
   * @default fromMs floored to the gap block
   */
  readonly gapFromMs?: number;
  /** End of the minutes examined: now less the metric lag (minute-aligned). */
  readonly toMs: number;
  readonly scopes: readonly ScopeSignals[];
  /** Incidents as the log has them now. */
  readonly incidents: readonly Incident[];
  /** Writer name for the records. */
  readonly source: string;
}

/** What one scheduled run decided to append, and how it judged each SLI (for the log). */
export interface DecideResult {
  readonly events: IncidentEvent[];
  readonly minutes: Record<string, Record<string, SliMinute[]>>;
}

/**
 * The pure core of a scheduled run: for each scope and SLI, open or close its incident, and record
 * the signal gaps. Alarm-caused incidents are left alone here: only alarm state changes move them.
 */
export function decideIncidentEvents(input: DecideInput): DecideResult {
  const events: IncidentEvent[] = [];
  const minutes: Record<string, Record<string, SliMinute[]>> = {};
  const gapFrom = input.gapFromMs ?? Math.floor(input.fromMs / GAP_BLOCK_MS) * GAP_BLOCK_MS;
  for (const { scope, slis, policies } of input.scopes) {
    minutes[scope] = {};
    const wideMinutes: Record<string, SliMinute[]> = {};
    for (const [cause, samples] of Object.entries(slis)) {
      const policy = policies[cause];
      const wide = classifyMinutes(samples, gapFrom, input.toMs, policy);
      wideMinutes[cause] = wide;
      const classified = wide.filter((m) => m.startMs >= input.fromMs);
      minutes[scope][cause] = classified;
      const mine = input.incidents.filter((i) => i.scope === scope && i.cause === cause);
      const open = mine.find((i) => i.endedAtMs === undefined);
      const lastEnd = Math.max(
        Number.NEGATIVE_INFINITY,
        ...mine.map((i) => i.endedAtMs ?? Number.NEGATIVE_INFINITY),
      );
      const transition = decideSli(classified, open, policy, lastEnd);
      if (!transition) continue;
      const recent = classified.filter((m) => m.startMs >= transition.atMs).map((m) => m.state);
      events.push({
        schemaVersion: 1,
        kind: transition.kind,
        scope,
        cause,
        atMs: transition.atMs,
        observedAtMs: input.nowMs,
        source: input.source,
        detail: { minutes: recent, threshold: policy.badRatioThreshold },
      });
    }
    for (const gap of findGaps(Object.values(wideMinutes))) {
      events.push({
        schemaVersion: 1,
        kind: 'gap',
        scope,
        cause: `no-signal:${Object.keys(slis).sort().join('+') || 'none'}`,
        atMs: gap.startMs,
        endMs: gap.endMs,
        observedAtMs: input.nowMs,
        source: input.source,
      });
    }
  }
  return { events, minutes };
}

/** A CloudWatch alarm state change, trimmed to what incidents need. */
export interface AlarmChange {
  readonly alarmName: string;
  readonly state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  /** When the alarm changed state. */
  readonly changedAtMs: number;
  /** Start of the datapoints that tripped it, when the event says so (reasonData.startDate). */
  readonly evaluatedFromMs?: number;
}

/**
 * Maps an alarm state change to an incident event: ALARM opens, OK closes, INSUFFICIENT_DATA does
 * nothing (no evidence either way). The open dates from the evaluated datapoints when known, so the
 * time to detect includes the alarm's own evaluation delay. Unknown alarms give nothing.
 */
export function decideAlarmEvent(
  change: AlarmChange,
  alarmScopes: Readonly<Record<string, Scope>>,
  source: string,
): IncidentEvent | undefined {
  const scope = alarmScopes[change.alarmName];
  if (!scope || change.state === 'INSUFFICIENT_DATA') return undefined;
  const atMs =
    change.state === 'ALARM' && change.evaluatedFromMs !== undefined
      ? Math.min(change.evaluatedFromMs, change.changedAtMs)
      : change.changedAtMs;
  return {
    schemaVersion: 1,
    kind: change.state === 'ALARM' ? 'open' : 'close',
    scope,
    cause: `alarm:${change.alarmName}`,
    atMs,
    observedAtMs: change.changedAtMs,
    source,
  };
}
