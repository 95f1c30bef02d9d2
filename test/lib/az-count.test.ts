import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildApp } from '../../bin/build-app';
import {
  refId,
  resourcesOf,
  type Synthesized,
  synthBulkhead,
  tempOutdir,
  unacknowledgedNagFindings,
} from './synth';

const CERT = 'arn:aws:acm:us-east-1:111111111111:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';

function cellAzs(built: Synthesized): string[] {
  const resources = built.template.toJSON().Resources;
  return resourcesOf(built.template, 'AWS::ECS::Service').map(([, p]) => {
    const subnets = p.NetworkConfiguration.AwsvpcConfiguration.Subnets;
    expect(subnets).toHaveLength(1);
    return resources[refId(subnets[0])].Properties.AvailabilityZone;
  });
}

function forwardWeights(built: Synthesized): number[] {
  const forwarding = resourcesOf(built.template, 'AWS::ElasticLoadBalancingV2::Listener').filter(
    ([, p]) => p.DefaultActions[0].Type === 'forward',
  );
  expect(forwarding).toHaveLength(1);
  return forwarding[0][1].DefaultActions[0].ForwardConfig.TargetGroups.map(
    (t: { Weight: number }) => t.Weight,
  );
}

describe('2 AZs with a certificate', () => {
  let built: Synthesized;
  beforeAll(() => {
    built = synthBulkhead({
      azCount: 2,
      certificateArn: CERT,
      alarmEmail: 'oncall@example.com',
      service: { readonlyRootFilesystem: false },
    });
  });

  test('GIVEN azCount 2 WHEN synthesized THEN there are 2 cells in 2 AZs, 2 NAT gateways and 2 mount targets', () => {
    expect(cellAzs(built).sort()).toEqual(['us-east-1a', 'us-east-1b']);
    built.template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
    built.template.resourceCountIs('AWS::EC2::NatGateway', 2);
    built.template.resourceCountIs('AWS::EFS::MountTarget', 2);
    expect(forwardWeights(built)).toEqual([1, 1]);
  });

  test('GIVEN a certificate WHEN synthesized THEN HTTPS forwards to the cells and HTTP redirects to it', () => {
    built.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERT }],
      DefaultActions: [
        { Type: 'forward', ForwardConfig: { TargetGroupStickinessConfig: { Enabled: false } } },
      ],
    });
    built.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
    expect(built.stack.zonal.listener.node.path).toBe('Bulkhead/ZonalService/LoadBalancer/Https');
    expect(built.template.toJSON().Outputs.Endpoint.Value['Fn::Join'][1][0]).toBe('https://');
  });

  test('GIVEN readonlyRootFilesystem false WHEN synthesized THEN there is no /tmp volume and no root init container', () => {
    const [, td] = resourcesOf(built.template, 'AWS::ECS::TaskDefinition')[0];
    expect(td.ContainerDefinitions.map((d: { Name: string }) => d.Name)).toEqual(['web']);
    expect(td.ContainerDefinitions[0]).toMatchObject({ ReadonlyRootFilesystem: false, User: '101' });
    expect(td.Volumes.map((v: { Name: string }) => v.Name)).toEqual(['data']);
  });

  test('GIVEN an alarm e-mail WHEN synthesized THEN it is subscribed to the alarm topic', () => {
    built.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  test('GIVEN this variant WHEN checked by cdk-nag THEN nothing is left unacknowledged', () => {
    expect(unacknowledgedNagFindings(built)).toEqual([]);
  });
});

