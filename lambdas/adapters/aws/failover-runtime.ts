import type { RetryOptions } from './retry';
import { logger } from './telemetry';

/**
 * The SDK's own retries are off (one attempt per send) so that {@link FAILOVER_RETRY} is the one
 * retry policy: 5 attempts, full-jitter backoff from 200 ms, capped at 5 s, each retry logged.
 */
export const SDK_CONFIG = { maxAttempts: 1 } as const;

/** Retry policy of the failover functions' AWS calls. */
export const FAILOVER_RETRY: RetryOptions = {
  attempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  onRetry: (error, attempt, delayMs) =>
    logger.warn('AWS call retried', {
      attempt,
      delayMs,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    }),
};
