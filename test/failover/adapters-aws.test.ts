import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsEcs } from '../../lambdas/adapters/aws/ecs';
import { AwsLoadBalancer } from '../../lambdas/adapters/aws/load-balancer';
import { isRetryable, withRetry } from '../../lambdas/adapters/aws/retry';
import { LISTENER_ARN, tgArn } from './fixtures';

const ecsMock = mockClient(ECSClient);
const elbMock = mockClient(ElasticLoadBalancingV2Client);
const noWait = { sleep: async () => {} };

beforeEach(() => {
  ecsMock.reset();
  elbMock.reset();
});

describe('retry', () => {
  test.each([
    [{ name: 'ThrottlingException' }, true],
    [{ name: 'TooManyRequestsException' }, true],
    [{ name: 'Whatever', $metadata: { httpStatusCode: 503 } }, true],
    [{ name: 'Whatever', $metadata: { httpStatusCode: 429 } }, true],
    [{ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }, false],
    [{ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } }, false],
    ['a string', false],
  ])('GIVEN %j WHEN classified THEN retryable is %s', (error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });

  test('GIVEN throttling then success WHEN retried THEN waits grow with the attempt and stay under the cap', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw { name: 'ThrottlingException' };
        return 'ok';
      },
      { sleep: async (ms) => void waits.push(ms), random: () => 0.999, baseDelayMs: 100, maxDelayMs: 500 },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([199, 399, 499]);
  });

  test('GIVEN a non-retryable error WHEN called THEN it fails at once', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      }, noWait),
    ).rejects.toThrow('denied');
    expect(calls).toBe(1);
  });
});

describe('AwsEcs', () => {
  test('GIVEN paged task lists and >100 tasks WHEN read THEN every page is followed and DescribeTasks is chunked', async () => {
    ecsMock
      .on(ListTasksCommand)
      .resolvesOnce({ taskArns: Array.from({ length: 100 }, (_, i) => `t${i}`), nextToken: 'n' })
      .resolvesOnce({ taskArns: ['t100'] });
    ecsMock.on(DescribeTasksCommand).callsFake(async (input) => ({
      tasks: input.tasks.map((arn: string) => ({
        taskArn: arn,
        lastStatus: 'RUNNING',
        desiredStatus: 'RUNNING',
        availabilityZone: 'us-east-1a',
        createdAt: new Date(1000),
        attachments: [
          { type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: '10.0.0.9' }] },
        ],
      })),
    }));
    const ecs = new AwsEcs(new ECSClient({}), noWait);
    const arns = await ecs.listTasks('c', 's', 'RUNNING');
    expect(arns).toHaveLength(101);
    const tasks = await ecs.describeTasks('c', arns);
    expect(ecsMock).toHaveReceivedCommandTimes(DescribeTasksCommand, 2);
    expect(tasks[100]).toMatchObject({
      taskArn: 't100',
      privateIp: '10.0.0.9',
      createdAtMs: 1000,
      availabilityZone: 'us-east-1a',
    });
  });

  test('GIVEN a service WHEN described THEN deployments and minimum healthy percent are mapped', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'cell-a',
          desiredCount: 4,
          runningCount: 3,
          deploymentConfiguration: { minimumHealthyPercent: 100 },
          deployments: [
            {
              id: 'd',
              status: 'PRIMARY',
              rolloutState: 'COMPLETED',
              taskDefinition: 'td',
              createdAt: new Date(5),
              updatedAt: new Date(9),
              failedTasks: 2,
            },
          ],
        },
      ],
    });
    const [s] = await new AwsEcs(new ECSClient({}), noWait).describeServices('c', ['cell-a']);
    expect(s).toMatchObject({
      desiredCount: 4,
      runningCount: 3,
      minimumHealthyPercent: 100,
      deployments: [{ rolloutState: 'COMPLETED', createdAtMs: 5, updatedAtMs: 9, failedTasks: 2 }],
    });
  });
});

describe('AwsLoadBalancer', () => {
  test('GIVEN a plain forward to one target group WHEN weights are read THEN that group at weight 1', async () => {
    elbMock.on(DescribeListenersCommand).resolves({
      Listeners: [{ DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn('us-east-1a') }] }],
    });
    expect(
      await new AwsLoadBalancer(new ElasticLoadBalancingV2Client({}), noWait).getListenerWeights(
        LISTENER_ARN,
      ),
    ).toEqual([{ targetGroupArn: tgArn('us-east-1a'), weight: 1 }]);
  });

  test('GIVEN a missing listener WHEN weights are read THEN a clear error', async () => {
    elbMock.on(DescribeListenersCommand).resolves({ Listeners: [] });
    await expect(
      new AwsLoadBalancer(new ElasticLoadBalancingV2Client({}), noWait).getListenerWeights(LISTENER_ARN),
    ).rejects.toThrow(/listener not found/);
  });

  test('GIVEN target health WHEN described THEN ids, ports and states are mapped', async () => {
    elbMock.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        {
          Target: { Id: '10.0.0.1', Port: 8080, AvailabilityZone: 'us-east-1a' },
          TargetHealth: { State: 'unhealthy', Reason: 'Target.Timeout' },
        },
      ],
    });
    expect(
      await new AwsLoadBalancer(new ElasticLoadBalancingV2Client({}), noWait).describeTargetHealth('tg'),
    ).toEqual([
      {
        id: '10.0.0.1',
        port: 8080,
        availabilityZone: 'us-east-1a',
        state: 'unhealthy',
        reason: 'Target.Timeout',
      },
    ]);
  });
});
