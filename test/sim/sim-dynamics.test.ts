import type { EventBridgeEvent } from '../../lambdas/adapters/sim/aws-events';
import { SimEcs } from '../../lambdas/adapters/sim/sim-ecs';
import { SimLoadBalancer } from '../../lambdas/adapters/sim/sim-load-balancer';
import type { SimRegion } from '../../lambdas/adapters/sim/sim-region';
import { createCellTopology, createPlainEcsTopology } from '../../lambdas/adapters/sim/topology';

/** 3 tasks per AZ (up to 9) at 140 rps: the shape these tests' numbers are worked out for. */
const SHAPE = { tasksPerAz: 3, rps: 140, maxTasksPerCell: 9 };

function run(region: SimRegion, seconds: number, each?: (t: number) => void): void {
  for (let i = 0; i < seconds; i++) {
    region.tick();
    each?.(i + 1);
  }
}

function taskEvents(
  region: SimRegion,
  status: string,
): EventBridgeEvent<{ lastStatus: string; availabilityZone: string }>[] {
  return region.bus.published
    .map((p) => p.event as EventBridgeEvent<{ lastStatus: string; availabilityZone: string }>)
    .filter((e) => e['detail-type'] === 'ECS Task State Change' && e.detail.lastStatus === status);
}

describe('task lifecycle and health checks', () => {
  test('GIVEN a scale-up WHEN time passes THEN tasks run after 50–60 s and turn healthy after 2 × 5 s checks', async () => {
    const { region, cells } = createCellTopology({ seed: 7, ...SHAPE });
    const ecs = new SimEcs(region);
    const lb = new SimLoadBalancer(region);
    await ecs.updateService(region.clusterName, cells[0].serviceName, { desiredCount: 6 });
    const t0 = region.nowMs();
    const runningAt: number[] = [];
    const healthyAt = new Map<string, number>();
    const before = new Set((await lb.describeTargetHealth(cells[0].targetGroupArn)).map((t) => t.id));
    const seen = new Set<string>();
    for (let s = 0; s < 90; s++) {
      region.tick();
      for (const task of region.allTasks())
        if (task.lastStatus === 'RUNNING' && !seen.has(task.taskArn) && task.createdAtMs >= t0) {
          seen.add(task.taskArn);
          runningAt.push((region.nowMs() - task.createdAtMs) / 1000);
        }
      for (const t of await lb.describeTargetHealth(cells[0].targetGroupArn))
        if (t.state === 'healthy' && !before.has(t.id) && !healthyAt.has(t.id))
          healthyAt.set(t.id, region.nowMs());
    }
    expect(runningAt).toHaveLength(3);
    for (const s of runningAt) expect(s).toBeGreaterThanOrEqual(50);
    for (const s of runningAt) expect(s).toBeLessThanOrEqual(60);
    expect(healthyAt.size).toBe(3);
    for (const ms of healthyAt.values()) expect((ms - t0) / 1000).toBeLessThanOrEqual(60 + 10);
  });

  test('GIVEN an AZ outage in a cell WHEN 5 s × 2 checks fail THEN targets go unhealthy within ~10 s and ECS stops the tasks', () => {
    const { region, cells } = createCellTopology({ seed: 3, ...SHAPE });
    region.setAzFault('us-east-1a', { kind: 'outage' });
    let firstUnhealthy: number | undefined;
    run(region, 30, (t) => {
      if (
        firstUnhealthy === undefined &&
        region.targetHealth(cells[0].targetGroupArn).some((x) => x.state !== 'healthy')
      )
        firstUnhealthy = t;
    });
    expect(firstUnhealthy).toBeGreaterThanOrEqual(6);
    expect(firstUnhealthy).toBeLessThanOrEqual(10);
    const stopped = region
      .allTasks()
      .filter((t) => t.availabilityZone === 'us-east-1a' && t.desiredStatus === 'STOPPED');
    expect(stopped.filter((t) => /Task failed ELB health checks/.test(t.stoppedReason ?? ''))).toHaveLength(
      3,
    );
    // ECS relaunches in the same AZ (a cell is pinned to it), and those launches fail.
    expect(stopped.filter((t) => t.stopCode === 'TaskFailedToStart').length).toBeGreaterThan(0);
  });

  test('GIVEN the baseline (ALB defaults 30 s, 2/5) WHEN an AZ fails THEN detection takes 30–60 s and replacements go to other AZs', () => {
    const { region, cells } = createPlainEcsTopology({ seed: 3, ...SHAPE });
    region.setAzFault('us-east-1a', { kind: 'outage' });
    let firstUnhealthy: number | undefined;
    run(region, 240, (t) => {
      if (
        firstUnhealthy === undefined &&
        region.targetHealth(cells[0].targetGroupArn).some((x) => x.state !== 'healthy')
      )
        firstUnhealthy = t;
    });
    expect(firstUnhealthy).toBeGreaterThan(30);
    expect(firstUnhealthy).toBeLessThanOrEqual(60);
    const running = region.allTasks().filter((t) => t.lastStatus === 'RUNNING');
    expect(running).toHaveLength(9);
    expect(running.filter((t) => t.availabilityZone === 'us-east-1a')).toHaveLength(0);
  });

  test('GIVEN a cell whose AZ is down WHEN ECS keeps relaunching THEN it backs off, doubling up to 27 min', () => {
    const { region } = createCellTopology({ seed: 5, ...SHAPE });
    region.setAzFault('us-east-1a', { kind: 'outage' });
    run(region, 4 * 3600);
    const launches = taskEvents(region, 'PROVISIONING')
      .filter((e) => e.detail.availabilityZone === 'us-east-1a')
      .map((e) => Date.parse(e.time) / 1000);
    const batches = [...new Set(launches)];
    const gaps = batches.slice(1).map((t, i) => t - batches[i]);
    // Each failed launch fails 10 s in, then waits 10, 20, 40, … s, capped at 1620 s.
    const tail = gaps.slice(2);
    for (let i = 1; i < tail.length; i++) expect(tail[i]).toBeGreaterThanOrEqual(tail[i - 1]);
    expect(Math.max(...gaps)).toBe(27 * 60 + 10);
    expect(gaps.slice(-3)).toEqual([1630, 1630, 1630]);
    expect(batches.length).toBeLessThan(20);
  });
});

