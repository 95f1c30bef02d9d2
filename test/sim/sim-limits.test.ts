import { SimEcs } from '../../lambdas/adapters/sim/sim-ecs';
import { SimLoadBalancer } from '../../lambdas/adapters/sim/sim-load-balancer';
import { createCellTopology } from '../../lambdas/adapters/sim/topology';

/** 3 tasks per AZ (up to 9) at 140 rps: the shape these tests' numbers are worked out for. */
const SHAPE = { tasksPerAz: 3, rps: 140, maxTasksPerCell: 9 };

function setup() {
  const topo = createCellTopology({ seed: 1, ...SHAPE });
  const ecs = new SimEcs(topo.region);
  const lb = new SimLoadBalancer(topo.region);
  const [a, b, c] = topo.cells.map((x) => x.targetGroupArn);
  return { topo, ecs, lb, a, b, c, cluster: topo.region.clusterName };
}

describe('simulated ELBv2 enforces ModifyListener limits', () => {
  const { topo, lb, a, b, c } = setup();
  const ok = [
    { targetGroupArn: a, weight: 0 },
    { targetGroupArn: b, weight: 999 },
    { targetGroupArn: c, weight: 1 },
  ];

  test('GIVEN weights at the bounds 0 and 999 WHEN set THEN the listener holds them', async () => {
    await lb.setListenerWeights(topo.listenerArn, ok);
    expect(await lb.getListenerWeights(topo.listenerArn)).toEqual(ok);
  });

  test.each([
    ['a weight above 999', [{ targetGroupArn: a, weight: 1000 }], /between 0 and 999, got 1000/],
    ['a negative weight', [{ targetGroupArn: a, weight: -1 }], /between 0 and 999, got -1/],
    ['a fractional weight', [{ targetGroupArn: a, weight: 1.5 }], /got 1.5/],
    [
      'every weight zero',
      [
        { targetGroupArn: a, weight: 0 },
        { targetGroupArn: b, weight: 0 },
      ],
      /non-zero weight/,
    ],
    ['no target group', [], /at least one target group/],
    [
      'six target groups',
      Array.from({ length: 6 }, () => ({ targetGroupArn: a, weight: 1 })),
      /at most 5 target groups, got 6/,
    ],
    ['an unknown target group', [{ targetGroupArn: `${a}x`, weight: 1 }], /target groups not found/],
    [
      'a target group twice',
      [
        { targetGroupArn: a, weight: 1 },
        { targetGroupArn: a, weight: 1 },
      ],
      /more than once/,
    ],
  ])(
    'GIVEN %s WHEN ModifyListener THEN it is rejected and nothing changes',
    async (_name, weights, message) => {
      const before = await lb.getListenerWeights(topo.listenerArn);
      await expect(lb.setListenerWeights(topo.listenerArn, weights)).rejects.toThrow(message);
      expect(await lb.getListenerWeights(topo.listenerArn)).toEqual(before);
      expect(topo.region.apiCalls.at(-1)).toMatchObject({ api: 'ModifyListener', ok: false });
    },
  );

  test('GIVEN an unknown listener WHEN read THEN ListenerNotFoundException', async () => {
    await expect(lb.getListenerWeights('arn:nope')).rejects.toMatchObject({
      name: 'ListenerNotFoundException',
    });
  });
});

describe('simulated ECS enforces its API rules', () => {
  test.each([
    [-1, /between 0 and 9, got -1/],
    [10, /between 0 and 9, got 10/],
    [2.5, /got 2.5/],
  ])('GIVEN desired count %p WHEN UpdateService THEN InvalidParameterException', async (n, message) => {
    const { ecs, topo, cluster } = setup();
    const name = topo.cells[0].serviceName;
    await expect(ecs.updateService(cluster, name, { desiredCount: n })).rejects.toThrow(message);
    expect((await ecs.describeServices(cluster, [name]))[0].desiredCount).toBe(3);
  });

  test('GIVEN a desired count within bounds WHEN UpdateService THEN ECS launches the difference', async () => {
    const { ecs, topo, cluster } = setup();
    const name = topo.cells[0].serviceName;
    await ecs.updateService(cluster, name, { desiredCount: 5 });
    topo.region.tick();
    const [svc] = await ecs.describeServices(cluster, [name]);
    expect(svc).toMatchObject({ desiredCount: 5, runningCount: 3, pendingCount: 2 });
  });

  test('GIVEN an unknown task WHEN StopTask THEN "task was not found" and the call is logged as failed', async () => {
    const { ecs, topo, cluster } = setup();
    const bogus = `arn:aws:ecs:us-east-1:111111111111:task/${cluster}/deadbeef`;
    await expect(ecs.stopTask(cluster, bogus, 'test')).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The referenced task was not found.',
    });
    expect(topo.region.apiCalls).toEqual([expect.objectContaining({ api: 'StopTask', ok: false })]);
  });

  test('GIVEN a known task WHEN StopTask THEN it drains then stops, and ECS replaces it', async () => {
    const { ecs, topo, cluster } = setup();
    const name = topo.cells[0].serviceName;
    const [arn] = await ecs.listTasks(cluster, name, 'RUNNING');
    await ecs.stopTask(cluster, arn, 'bulkhead:test');
    expect((await ecs.describeTasks(cluster, [arn]))[0]).toMatchObject({
      lastStatus: 'DEACTIVATING',
      desiredStatus: 'STOPPED',
    });
    for (let i = 0; i < 40; i++) topo.region.tick();
    expect((await ecs.describeTasks(cluster, [arn]))[0]).toMatchObject({
      lastStatus: 'STOPPED',
      stoppedReason: 'bulkhead:test',
    });
    expect(await ecs.listTasks(cluster, name, 'RUNNING')).toHaveLength(3);
    expect(await ecs.listTasks(cluster, name, 'STOPPED')).toEqual([arn]);
  });

  test('GIVEN an unregistered task definition WHEN UpdateService THEN ClientException', async () => {
    const { ecs, topo, cluster } = setup();
    await expect(
      ecs.updateService(cluster, topo.cells[0].serviceName, { taskDefinition: 'web:99' }),
    ).rejects.toMatchObject({
      name: 'ClientException',
    });
  });

  test('GIVEN another cluster WHEN any call THEN ClusterNotFoundException', async () => {
    const { ecs } = setup();
    await expect(ecs.describeServices('other', ['x'])).rejects.toMatchObject({
      name: 'ClusterNotFoundException',
    });
  });

  test('GIVEN a throttle rate of 1 WHEN called THEN ThrottlingException', async () => {
    const { topo, cluster } = setup();
    const ecs = new SimEcs(topo.region, { throttleRate: 1, rng: topo.region.stream('throttle') });
    await expect(ecs.describeServices(cluster, [])).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
