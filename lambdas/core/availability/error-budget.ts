/** The default SLO: 99.9 % over 30 days. */
export const DEFAULT_SLO = 0.999;
/** The default SLO window, in days. */
export const DEFAULT_SLO_WINDOW_DAYS = 30;

/** Throws with the value received unless `slo` is a fraction strictly between 0 and 1. */
export function assertSlo(slo: number): void {
  if (!(Number.isFinite(slo) && slo > 0 && slo < 1)) {
    throw new Error(`invalid SLO ${slo}: expected a fraction strictly between 0 and 1, e.g. 0.999 for 99.9%`);
  }
}

/**
 * Burn rate: how fast the error budget is being spent, relative to spending exactly all of it over
 * the SLO window. `burnRate = errorRatio / (1 - slo)`; 1 means "on track to spend exactly the
 * budget", 14.4 over 1 h means 2 % of a 30-day budget gone in that hour. `undefined` when the
 * error ratio is undefined (no traffic).
 */
export function burnRate(errorRatio: number | undefined, slo: number): number | undefined {
  assertSlo(slo);
  return errorRatio === undefined ? undefined : errorRatio / (1 - slo);
}

/**
 * The error budget over the SLO window, from the error ratio measured over that same window:
 * `consumed = errorRatio / (1 - slo)` (the burn rate over the whole SLO window) and
 * `remaining = 1 - consumed`. Remaining is negative once the budget is overspent, which is exactly
 * when the SLI is below the SLO; it is reported as is, not clamped, so an overspend stays visible.
 */
export interface ErrorBudget {
  readonly slo: number;
  /** The allowed error ratio, `1 - slo`. */
  readonly allowedErrorRatio: number;
  /** Fraction of the budget spent; `undefined` without data. */
  readonly consumed: number | undefined;
  /** Fraction of the budget left (1 = untouched, 0 = spent, < 0 = overspent); `undefined` without data. */
  readonly remaining: number | undefined;
}

/** Error budget from the error ratio over the SLO window (time- or request-based). */
export function errorBudget(errorRatio: number | undefined, slo: number = DEFAULT_SLO): ErrorBudget {
  const consumed = burnRate(errorRatio, slo);
  return {
    slo,
    allowedErrorRatio: 1 - slo,
    consumed,
    remaining: consumed === undefined ? undefined : 1 - consumed,
  };
}

/** The error ratio that matches an availability figure (`1 - availability`), keeping "no data" as is. */
export function errorRatioOf(availability: number | undefined): number | undefined {
  return availability === undefined ? undefined : 1 - availability;
}