describe('5 AZs, one NAT gateway, the service/ image built from source', () => {
  let built: Synthesized;
  beforeAll(() => {
    built = synthBulkhead({
      azCount: 5,
      natGateways: 1,
      service: { image: { type: 'asset' }, healthCheckPath: '/healthz', desiredCount: 3, maxCapacity: 10 },
      targetGroup: { healthyThreshold: 3, deregistrationDelaySeconds: 10 },
    });
  });

  test('GIVEN azCount 5 WHEN synthesized THEN there are 5 cells, one in each AZ the region context lists', () => {
    expect(cellAzs(built).sort()).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1c',
      'us-east-1d',
      'us-east-1f',
    ]);
    expect(forwardWeights(built)).toEqual([1, 1, 1, 1, 1]);
    built.template.resourceCountIs('AWS::EFS::MountTarget', 5);
  });

  test('GIVEN natGateways 1 WHEN synthesized THEN there is a single NAT gateway (the documented cost option)', () => {
    built.template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('GIVEN configured health check and scaling WHEN synthesized THEN target groups and scaling use them', () => {
    for (const [, p] of resourcesOf(built.template, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
      expect(p).toMatchObject({
        HealthCheckPath: '/healthz',
        HealthyThresholdCount: 3,
        UnhealthyThresholdCount: 2,
      });
      expect(p.TargetGroupAttributes).toContainEqual({
        Key: 'deregistration_delay.timeout_seconds',
        Value: '10',
      });
    }
    for (const [, p] of resourcesOf(built.template, 'AWS::ApplicationAutoScaling::ScalableTarget')) {
      expect(p).toMatchObject({ MinCapacity: 2, MaxCapacity: 10 });
    }
  });

  test('GIVEN image type asset WHEN synthesized THEN the container comes from the service/ Docker build, without a forced user', () => {
    const [, td] = resourcesOf(built.template, 'AWS::ECS::TaskDefinition')[0];
    const image = JSON.stringify(td.ContainerDefinitions[0].Image);
    expect(image).toContain('cdk-hnb659fds-container-assets-111111111111-us-east-1');
    // One container: the image declares VOLUME /tmp, so no root init step is needed.
    expect(td.ContainerDefinitions).toHaveLength(1);
    expect(td.ContainerDefinitions[0].User).toBeUndefined();
    expect(td.ContainerDefinitions[0].ReadonlyRootFilesystem).toBe(true);
    // The service/ folder is staged into the cloud assembly for `cdk deploy` to build with Docker.
    const dir = built.app.synth().directory;
    const staged = fs
      .readdirSync(dir)
      .filter((n) => n.startsWith('asset.') && fs.existsSync(path.join(dir, n, 'Dockerfile')));
    expect(staged).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, staged[0], 'nginx.conf'), 'utf8')).toContain('location = /healthz');
  });

  test('GIVEN this variant WHEN checked by cdk-nag THEN nothing is left unacknowledged', () => {
    expect(unacknowledgedNagFindings(built)).toEqual([]);
  });
});

describe('account and region', () => {
  test('GIVEN CDK_DEFAULT_ACCOUNT/REGION WHEN the app is built THEN they override the cdk.json defaults', () => {
    const built = buildApp({
      env: { CDK_DEFAULT_ACCOUNT: '222222222222', CDK_DEFAULT_REGION: 'eu-west-3' },
      appProps: {
        outdir: tempOutdir(),
        context: {
          'aws:cdk:bundling-stacks': [],
          'availability-zones:account=222222222222:region=eu-west-3': [
            'eu-west-3a',
            'eu-west-3b',
            'eu-west-3c',
          ],
        },
      },
    });
    expect([built.account, built.region, built.usingDefaults]).toEqual(['222222222222', 'eu-west-3', false]);
    expect(built.stack.cellAzs).toEqual(['eu-west-3a', 'eu-west-3b', 'eu-west-3c']);
  });

  test('GIVEN a real region listing fewer AZs than azCount WHEN the app is built THEN it fails saying so', () => {
    expect(() =>
      buildApp({
        env: { CDK_DEFAULT_ACCOUNT: '222222222222', CDK_DEFAULT_REGION: 'eu-west-3' },
        appProps: {
          outdir: tempOutdir(),
          context: {
            bulkhead: { azCount: 5 },
            'availability-zones:account=222222222222:region=eu-west-3': [
              'eu-west-3a',
              'eu-west-3b',
              'eu-west-3c',
            ],
          },
        },
      }),
    ).toThrow(
      'azCount is 5, but region eu-west-3 lists only 3 Availability Zones (eu-west-3a, eu-west-3b, eu-west-3c) ' +
        'in context "availability-zones:account=222222222222:region=eu-west-3". Lower azCount to 3 or less, ' +
        'or pick a region with more AZs.',
    );
  });

  test('GIVEN a real account whose AZs are not in context yet WHEN built THEN it builds on CDK lookup placeholders', () => {
    // No synthesis needed: the placeholders mean CDK registered the AZ lookup, which `cdk synth` then
    // performs with credentials and caches in cdk.context.json before synthesizing again.
    const built = buildApp({
      env: { CDK_DEFAULT_ACCOUNT: '333333333333', CDK_DEFAULT_REGION: 'ap-south-2' },
      appProps: { outdir: tempOutdir(), context: { 'aws:cdk:bundling-stacks': [] } },
    });
    expect(built.stack.cellAzs).toEqual(['dummy1a', 'dummy1b', 'dummy1c']);
  });
});