describe('traffic model', () => {
  test('GIVEN weights 0/100/100 WHEN traffic flows THEN the drained AZ gets none and the rest split evenly', async () => {
    const { region, cells, listenerArn } = createCellTopology({ seed: 11, ...SHAPE });
    await new SimLoadBalancer(region).setListenerWeights(listenerArn, [
      { targetGroupArn: cells[0].targetGroupArn, weight: 0 },
      { targetGroupArn: cells[1].targetGroupArn, weight: 100 },
      { targetGroupArn: cells[2].targetGroupArn, weight: 100 },
    ]);
    const totals: Record<string, number> = {};
    run(region, 60, () => {
      for (const [az, v] of Object.entries(region.lastTraffic?.perAz ?? {}))
        totals[az] = (totals[az] ?? 0) + v.requests;
    });
    expect(totals['us-east-1a'] ?? 0).toBe(0);
    expect(Math.abs(totals['us-east-1b'] - totals['us-east-1c'])).toBeLessThanOrEqual(1);
    expect(totals['us-east-1b'] + totals['us-east-1c']).toBeGreaterThan(140 * 60 * 0.95);
  });

  test('GIVEN a cell with every target unhealthy WHEN weights still route to it THEN ALB fails open and those requests fail', () => {
    const { region } = createCellTopology({ seed: 2, ...SHAPE });
    region.setAzFault('us-east-1b', { kind: 'outage' });
    run(region, 20);
    const tick = region.lastTraffic?.perAz['us-east-1b'];
    expect(tick?.requests).toBeGreaterThan(0);
    expect(tick?.failed).toBe(tick?.requests);
  });

  test('GIVEN a gray failure of 30% WHEN traffic flows THEN its targets answer 30% 5xx, flapping health checks add more, and the others are clean', () => {
    const { region, cells } = createCellTopology({ seed: 4, ...SHAPE });
    region.setAzFault('us-east-1c', { kind: 'gray', errorRate: 0.3, addedLatencyMs: 0 });
    const sum: Record<string, { r: number; f: number }> = {};
    run(region, 120, () => {
      for (const [az, v] of Object.entries(region.lastTraffic?.perAz ?? {})) {
        sum[az] = sum[az] ?? { r: 0, f: 0 };
        sum[az].r += v.requests;
        sum[az].f += v.failed;
      }
    });
    const dims = {
      TargetGroup: region.targetGroupDimension(cells[2].targetGroupArn),
      LoadBalancer: region.loadBalancer,
    };
    const sumOf = (metricName: string) =>
      region.metrics
        .query(
          {
            id: 'x',
            namespace: 'AWS/ApplicationELB',
            metricName,
            dimensions: dims,
            stat: 'Sum',
            periodSeconds: 60,
          },
          0,
          region.nowMs(),
        )
        .reduce((a, p) => a + p.value, 0);
    const target5xx = sumOf('HTTPCode_Target_5XX_Count');
    const target2xx = sumOf('HTTPCode_Target_2XX_Count');
    expect(target5xx / (target5xx + target2xx)).toBeCloseTo(0.3, 1);
    // 30% failed checks flip targets unhealthy (2 in a row) often; ECS replaces them, so the AZ loses capacity too.
    expect(sum['us-east-1c'].f / sum['us-east-1c'].r).toBeGreaterThanOrEqual(
      target5xx / (target5xx + target2xx) - 0.02,
    );
    expect(sum['us-east-1a'].f).toBe(0);
  });

  test('GIVEN two of three cells stopped WHEN all traffic lands on one THEN it saturates at 25 rps per task', async () => {
    const { region, cells, listenerArn } = createCellTopology({ seed: 4, ...SHAPE });
    await new SimLoadBalancer(region).setListenerWeights(listenerArn, [
      { targetGroupArn: cells[0].targetGroupArn, weight: 1 },
      { targetGroupArn: cells[1].targetGroupArn, weight: 0 },
      { targetGroupArn: cells[2].targetGroupArn, weight: 0 },
    ]);
    run(region, 5);
    const a = region.lastTraffic?.perAz['us-east-1a'];
    expect(a?.requests).toBeGreaterThanOrEqual(139);
    expect(a?.failed).toBe((a?.requests ?? 0) - 75);
  });
});

