import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { availabilityRuntimeSchema } from '../../lambdas/config/availability-runtime';
import { Availability, burnRateThreshold } from '../../lib/availability';
import {
  buildBulkhead,
  type CfnProps,
  resourcesOf,
  type Synthesized,
  synthBulkhead,
  unacknowledgedNagFindings,
} from '../lib/synth';

// Two syntheses for the file: the default stack, and one with every option set.
let built: Synthesized;
let custom: { template: Template; extra: Availability; nag: string[] };
beforeAll(() => {
  built = synthBulkhead();
  // CloudFormation validation on: this stack (every option set, a second Availability) is synthesized nowhere else.
  const app = buildBulkhead(
    {
      availability: {
        scheduleMinutes: 5,
        sloPercent: 99.5,
        sloWindowDays: 28,
        alarmEmail: 'sre@example.com',
        probePath: false,
      },
    },
    { cfnValidation: true },
  );
  const { stack } = app;
  const impairment = new cloudwatch.Alarm(stack, 'TestImpairment', {
    metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Impaired', period: Duration.minutes(1) }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  const extra = new Availability(stack, 'Extra', {
    zonal: stack.zonal,
    serviceName: 'extra',
    dashboardName: 'extra-availability',
    incidentAlarms: [{ alarm: impairment, scope: 'az:us-east-1a' }],
    zonalProbe: { dimensions: { service: 'bulkhead-zonal-prober', LoadBalancer: 'app/x/1' } },
    actionLogGroups: [new logs.LogGroup(stack, 'ShifterLogs', { retention: logs.RetentionDays.ONE_WEEK })],
    backupFreshness: new cloudwatch.Metric({ namespace: 'Bulkhead', metricName: 'SnapshotAge' }),
    alarmTopic: stack.alarmTopic,
  });
  custom = { template: Template.fromStack(stack), extra, nag: unacknowledgedNagFindings(app) };
});

function resolvedEnvConfig(template: Template): string {
  const fns = resourcesOf(template, 'AWS::Lambda::Function').filter(
    ([, p]) => p.Environment?.Variables?.BULKHEAD_AVAILABILITY_CONFIG,
  );
  expect(fns).toHaveLength(1);
  return JSON.stringify(fns[0][1].Environment.Variables.BULKHEAD_AVAILABILITY_CONFIG);
}

function burnAlarms(template: Template, service: string): CfnProps[] {
  return resourcesOf(template, 'AWS::CloudWatch::Alarm')
    .map(([, p]) => p)
    .filter(
      (p) =>
        p.MetricName === 'BurnRate' &&
        p.Dimensions.some((d: CfnProps) => d.Name === 'Service' && JSON.stringify(d.Value).includes(service)),
    );
}
const dim = (p: CfnProps, name: string) => p.Dimensions.find((d: CfnProps) => d.Name === name)?.Value;

describe('the availability function and its schedule', () => {
  test('GIVEN the default config THEN the function runs every minute from an EventBridge schedule, without retries', () => {
    built.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 120 } }),
      ],
    });
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Timeout: 60,
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'bulkhead-availability',
          BULKHEAD_STATE_BUCKET: Match.anyValue(),
          BULKHEAD_AVAILABILITY_CONFIG: Match.anyValue(),
        }),
      },
    });
    // Resolve the deploy-time tokens with plausible values: the result must pass the runtime schema.
    const join = JSON.parse(resolvedEnvConfig(built.template))['Fn::Join'][1] as unknown[];
    const fake: Record<string, string> = {
      LoadBalancerFullName: 'app/bulkhead/0123',
      TargetGroupFullName: 'targetgroup/cell/4567',
      DNSName: 'bulkhead-1.us-east-1.elb.amazonaws.com',
    };
    const text = join
      .map((part) => {
        if (typeof part === 'string') return part;
        const p = part as CfnProps;
        // Refs here are ARNs (listener, target groups) or alarm names: an ARN-shaped stand-in fits both.
        return p.Ref ? `arn:aws:test:${p.Ref}` : fake[p['Fn::GetAtt'][1]];
      })
      .join('');
    const runtime = availabilityRuntimeSchema.parse(JSON.parse(text));
    expect(runtime).toMatchObject({
      serviceName: 'Bulkhead',
      loadBalancer: 'app/bulkhead/0123',
      slo: 0.999,
      sloWindow: '30d',
      probeUrl: 'http://bulkhead-1.us-east-1.elb.amazonaws.com/',
      lookbackMinutes: 15,
      metricLagMinutes: 2,
    });
    expect(runtime.cells.map((c) => c.az)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(runtime.listenerArn).toMatch(/^arn:aws:test:ZonalServiceLoadBalancerHttp/);
    expect(Object.values(runtime.incidentAlarms).sort()).toEqual([
      'az:us-east-1a',
      'az:us-east-1a',
      'az:us-east-1b',
      'az:us-east-1b',
      'az:us-east-1c',
      'az:us-east-1c',
    ]);
    expect(runtime.zonalProbe).toMatchObject({
      namespace: 'Bulkhead',
      countMetric: 'ProbeCount',
      failuresMetric: 'ProbeFailures',
      azDimension: 'AvailabilityZone',
      dimensions: { service: 'zonal-prober', LoadBalancer: 'app/bulkhead/0123' },
    });
  });

  test('GIVEN scheduleMinutes 5 THEN it runs every 5 minutes, and incident alarms reach it through their own rule', () => {
    custom.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    custom.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^TestImpairment'), 'Arn'] }],
      },
    });
  });
});

