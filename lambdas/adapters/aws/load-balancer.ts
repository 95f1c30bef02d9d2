import {
  type Action,
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancer, TargetGroupWeight, TargetHealth, TargetState } from '../../ports/load-balancer';
import { type RetryOptions, withRetry } from './retry';

/** The {@link LoadBalancer} port over the SDK v3 ELBv2 client, every call retried on throttling. */
export class AwsLoadBalancer implements LoadBalancer {
  constructor(
    private readonly client: ElasticLoadBalancingV2Client,
    private readonly retry: RetryOptions = {},
  ) {}

  private async defaultForward(listenerArn: string): Promise<Action | undefined> {
    const page = await withRetry(
      () => this.client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })),
      this.retry,
    );
    const listener = page.Listeners?.[0];
    if (!listener) throw new Error(`listener not found: ${listenerArn}`);
    return listener.DefaultActions?.find((a) => a.Type === 'forward');
  }

  async getListenerWeights(listenerArn: string): Promise<TargetGroupWeight[]> {
    const forward = await this.defaultForward(listenerArn);
    if (!forward) return [];
    const groups = forward.ForwardConfig?.TargetGroups;
    if (groups && groups.length > 0) {
      return groups.map((g) => ({ targetGroupArn: g.TargetGroupArn ?? '', weight: g.Weight ?? 1 }));
    }
    return forward.TargetGroupArn ? [{ targetGroupArn: forward.TargetGroupArn, weight: 1 }] : [];
  }

  /**
   * Writes the whole forward config: every target group with its weight. The existing target
   * group stickiness setting is read first and kept, so a weight change changes only weights.
   */
  async setListenerWeights(listenerArn: string, weights: readonly TargetGroupWeight[]): Promise<void> {
    const current = await this.defaultForward(listenerArn);
    const stickiness = current?.ForwardConfig?.TargetGroupStickinessConfig;
    await withRetry(
      () =>
        this.client.send(
          new ModifyListenerCommand({
            ListenerArn: listenerArn,
            DefaultActions: [
              {
                Type: 'forward',
                ForwardConfig: {
                  TargetGroups: weights.map((w) => ({ TargetGroupArn: w.targetGroupArn, Weight: w.weight })),
                  ...(stickiness ? { TargetGroupStickinessConfig: stickiness } : {}),
                },
              },
            ],
          }),
        ),
      this.retry,
    );
  }

  async describeTargetHealth(targetGroupArn: string): Promise<TargetHealth[]> {
    const page = await withRetry(
      () => this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
      this.retry,
    );
    return (page.TargetHealthDescriptions ?? []).map((d) => ({
      id: d.Target?.Id ?? '',
      port: d.Target?.Port ?? 0,
      availabilityZone: d.Target?.AvailabilityZone,
      state: (d.TargetHealth?.State ?? 'unavailable') as TargetState,
      reason: d.TargetHealth?.Reason,
    }));
  }
}
