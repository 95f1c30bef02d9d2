/**
 * Retry with capped exponential backoff and full jitter, for AWS throttling and transient errors.
 * The failover functions build their SDK clients with `maxAttempts: 1` and retry here instead, so
 * the number of attempts is one documented figure and the behaviour is testable with a mocked client.
 */

/** Attempts in total, the first included, unless the caller says otherwise. */
export const DEFAULT_RETRY_ATTEMPTS = 5;

/** How to retry. */
export interface RetryOptions {
  /**
   * Attempts in total, the first included.
   * @default 5
   */
  readonly attempts?: number;
  /**
   * Backoff base: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs × 2^n)).
   * @default 200
   */
  readonly baseDelayMs?: number;
  /**
   * @default 5_000
   */
  readonly maxDelayMs?: number;
  /** Waits between attempts; tests pass a recorder. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Called before each wait, e.g. to log the retry. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
const TRANSIENT = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'ServerException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);

/** Is this error worth another attempt (throttling, 5xx, timeouts, dropped connections)? */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    name?: string;
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (e.name && (THROTTLING.has(e.name) || TRANSIENT.has(e.name))) return true;
  if (e.code && (THROTTLING.has(e.code) || TRANSIENT.has(e.code))) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500 && status <= 599);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `call`, retrying retryable errors; the last error is rethrown once attempts run out. */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? DEFAULT_RETRY_ATTEMPTS);
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5_000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      const delay = Math.floor(random() * Math.min(max, base * 2 ** attempt));
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