describe('multiwindow, multi-burn-rate alarms', () => {
  test.each([
    ['1h', 14.4],
    ['5m', 14.4],
    ['6h', 6],
    ['30m', 6],
  ])(
    'GIVEN a 30-day SLO THEN the %s burn-rate alarms trip above %d, for both SLIs, on one-minute periods',
    (window, threshold) => {
      const alarms = burnAlarms(built.template, 'Bulkhead').filter((p) => dim(p, 'Window') === window);
      expect(alarms.map((p) => dim(p, 'Sli')).sort()).toEqual(['probes', 'requests']);
      for (const p of alarms) {
        expect(p).toMatchObject({
          Namespace: 'Bulkhead',
          Threshold: threshold,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 1,
          Period: 60,
          Statistic: 'Maximum',
          TreatMissingData: 'notBreaching',
        });
        expect(dim(p, 'service')).toBe('bulkhead-availability');
      }
    },
  );

  test('GIVEN a 28-day SLO on a 5-minute schedule THEN thresholds scale with the window and periods follow the schedule', () => {
    expect(burnRateThreshold(0.02, 1, 28)).toBe(13.44);
    expect(burnRateThreshold(0.05, 6, 28)).toBe(5.6);
    const alarms = burnAlarms(custom.template, 'Bulkhead');
    expect(alarms).toHaveLength(4); // probe SLI off: requests only
    expect(Object.fromEntries(alarms.map((p) => [dim(p, 'Window'), p.Threshold]))).toEqual({
      '1h': 13.44,
      '5m': 13.44,
      '6h': 5.6,
      '30m': 5.6,
    });
    expect(new Set(alarms.map((p) => p.Period))).toEqual(new Set([300]));
  });

  test('GIVEN the alarms THEN each long/short pair is an AND composite, and one OR composite on top notifies SNS', () => {
    const composites = resourcesOf(built.template, 'AWS::CloudWatch::CompositeAlarm').map(
      ([id, p]) => [id, p] as const,
    );
    const rules = composites.map(([, p]) => JSON.stringify(p.AlarmRule));
    const pairs = rules.filter((r) => r.includes(' AND '));
    expect(pairs).toHaveLength(4);
    for (const r of pairs) expect(r.match(/ALARM\(/g)).toHaveLength(2);
    const top = composites.filter(([id]) => id.startsWith('AvailabilityErrorBudgetBurn'));
    expect(top).toHaveLength(1);
    const topRule = JSON.stringify(top[0][1].AlarmRule);
    expect(topRule.match(/ OR /g)).toHaveLength(3);
    expect(top[0][1].AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    expect(top[0][1].OKActions).toHaveLength(1);
  });

  test('GIVEN the function THEN a silence alarm fires when it stops publishing (missing data breaches)', () => {
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OpenIncidents',
      Statistic: 'SampleCount',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
  });
});

describe('SNS', () => {
  test('GIVEN the stack THEN alarms go to a KMS-encrypted topic that denies non-TLS publishing', () => {
    built.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    built.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    expect(resourcesOf(built.template, 'AWS::SNS::Subscription')).toHaveLength(0);
  });

  test('GIVEN alarmEmail in the availability config THEN it is subscribed by email', () => {
    custom.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'sre@example.com',
    });
  });
});

