import {
  burnRate,
  DEFAULT_SLO,
  DEFAULT_SLO_WINDOW_DAYS,
  type ErrorBudget,
  errorBudget,
  errorRatioOf,
} from './error-budget';
import type { Incident } from './incident';
import { type RequestFigures, type RequestSample, requestFigures } from './request-based';
import { type TimeFigures, timeFigures } from './time-based';
import { BURN_WINDOWS, type Interval, parseWindow, REPORT_WINDOWS, windowEndingAt } from './windows';

/** Everything the availability figures are computed from; all of it already read, nothing to fetch. */
export interface AvailabilityInput {
  /** The end of every window ("now", or the end of the metric data for request samples). */
  readonly nowMs: number;
  /** The scopes to report, e.g. `['service', 'az:us-east-1a', …]`. */
  readonly scopes: readonly string[];
  readonly incidents: readonly Incident[];
  /**
   * SLO as a fraction.
   * @default 0.999
   */
  readonly slo?: number;
  /**
   * The SLO window the error budget is measured over.
   * @default '30d'
   */
  readonly sloWindow?: string;
  /**
   * Reporting windows.
   * @default REPORT_WINDOWS (1h, 1d, 7d, 30d)
   */
  readonly windows?: readonly string[];
  /**
   * Burn-rate windows.
   * @default BURN_WINDOWS (5m, 30m, 1h, 6h, 3d)
   */
  readonly burnWindows?: readonly string[];
  /** Signal gaps per scope (time when nothing could be observed). */
  readonly unobserved?: Readonly<Record<string, readonly Interval[]>>;
  /** ALB request samples per scope; absent means "not measured" (the request SLI is left out). */
  readonly requests?: Readonly<Record<string, readonly RequestSample[]>>;
  /** Probe samples per scope; absent means "not measured". */
  readonly probes?: Readonly<Record<string, readonly RequestSample[]>>;
  /**
   * Where request and probe samples end, when earlier than `nowMs` (CloudWatch publishes ALB
   * metrics a minute or two late, so the newest periods are left out rather than read as zero).
   * @default nowMs
   */
  readonly samplesEndMs?: number;
}

/** The figures of one scope over one window. */
export interface WindowFigures {
  readonly time: TimeFigures;
  readonly requests?: RequestFigures;
  readonly probes?: RequestFigures;
}

/** Burn rates of one SLI, by burn window name; `undefined` where the SLI had no data. */
export type BurnRates = Readonly<Record<string, number | undefined>>;

/** All figures of one scope. */
export interface ScopeReport {
  /** By reporting window name (`1h`, `1d`, …). */
  readonly windows: Readonly<Record<string, WindowFigures>>;
  /** Error budget over the SLO window, per SLI. */
  readonly budget: {
    readonly time: ErrorBudget;
    readonly requests?: ErrorBudget;
    readonly probes?: ErrorBudget;
  };
  /** Burn rates per SLI over the burn windows. */
  readonly burnRates: {
    readonly time: BurnRates;
    readonly requests?: BurnRates;
    readonly probes?: BurnRates;
  };
}

/** The availability report: the one result the function publishes, the CLI prints and drills use. */
export interface AvailabilityReport {
  readonly nowMs: number;
  readonly slo: number;
  readonly sloWindow: string;
  readonly windows: readonly string[];
  readonly burnWindows: readonly string[];
  readonly scopes: Readonly<Record<string, ScopeReport>>;
}

function samplesFigures(
  samples: readonly RequestSample[] | undefined,
  endMs: number,
  lengthMs: number,
): RequestFigures | undefined {
  return samples ? requestFigures(samples, windowEndingAt(endMs, lengthMs)) : undefined;
}

/**
 * Computes every figure for every scope and window. Pure: the same input always gives the same
 * report. Throws with the bad value on an invalid SLO or window name.
 */
export function computeReport(input: AvailabilityInput): AvailabilityReport {
  const slo = input.slo ?? DEFAULT_SLO;
  const sloWindow = input.sloWindow ?? `${DEFAULT_SLO_WINDOW_DAYS}d`;
  const windows = input.windows ?? REPORT_WINDOWS;
  const burnWindows = input.burnWindows ?? BURN_WINDOWS;
  const sloWindowMs = parseWindow(sloWindow);
  const samplesEnd = input.samplesEndMs ?? input.nowMs;
  errorBudget(undefined, slo); // validates the SLO up front, with the value in the message
  const scopes: Record<string, ScopeReport> = {};
  for (const scope of input.scopes) {
    const incidents = input.incidents.filter((i) => i.scope === scope);
    const gaps = input.unobserved?.[scope] ?? [];
    const requests = input.requests?.[scope];
    const probes = input.probes?.[scope];
    const time = (lengthMs: number) => timeFigures(incidents, windowEndingAt(input.nowMs, lengthMs), gaps);
    const byWindow: Record<string, WindowFigures> = {};
    for (const name of windows) {
      const lengthMs = parseWindow(name);
      byWindow[name] = {
        time: time(lengthMs),
        requests: samplesFigures(requests, samplesEnd, lengthMs),
        probes: samplesFigures(probes, samplesEnd, lengthMs),
      };
    }
    const burn = (samples: readonly RequestSample[] | undefined): BurnRates | undefined =>
      samples
        ? Object.fromEntries(
            burnWindows.map((w) => [
              w,
              burnRate(samplesFigures(samples, samplesEnd, parseWindow(w))?.errorRatio, slo),
            ]),
          )
        : undefined;
    const budgetOf = (samples: readonly RequestSample[] | undefined): ErrorBudget | undefined =>
      samples ? errorBudget(samplesFigures(samples, samplesEnd, sloWindowMs)?.errorRatio, slo) : undefined;
    scopes[scope] = {
      windows: byWindow,
      budget: {
        time: errorBudget(errorRatioOf(time(sloWindowMs).availability), slo),
        requests: budgetOf(requests),
        probes: budgetOf(probes),
      },
      burnRates: {
        time: Object.fromEntries(
          burnWindows.map((w) => [w, burnRate(errorRatioOf(time(parseWindow(w)).availability), slo)]),
        ),
        requests: burn(requests),
        probes: burn(probes),
      },
    };
  }
  return { nowMs: input.nowMs, slo, sloWindow, windows: [...windows], burnWindows: [...burnWindows], scopes };
}