describe('metrics and alarms', () => {
  test('GIVEN ALB traffic WHEN a minute ends THEN its datapoint appears, not before; zero 5xx counts are absent', async () => {
    const { region, cells } = createCellTopology({ seed: 9, ...SHAPE });
    const q = {
      id: 'r',
      namespace: 'AWS/ApplicationELB',
      metricName: 'RequestCount',
      dimensions: {
        TargetGroup: region.targetGroupDimension(cells[0].targetGroupArn),
        LoadBalancer: region.loadBalancer,
      },
      stat: 'Sum' as const,
      periodSeconds: 60,
    };
    const start = region.nowMs();
    run(region, 59);
    expect(region.metrics.query(q, start, region.nowMs() + 60_000)).toEqual([]);
    run(region, 1);
    const [point] = region.metrics.query(q, start, region.nowMs());
    expect(point.timestampMs).toBe(start);
    expect(point.value).toBeGreaterThan(140 * 20 * 0.9);
    expect(
      region.metrics.query({ ...q, metricName: 'HTTPCode_Target_5XX_Count' }, start, region.nowMs()),
    ).toEqual([]);
  });

  test('GIVEN an alarm needing 2 of 3 datapoints WHEN 5xx starts THEN ALARM fires at the 2nd breaching minute, with an event', () => {
    const { region, cells } = createCellTopology({ seed: 9, ...SHAPE });
    const dims = {
      TargetGroup: region.targetGroupDimension(cells[1].targetGroupArn),
      LoadBalancer: region.loadBalancer,
    };
    region.addAlarm({
      name: 'bulkhead-az-b-5xx',
      periodS: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 50,
      comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      value: (m, start, period) =>
        m.query(
          {
            id: 'e',
            namespace: 'AWS/ApplicationELB',
            metricName: 'HTTPCode_Target_5XX_Count',
            dimensions: dims,
            stat: 'Sum',
            periodSeconds: period,
          },
          start,
          start + period * 1000,
        )[0]?.value,
    });
    region.addRule('alarms', 'zone-shifter', (e) => e.source === 'aws.cloudwatch');
    const t0 = region.nowMs();
    region.setAzFault('us-east-1b', { kind: 'gray', errorRate: 0.5, addedLatencyMs: 0 });
    run(region, 180);
    const changes = region.bus.published.filter((p) => p.event.source === 'aws.cloudwatch');
    expect(changes.map((c) => (c.event.detail as { state: { value: string } }).state.value)).toEqual([
      'OK',
      'ALARM',
    ]);
    expect((changes[1].timeMs - t0) / 1000).toBe(120);
    const delivered = region.bus
      .takeDue(region.nowMs() + 5000)
      .filter((d) => d.event.source === 'aws.cloudwatch');
    expect(delivered).toHaveLength(2);
    expect(delivered[1].target).toBe('zone-shifter');
  });

  test('GIVEN a duplicate rate of 1 WHEN an event is put THEN each target receives it twice', () => {
    const { region } = createCellTopology({ seed: 1, ...SHAPE });
    region.bus.policy = { latencyS: [0, 1], duplicateRate: 1, jitterS: [0, 30] };
    region.addRule('sched', 'zone-shifter', (e) => e['detail-type'] === 'Scheduled Event');
    region.putScheduledEvent('tick');
    const due = region.bus.takeDue(region.nowMs() + 60_000);
    expect(due).toHaveLength(2);
    expect(due[0].event.id).toBe(due[1].event.id);
    expect(due.filter((d) => d.duplicate)).toHaveLength(1);
  });
});