describe('dashboard', () => {
  const body = (t: Template, name: string) => {
    const d = resourcesOf(t, 'AWS::CloudWatch::Dashboard').find(([, p]) =>
      JSON.stringify(p.DashboardName).includes(name),
    );
    expect(d).toBeDefined();
    return JSON.stringify(d?.[1].DashboardBody);
  };

  test.each([
    ['per-AZ listener weights in effect', 'Traffic share per AZ'],
    ['healthy tasks per AZ', 'HealthyHostCount'],
    ['5xx per AZ', 'HTTPCode_Target_5XX_Count'],
    ['ALB 5xx per AZ', 'HTTPCode_ELB_5XX_Count'],
    ['latency per AZ', 'TargetResponseTime'],
    ['availability', 'TimeAvailability'],
    ['request availability', 'RequestAvailability'],
    ['error budget', 'ErrorBudgetRemaining'],
    ['burn rate', 'BurnRate'],
    ['MTBF', 'Mtbf'],
    ['MTTR', 'Mttr'],
    ["Bulkhead's actions", 'MetricName=\\\\\\"Decisions\\\\\\"'],
    ['alarm status', 'alarm'],
  ])('GIVEN the default stack THEN the dashboard shows %s', (_what, needle) => {
    expect(body(built.template, 'Bulkhead-availability')).toContain(needle);
  });

  test("GIVEN the stack THEN the failover functions' logs feed a Logs Insights widget, and backups show their freshness", () => {
    const b = body(built.template, 'Bulkhead-availability');
    expect(b).toContain('Backup freshness');
    expect(b).toContain('BackupSuccess');
    expect(b).toMatch(/BackupNoBackupAlarm/);
    expect(b).toContain("Bulkhead's recent actions");
    expect(b).toContain('decision recorded');
    expect(b).toContain('FailoverzoneshifterLogs');
    expect(b).toContain('FailovertaskreplacerLogs');
  });

  test('GIVEN the listener THEN the weight share per AZ is on the dashboard', () => {
    expect(body(built.template, 'Bulkhead-availability')).toContain('ListenerWeightShare');
  });

  test('GIVEN a backup metric and action log groups THEN both widgets appear', () => {
    const dashboards = resourcesOf(custom.template, 'AWS::CloudWatch::Dashboard');
    const b = JSON.stringify(dashboards.find(([id]) => id.startsWith('ExtraDashboard'))?.[1].DashboardBody);
    expect(b).toContain('Backup freshness');
    expect(b).toContain('SnapshotAge');
    expect(b).toContain("Bulkhead's recent actions");
    expect(b).toContain('SOURCE');
  });
});

describe('least privilege', () => {
  function statements(template: Template) {
    const policies = resourcesOf(template, 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('AvailabilityRole'),
    );
    expect(policies).toHaveLength(1);
    return policies[0][1].PolicyDocument.Statement as CfnProps[];
  }

  test('GIVEN the role THEN only actions that cannot be resource-scoped take "*": GetMetricData, DescribeListeners, X-Ray', () => {
    const star = statements(built.template)
      .filter((s) => s.Resource === '*')
      .flatMap((s) => [s.Action].flat())
      .sort();
    // GetMetricData and the X-Ray trace writes have no resource-level permissions in IAM.
    expect(star).toEqual([
      'cloudwatch:GetMetricData',
      'elasticloadbalancing:DescribeListeners',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  test('GIVEN the role THEN S3 access is list-by-prefix, read incidents/ and audit/, write incidents/ only', () => {
    const s = statements(built.template);
    const byAction = (action: string) => s.filter((x) => [x.Action].flat().includes(action));
    expect(byAction('s3:ListBucket')[0].Condition).toEqual({
      StringLike: { 's3:prefix': ['incidents/*', 'audit/*'] },
    });
    const reads = JSON.stringify(byAction('s3:GetObject')[0].Resource);
    expect(reads).toContain('/incidents/*');
    expect(reads).toContain('/audit/*');
    const writes = byAction('s3:PutObject');
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0].Resource)).toContain('/incidents/*');
    expect(JSON.stringify(writes[0].Resource)).not.toContain('/audit/');
    expect(
      s.flatMap((x) => [x.Action].flat()).filter((a) => /^s3:.*\*/.test(a) || /^s3:Delete/.test(a)),
    ).toEqual([]);
    expect(byAction('kms:Decrypt')[0].Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  test('GIVEN the stack THEN cdk-nag AwsSolutions has nothing unacknowledged on the availability resources', () => {
    expect(unacknowledgedNagFindings(built).filter((f) => f.includes('Availability'))).toEqual([]);
    expect(custom.nag.filter((f) => f.includes('Extra'))).toEqual([]);
  });
});

describe('wiring with the failover construct', () => {
  test("GIVEN the stack THEN every failover impairment alarm's state changes reach the availability function", () => {
    const rule = resourcesOf(built.template, 'AWS::Events::Rule').find(([id]) =>
      id.startsWith('AvailabilityIncidentAlarms'),
    );
    expect(rule).toBeDefined();
    const resources = JSON.stringify(rule?.[1].EventPattern.resources);
    const { stack } = built;
    const alarms = Object.values(stack.failover.impairmentAlarms).flatMap((a) => [a.alb, a.probe]);
    expect(alarms).toHaveLength(6); // 3 AZs x (ALB, probe)
    const ids = alarms.map((a) => stack.getLogicalId(a.node.defaultChild as cloudwatch.CfnAlarm));
    for (const id of ids) expect(resources).toContain(id);
  });
});
