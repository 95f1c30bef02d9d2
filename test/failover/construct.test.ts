import { failoverRuntimeSchema } from '../../lambdas/config/failover';
import {
  NO_HEALTHY_TARGETS_ALARM,
  PROBE_NAMESPACE,
  PROBER_SERVICE,
  probeAlarmShape,
  probeDimensions,
} from '../../lambdas/core/cell-metrics';
import { DEFAULT_FAILOVER_POLICY } from '../../lambdas/core/failover-policy';
import { ZONE_SHIFTER_LEASE_KEY } from '../../lambdas/zone-shifter/shift-state';
import { UNSCOPED_ACTIONS } from '../../lib/failover';
import {
  type CfnProps,
  refId,
  resourcesOf,
  type Synthesized,
  synthBulkhead,
  unacknowledgedNagFindings,
} from '../lib/synth';

// One synthesis for the whole file: the default configuration (3 AZs) with the failover construct.
let built: Synthesized;
beforeAll(() => {
  built = synthBulkhead();
});

const AZS = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const MUTATING = /^(elasticloadbalancing:Modify|ecs:(Update|Stop)|s3:(Put|Delete)|iam:PassRole)/;

function functionNamed(dir: string): [string, CfnProps] {
  const found = resourcesOf(built.template, 'AWS::Lambda::Function').find(([id]) =>
    id.startsWith(`Failover${dir.replace(/-/g, '')}`),
  );
  if (!found) throw new Error(`no function ${dir}`);
  return found;
}

function statementsOf(fnId: string): CfnProps[] {
  const [, fn] = resourcesOf(built.template, 'AWS::Lambda::Function').find(([id]) => id === fnId)!;
  const roleId = refId(fn.Role);
  return resourcesOf(built.template, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Roles.some((r: unknown) => refId(r) === roleId))
    .flatMap(([, p]) => p.PolicyDocument.Statement);
}

const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Renders a CloudFormation value as text, with every reference as `<LogicalId>`. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
  if (v.Ref) return `<${v.Ref}>`;
  if (v['Fn::GetAtt']) return `<${v['Fn::GetAtt'][0]}.${v['Fn::GetAtt'][1]}>`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(render).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}

