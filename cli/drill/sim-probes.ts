import type { Prng } from '../../lambdas/adapters/sim/prng';
import type { SimRegion } from '../../lambdas/adapters/sim/sim-region';
import type { Topology } from '../../lambdas/adapters/sim/topology';
import type { HttpProbe, ProbeResult } from '../../lambdas/ports/http-probe';
import type { UrlProbe, UrlProbeResult } from '../../lambdas/ports/url-probe';

/** The zonal prober's {@link HttpProbe} in the simulated region: a GET to one target from inside the VPC. */
export class SimHttpProbe implements HttpProbe {
  constructor(
    private readonly region: SimRegion,
    private readonly rng: Prng,
  ) {}

  async probe(ip: string, port: number, _path: string, timeoutMs: number): Promise<ProbeResult> {
    const { statusCode, latencyMs } = this.region.probe(ip, port, this.rng);
    if (statusCode === 0)
      return { ok: false, latencyMs: Math.min(latencyMs, timeoutMs), error: 'connect failed' };
    if (latencyMs > timeoutMs) return { ok: false, latencyMs: timeoutMs, error: 'timeout' };
    return { ok: statusCode < 400, status: statusCode, latencyMs };
  }
}

/**
 * The availability function's end-to-end {@link UrlProbe} in the simulated region: one request
 * through the listener, routed by its weights to a healthy target (or, failing open, any).
 */
export class SimUrlProbe implements UrlProbe {
  constructor(
    private readonly topology: Topology,
    private readonly rng: Prng,
  ) {}

  async get(_url: string, timeoutMs: number): Promise<UrlProbeResult> {
    const { region, listenerArn } = this.topology;
    const weights = region.listenerWeights(listenerArn);
    const total = weights.reduce((a, w) => a + w.weight, 0);
    let pick = this.rng.next() * total;
    let chosen = weights[weights.length - 1];
    for (const w of weights) {
      pick -= w.weight;
      if (pick < 0) {
        chosen = w;
        break;
      }
    }
    const targets = region.targetHealth(chosen.targetGroupArn).filter((t) => t.state !== 'draining');
    const healthy = targets.filter((t) => t.state === 'healthy');
    const pool = healthy.length > 0 ? healthy : targets.filter((t) => t.state !== 'initial');
    if (pool.length === 0) return { ok: false, status: 503, latencyMs: 1 };
    const target = pool[Math.floor(this.rng.next() * pool.length)];
    const { statusCode, latencyMs } = region.probe(target.id, target.port, this.rng);
    if (statusCode === 0) return { ok: false, status: 502, latencyMs: Math.min(latencyMs, timeoutMs) };
    if (latencyMs > timeoutMs) return { ok: false, latencyMs: timeoutMs, error: 'timeout' };
    return { ok: statusCode < 500, status: statusCode, latencyMs };
  }
}
