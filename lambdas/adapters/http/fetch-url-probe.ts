import type { UrlProbe, UrlProbeResult } from '../../ports/url-probe';

/**
 * The {@link UrlProbe} port over Node's `fetch`. A 5xx, a timeout or a network error is a failure;
 * any status below 500 is a success (a 404 still proves the path through the ALB works, and a
 * 4xx is the client's fault in the SLI too). `now` is injectable so latency is measured on one clock.
 */
export class FetchUrlProbe implements UrlProbe {
  constructor(private readonly now: () => number = () => performance.now()) {}

  async get(url: string, timeoutMs: number): Promise<UrlProbeResult> {
    const started = this.now();
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
        headers: { 'user-agent': 'bulkhead-availability-probe' },
      });
      await response.arrayBuffer(); // the body is part of the latency users see
      const latencyMs = this.now() - started;
      return { ok: response.status < 500, status: response.status, latencyMs };
    } catch (error) {
      const e = error as Error;
      const reason = e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : `${e.name}: ${e.message}`;
      return { ok: false, latencyMs: this.now() - started, error: reason };
    }
  }
}