describe('the ECS scheduler with bad task definitions', () => {
  test('GIVEN a crash loop after the deployment completed WHEN it starts THEN the circuit breaker stays out and ECS throttles', async () => {
    const { region, cells, taskDefinitions } = createCellTopology({ seed: 8, ...SHAPE });
    region.setTaskDefinitionBehaviour(taskDefinitions.current, {
      crash: { fromMs: region.nowMs() + 10_000, afterStartS: 0 },
    });
    run(region, 3600);
    const [svc] = region.describeServices([cells[0].serviceName]);
    expect(svc.runningCount).toBe(0);
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments[0]).toMatchObject({
      rolloutState: 'COMPLETED',
      taskDefinition: taskDefinitions.current,
    });
    const failedStarts = taskEvents(region, 'STOPPED').filter(
      (e) =>
        e.detail.availabilityZone === cells[0].az &&
        (e.detail as unknown as { stopCode: string }).stopCode === 'EssentialContainerExited',
    );
    // 10 s, 20 s, … doubling: an hour holds only a handful of attempts per task slot.
    expect(failedStarts.length).toBeLessThan(40);
    expect(failedStarts.length).toBeGreaterThan(9);
  });

  test('GIVEN a bad revision deployed WHEN its tasks fail to start THEN the circuit breaker fails it and rolls back', async () => {
    const { region, cells, taskDefinitions } = createCellTopology({ seed: 8, ...SHAPE });
    const bad = region.registerTaskDefinition('web', { crash: { fromMs: 0, afterStartS: 0 } });
    await new SimEcs(region).updateService(region.clusterName, cells[0].serviceName, { taskDefinition: bad });
    run(region, 600);
    const [svc] = region.describeServices([cells[0].serviceName]);
    expect(svc.taskDefinition).toBe(taskDefinitions.current);
    expect(svc.runningCount).toBe(3);
    const stopped = taskEvents(region, 'STOPPED').filter(
      (e) => (e.detail as unknown as { taskDefinitionArn: string }).taskDefinitionArn === bad,
    );
    expect(stopped.length).toBeGreaterThanOrEqual(3);
  });

  test('GIVEN lost capacity in an AZ WHEN ECS launches there THEN the tasks hang in PENDING', async () => {
    const { region, cells } = createCellTopology({ seed: 8, ...SHAPE });
    region.setAzFault('us-east-1a', { kind: 'no-capacity' });
    await new SimEcs(region).updateService(region.clusterName, cells[0].serviceName, { desiredCount: 5 });
    run(region, 900);
    const [svc] = region.describeServices([cells[0].serviceName]);
    expect(svc).toMatchObject({ runningCount: 3, pendingCount: 2 });
  });
});