describe('failover construct', () => {
  test('GIVEN the stack WHEN synthesized THEN three functions: zone-shifter, task-replacer, and the prober in the VPC', () => {
    for (const dir of ['zoneshifter', 'taskreplacer', 'zonalprober'])
      expect(functionNamed(dir)).toBeDefined();
    const [, prober] = functionNamed('zonalprober');
    expect(prober.VpcConfig.SecurityGroupIds).toHaveLength(1);
    const [, zs] = functionNamed('zoneshifter');
    expect(zs.VpcConfig).toBeUndefined();
  });

  test('GIVEN the prober WHEN synthesized THEN its own security group reaches the tasks on their port and HTTPS only', () => {
    const [, prober] = functionNamed('zonalprober');
    const sgId = refId(prober.VpcConfig.SecurityGroupIds[0]);
    const [, sg] = resourcesOf(built.template, 'AWS::EC2::SecurityGroup').find(([id]) => id === sgId)!;
    expect(sg.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
    ]);
    const egress = resourcesOf(built.template, 'AWS::EC2::SecurityGroupEgress').filter(
      ([, p]) => refId(p.GroupId) === sgId,
    );
    expect(egress.map(([, p]) => [p.FromPort, p.ToPort])).toEqual([[8080, 8080]]);
    const ingress = resourcesOf(built.template, 'AWS::EC2::SecurityGroupIngress').filter(
      ([, p]) => p.SourceSecurityGroupId && refId(p.SourceSecurityGroupId) === sgId,
    );
    expect(ingress.map(([, p]) => p.FromPort)).toEqual([8080]);
  });

  test('GIVEN 3 AZs WHEN synthesized THEN two impairment alarms per AZ, M of N, named for the zone-shifter', () => {
    const alarms = resourcesOf(built.template, 'AWS::CloudWatch::Alarm').filter(([, p]) =>
      /-az-.*-(alb|probe)$/.test(p.AlarmName ?? ''),
    );
    expect(alarms.map(([, p]) => p.AlarmName).sort()).toEqual(
      AZS.flatMap((az) => [`Bulkhead-az-${az}-alb`, `Bulkhead-az-${az}-probe`]).sort(),
    );
    const shape = probeAlarmShape(DEFAULT_FAILOVER_POLICY.detection);
    for (const [, p] of alarms) {
      const probe = String(p.AlarmName).endsWith('-probe');
      expect(p).toMatchObject({
        // ALB: M of N one-minute periods; prober: every period of its fast window (2 of 2 × 10 s).
        EvaluationPeriods: probe
          ? shape.evaluationPeriods
          : DEFAULT_FAILOVER_POLICY.detection.evaluationPeriods,
        DatapointsToAlarm: probe
          ? shape.datapointsToAlarm
          : DEFAULT_FAILOVER_POLICY.detection.datapointsToAlarm,
        Threshold: 1,
        TreatMissingData: 'notBreaching',
      });
      const expression = p.Metrics.find((m: CfnProps) => m.Expression)?.Expression as string;
      expect(expression).toMatch(/^IF\(/);
      // More than one target affected: the prober's alarm always, the ALB's capped at half the cell.
      if (probe) expect(expression).toMatch(/>= 2\)/);
      else
        expect(expression).toContain(
          'IF(FILL(hh, 0) > 0, IF(CEIL(MAX([FILL(hh, 0), FILL(unh, 0)]) / 2) < 2,',
        );
      expect(p.AlarmActions).toHaveLength(1);
    }
    const [, alb] = alarms.find(([, p]) => p.AlarmName === 'Bulkhead-az-us-east-1a-alb')!;
    const names = alb.Metrics.filter((m: CfnProps) => m.MetricStat).map(
      (m: CfnProps) => m.MetricStat.Metric.MetricName,
    );
    expect(names.sort()).toEqual(
      [
        'HTTPCode_Target_5XX_Count',
        'HTTPCode_Target_5XX_Count',
        'ProbeFailedTargets',
        'RequestCount',
        'RequestCount',
        'TargetResponseTime',
        'TargetResponseTime',
        'UnHealthyHostCount',
        'HealthyHostCount',
      ].sort(),
    );
    expect(
      alb.Metrics.filter((m: CfnProps) => m.MetricStat).every((m: CfnProps) => m.MetricStat.Period === 60),
    ).toBe(true);
    const [, probe] = alarms.find(([, p]) => p.AlarmName === 'Bulkhead-az-us-east-1a-probe')!;
    expect(shape).toEqual({ periodSeconds: 10, evaluationPeriods: 2, datapointsToAlarm: 2 });
    const probeMetrics = probe.Metrics.filter((m: CfnProps) => m.MetricStat);
    expect(probeMetrics.every((m: CfnProps) => m.MetricStat.Period === 10)).toBe(true);
    // The AZ's own four metrics and the load balancer's three totals: the same count for any number
    // of AZs, so a 5-AZ stack stays under CloudWatch's 10 metrics per alarm.
    expect(probeMetrics.map((m: CfnProps) => m.MetricStat.Metric.MetricName).sort()).toEqual(
      [
        'ProbeCount',
        'ProbeCount',
        'ProbeFailedTargets',
        'ProbeFailures',
        'ProbeFailures',
        'ProbeLatency',
        'ProbeLatency',
      ].sort(),
    );
    const expression = probe.Metrics.find((m: CfnProps) => m.Expression).Expression as string;
    expect(expression).toContain('>= 10)'); // 10% of probes failing
    expect(expression).toContain('>= 250)'); // or a 250 ms mean probe latency
  });

  test('GIVEN 3 AZs WHEN synthesized THEN one no-healthy-target alarm per AZ on the prober metric, 10-s periods, M of N from the shared definition', () => {
    const alarms = resourcesOf(built.template, 'AWS::CloudWatch::Alarm').filter(([, p]) =>
      /-az-.*-targets$/.test(p.AlarmName ?? ''),
    );
    expect(alarms.map(([, p]) => p.AlarmName).sort()).toEqual(AZS.map((az) => `Bulkhead-az-${az}-targets`));
    const t = NO_HEALTHY_TARGETS_ALARM;
    for (const [, p] of alarms) {
      const az = AZS.find((a) => p.AlarmName === `Bulkhead-az-${a}-targets`)!;
      expect(p).toMatchObject({
        Namespace: PROBE_NAMESPACE,
        MetricName: 'HealthyTargets',
        Statistic: 'Minimum',
        Period: 10,
        EvaluationPeriods: t.evaluationPeriods,
        DatapointsToAlarm: t.datapointsToAlarm,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(t).toMatchObject({
        periodSeconds: 10,
        comparison: p.ComparisonOperator,
        threshold: p.Threshold,
      });
      // Exactly the dimension set the prober's metrics are stored with (Powertools adds `service`).
      const dims = Object.fromEntries(p.Dimensions.map((d: CfnProps) => [d.Name, d.Value]));
      expect(Object.keys(dims).sort()).toEqual(Object.keys(probeDimensions('lb', az)).sort());
      expect(dims).toMatchObject({ service: PROBER_SERVICE, AvailabilityZone: az });
      expect(p.AlarmActions).toHaveLength(1);
    }
  });

  test('GIVEN the rules WHEN synthesized THEN alarm changes and this cluster’s task changes reach their function, and a 1-minute tick reaches all three', () => {
    const rules = resourcesOf(built.template, 'AWS::Events::Rule').filter(([id]) =>
      id.startsWith('Failover'),
    );
    const [, alarmRule] = rules.find(([, p]) => p.EventPattern?.source?.[0] === 'aws.cloudwatch')!;
    expect(alarmRule.EventPattern['detail-type']).toEqual(['CloudWatch Alarm State Change']);
    expect(alarmRule.EventPattern.resources).toHaveLength(9);
    expect(alarmRule.Targets.map((t: CfnProps) => refId(t.Arn))).toEqual([functionNamed('zoneshifter')[0]]);
    const [, taskRule] = rules.find(([, p]) => p.EventPattern?.source?.[0] === 'aws.ecs')!;
    expect(taskRule.EventPattern).toMatchObject({
      'detail-type': ['ECS Task State Change'],
      detail: { clusterArn: [expect.anything()] },
    });
    expect(taskRule.Targets.map((t: CfnProps) => refId(t.Arn))).toEqual([functionNamed('taskreplacer')[0]]);
    const [, tick] = rules.find(([, p]) => p.ScheduleExpression)!;
    expect(tick.ScheduleExpression).toBe('rate(1 minute)');
    expect(tick.Targets.map((t: CfnProps) => refId(t.Arn)).sort()).toEqual(
      [
        functionNamed('zoneshifter')[0],
        functionNamed('taskreplacer')[0],
        functionNamed('zonalprober')[0],
      ].sort(),
    );
    for (const [, rule] of rules) for (const t of rule.Targets) expect(t.DeadLetterConfig.Arn).toBeDefined();
  });

  test('GIVEN the DLQs WHEN synthesized THEN one encrypted, TLS-only queue per function, used for async failures, with a depth alarm', () => {
    const queues = resourcesOf(built.template, 'AWS::SQS::Queue').filter(([id]) => id.startsWith('Failover'));
    expect(queues).toHaveLength(3);
    for (const [id, q] of queues) {
      expect(q.SqsManagedSseEnabled).toBe(true);
      const policy = resourcesOf(built.template, 'AWS::SQS::QueuePolicy').find(([, p]) =>
        p.Queues.some((r: unknown) => refId(r) === id),
      );
      expect(policy?.[1].PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      const depth = resourcesOf(built.template, 'AWS::CloudWatch::Alarm').find(
        ([, a]) =>
          a.MetricName === 'ApproximateNumberOfMessagesVisible' && refId(a.Dimensions[0].Value) === id,
      );
      expect(depth?.[1]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(depth?.[1].AlarmActions).toHaveLength(1);
    }
    for (const dir of ['zoneshifter', 'taskreplacer', 'zonalprober']) {
      const [, fn] = functionNamed(dir);
      expect(queues.map(([id]) => id)).toContain(refId(fn.DeadLetterConfig.TargetArn));
    }
    built.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 600,
    });
  });

  test('GIVEN the zone-shifter WHEN synthesized THEN its run lease expires before its timeout, on the key it may write and delete', () => {
    const [id, fn] = functionNamed('zoneshifter');
    const json = render(fn.Environment.Variables.BULKHEAD_FAILOVER_CONFIG).replace(
      /<[^>]+>/g,
      'arn:aws:token',
    );
    const config = failoverRuntimeSchema.parse(JSON.parse(json));
    expect(config.runLeaseTtlMs).toBeLessThan(fn.Timeout * 1000);
    expect(config.cells.map((c) => c.az)).toEqual(AZS);
    expect(config.alarmPrefix).toBe('Bulkhead-az-');
    const statements = statementsOf(id);
    const leaseWrites = statements.filter((s) =>
      asList(s.Resource).some((r) => render(r).endsWith(`/${ZONE_SHIFTER_LEASE_KEY}`)),
    );
    expect(leaseWrites.flatMap((s) => asList(s.Action)).sort()).toEqual([
      's3:DeleteObject',
      's3:GetObject',
      's3:PutObject',
    ]);
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('GIVEN every failover role WHEN synthesized THEN "*" is granted only for unscopable actions, and no mutating action has a wildcard resource', () => {
    const unscoped = new Set<string>();
    for (const dir of ['zoneshifter', 'taskreplacer', 'zonalprober']) {
      const [id] = functionNamed(dir);
      for (const s of statementsOf(id)) {
        const actions = asList(s.Action) as string[];
        const resources = asList(s.Resource).map(render);
        if (resources.includes('*')) for (const a of actions) unscoped.add(a);
        for (const a of actions.filter((x) => MUTATING.test(x))) {
          expect({ a, resources }).toEqual({ a, resources: expect.not.arrayContaining(['*']) });
          if (a.startsWith('elasticloadbalancing:') || a === 'ecs:UpdateService') {
            expect(resources.every((r) => !r.includes('*'))).toBe(true);
          }
          if (a === 'ecs:StopTask')
            expect(s.Condition).toEqual({ ArnEquals: { 'ecs:cluster': expect.anything() } });
          if (a.startsWith('s3:'))
            expect(resources.every((r) => /\/(audit|control|leases)\//.test(r))).toBe(true);
        }
      }
    }
    // Every "*" grant is named, with its reason, in UNSCOPED_ACTIONS; none of them mutates.
    expect([...unscoped].sort()).toEqual(Object.keys(UNSCOPED_ACTIONS).sort());
    expect([...unscoped].filter((a) => MUTATING.test(a))).toEqual([]);
  });

  test('GIVEN the zone-shifter and task-replacer WHEN synthesized THEN their mutating ECS/ELB grants name exactly the listener and the cells’ services', () => {
    const [zsId] = functionNamed('zoneshifter');
    const modify = statementsOf(zsId).find((s) =>
      asList(s.Action).includes('elasticloadbalancing:ModifyListener'),
    )!;
    expect(asList(modify.Resource)).toHaveLength(1);
    const listeners = resourcesOf(built.template, 'AWS::ElasticLoadBalancingV2::Listener').map(([id]) => id);
    expect(listeners).toContain(refId(asList(modify.Resource)[0]));
    const services = resourcesOf(built.template, 'AWS::ECS::Service')
      .map(([id]) => id)
      .sort();
    for (const id of [zsId, functionNamed('taskreplacer')[0]]) {
      const update = statementsOf(id).find((s) => asList(s.Action).includes('ecs:UpdateService'))!;
      expect(asList(update.Resource).map(refId).sort()).toEqual(services);
    }
  });

  test('GIVEN cdk-nag AwsSolutions WHEN run THEN the failover construct has no unacknowledged finding', () => {
    expect(unacknowledgedNagFindings(built).filter((f) => f.includes('/Failover/'))).toEqual([]);
  });
});
