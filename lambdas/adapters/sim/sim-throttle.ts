import { DEFAULT_RETRY_ATTEMPTS } from '../aws/retry';
import type { SimApiOptions } from './sim-ecs';

/**
 * Draws the scenario's throttling for one API call as the AWS adapters meet it: every attempt is
 * throttled with the scenario's rate, and the adapters retry throttling up to
 * {@link DEFAULT_RETRY_ATTEMPTS} attempts (`withRetry` in lambdas/adapters/aws/retry.ts), so the
 * call fails only when every attempt is throttled. Each throttled attempt is reported through
 * `onThrottled` (the region's API-call log). The backoff between attempts (at most about 6 s in
 * total) is not simulated: the handler's call completes within the same simulated second.
 * Returns true when the call fails.
 */
export function throttledAfterRetries(options: SimApiOptions, onThrottled: () => void): boolean {
  const { rng, throttleRate } = options;
  if (!rng || !throttleRate) return false;
  for (let attempt = 1; attempt <= DEFAULT_RETRY_ATTEMPTS; attempt++) {
    if (!rng.chance(throttleRate)) return false;
    onThrottled();
  }
  return true;
}
