import * as http from 'node:http';
import type { HttpProbe, ProbeResult } from '../../ports/http-probe';

/** {@link HttpProbe} over node:http: one GET, no keep-alive, timed out by a socket timer. */
export class NodeHttpProbe implements HttpProbe {
  probe(ip: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise((resolve) => {
      let settled = false;
      const done = (result: ProbeResult) => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const request = http.get(
        {
          host: ip,
          port,
          path,
          agent: false,
          timeout: timeoutMs,
          headers: { 'user-agent': 'bulkhead-prober' },
        },
        (response) => {
          const status = response.statusCode ?? 0;
          response.resume();
          response.on('end', () => done({ ok: status >= 200 && status < 400, status, latencyMs: elapsed() }));
          response.on('error', (error) =>
            done({ ok: false, status, latencyMs: elapsed(), error: error.message }),
          );
        },
      );
      const timer = setTimeout(() => {
        request.destroy(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      request.on('close', () => clearTimeout(timer));
      request.on('timeout', () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      request.on('error', (error) => done({ ok: false, latencyMs: elapsed(), error: error.message }));
    });
  }
}
