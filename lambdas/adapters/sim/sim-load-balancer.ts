import type { LoadBalancer, TargetGroupWeight, TargetHealth } from '../../ports/load-balancer';
import { elbValidation, SimAwsError, throttling } from './errors';
import type { SimApiOptions } from './sim-ecs';
import type { SimRegion } from './sim-region';
import { throttledAfterRetries } from './sim-throttle';
import { ALB_LIMITS } from './timing';

/**
 * The {@link LoadBalancer} port over the simulated region, enforcing ModifyListener's rules for a
 * weighted forward action: 1–5 target groups, each known and listed once, integer weights 0–999, and
 * at least one non-zero weight.
 */
export class SimLoadBalancer implements LoadBalancer {
  constructor(
    private readonly region: SimRegion,
    private readonly options: SimApiOptions = {},
  ) {}

  private throttle(api: string, target: string): void {
    const record = () => this.region.recordCall({ api, target, params: {}, ok: false, error: 'Throttling' });
    if (throttledAfterRetries(this.options, record)) throw throttling(api);
  }

  async getListenerWeights(listenerArn: string): Promise<TargetGroupWeight[]> {
    this.throttle('DescribeListeners', listenerArn);
    if (!this.region.hasListener(listenerArn))
      throw new SimAwsError('ListenerNotFoundException', `One or more listeners not found: ${listenerArn}`);
    return this.region.listenerWeights(listenerArn);
  }

  async setListenerWeights(listenerArn: string, weights: readonly TargetGroupWeight[]): Promise<void> {
    this.throttle('ModifyListener', listenerArn);
    const params = { weights: weights.map((w) => ({ ...w })) };
    const fail = (message: string, name = 'ValidationError'): never => {
      this.region.recordCall({
        api: 'ModifyListener',
        target: listenerArn,
        params,
        ok: false,
        error: message,
      });
      throw name === 'ValidationError' ? elbValidation(message) : new SimAwsError(name, message);
    };
    if (!this.region.hasListener(listenerArn))
      fail(`One or more listeners not found: ${listenerArn}`, 'ListenerNotFoundException');
    if (weights.length === 0) fail('A forward action must have at least one target group');
    if (weights.length > ALB_LIMITS.maxTargetGroupsPerForward)
      fail(
        `A forward action can have at most ${ALB_LIMITS.maxTargetGroupsPerForward} target groups, got ${weights.length}`,
        'TooManyTargetGroupsException',
      );
    const seen = new Set<string>();
    for (const w of weights) {
      if (!this.region.hasTargetGroup(w.targetGroupArn))
        fail(`One or more target groups not found: ${w.targetGroupArn}`, 'TargetGroupNotFoundException');
      if (seen.has(w.targetGroupArn)) fail(`Target group ${w.targetGroupArn} is listed more than once`);
      seen.add(w.targetGroupArn);
      if (!Number.isInteger(w.weight) || w.weight < ALB_LIMITS.minWeight || w.weight > ALB_LIMITS.maxWeight)
        fail(
          `Weight must be an integer between ${ALB_LIMITS.minWeight} and ${ALB_LIMITS.maxWeight}, got ${w.weight} for ${w.targetGroupArn}`,
        );
    }
    if (weights.every((w) => w.weight === 0)) fail('At least one target group must have a non-zero weight');
    this.region.setListenerWeights(listenerArn, weights);
    this.region.recordCall({ api: 'ModifyListener', target: listenerArn, params, ok: true });
  }

  async describeTargetHealth(targetGroupArn: string): Promise<TargetHealth[]> {
    this.throttle('DescribeTargetHealth', targetGroupArn);
    if (!this.region.hasTargetGroup(targetGroupArn))
      throw new SimAwsError(
        'TargetGroupNotFoundException',
        `One or more target groups not found: ${targetGroupArn}`,
      );
    return this.region.targetHealth(targetGroupArn);
  }
}
