import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { StackConfig } from '../lambdas/config/stack';
import { probeCellDimensions } from '../lambdas/core/cell-metrics';
import { AlarmTopic } from './alarm-topic';
import { Availability } from './availability';
import { DataVolume } from './data-volume';
import { Failover } from './failover';
import { LogBucket } from './log-bucket';
import { Network } from './network';
import type { ZonalServiceExports } from './stack-exports';
import { StateBucket } from './state-bucket';
import { VolumeBackup } from './volume-backup';
import { ZonalService } from './zonal-service';

/** Props for {@link BulkheadStack}. */
export interface BulkheadStackProps extends StackProps {
  /** The validated configuration (see `lambdas/config/stack.ts`). */
  readonly config: StackConfig;
}

/**
 * Bulkhead's one stack. Wiring only: each concern lives in its own construct, and what later
 * constructs need from the zonal service is handed over as {@link ZonalServiceExports}.
 *
 * To add a concern: build its construct at the end of the constructor from `this.zonal`, its own
 * sub-config (`config.failover`, `config.backup`, `config.availability`) and, for alarms,
 * `this.alarmTopic`.
 */
export class BulkheadStack extends Stack {
  /** The validated configuration this stack was built from. */
  readonly config: StackConfig;
  /** The AZs the cells run in, in cell order. */
  readonly cellAzs: readonly string[];
  /** Everything the failover, backup and availability constructs take as props. */
  readonly zonal: ZonalServiceExports;
  /** The zonal service construct (endpoint URL, task definition). */
  readonly service: ZonalService;
  /** Topic every alarm notifies (the configured `alarmEmail` is subscribed). */
  readonly alarmTopic: sns.ITopic;
  /** SLIs, incident log, burn-rate alarms and the availability dashboard. */
  readonly availability: Availability;
  /** Zone-shifter, task-replacer, prober, impairment alarms and their wiring. */
  readonly failover: Failover;
  /** Scheduled EFS backups: bucket, function, schedule, no-backup alarm. */
  readonly backup: VolumeBackup;

  constructor(scope: Construct, id: string, props: BulkheadStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    this.cellAzs = this.pickAzs(config.azCount);

    const network = new Network(this, 'Network', {
      availabilityZones: this.cellAzs,
      natGateways: config.natGateways,
      flowLogRetention: config.logRetentionDays,
    });
    const logs = new LogBucket(this, 'AccessLogs');
    const state = new StateBucket(this, 'State', { accessLogsBucket: logs.bucket });
    const volume = new DataVolume(this, 'Data', {
      vpc: network.vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });
    this.service = new ZonalService(this, 'ZonalService', {
      vpc: network.vpc,
      zones: this.cellAzs.map((az) => ({ az, subnet: network.privateSubnetIn(az) })),
      config,
      fileSystem: volume.fileSystem,
      accessPoint: volume.accessPoint,
      accessLogsBucket: logs.bucket,
    });

    this.alarmTopic = new AlarmTopic(this, 'Alarms', { email: config.alarmEmail }).topic;

    this.zonal = {
      vpc: network.vpc,
      cluster: this.service.cluster,
      cells: this.service.cells,
      loadBalancer: this.service.loadBalancer,
      listener: this.service.listener,
      fileSystem: volume.fileSystem,
      accessPoint: volume.accessPoint,
      serviceSecurityGroup: this.service.serviceSecurityGroup,
      stateBucket: state.bucket,
    };

    this.failover = new Failover(this, 'Failover', {
      zonal: this.zonal,
      config: config.failover,
      alarmTopic: this.alarmTopic,
      servicePort: config.service.port,
      healthPath: config.service.healthCheckPath,
    });

    // Later concerns are wired here, each from this.zonal and its own sub-config.
    this.backup = new VolumeBackup(this, 'Backup', {
      zonal: this.zonal,
      config: config.backup,
      alarmTopic: this.alarmTopic,
      accessLogsBucket: logs.bucket,
    });
    this.availability = new Availability(this, 'Availability', {
      zonal: this.zonal,
      // The stack's alarmEmail is already subscribed to the shared topic; don't subscribe it twice.
      config: {
        ...config.availability,
        alarmEmail:
          config.availability.alarmEmail === config.alarmEmail ? undefined : config.availability.alarmEmail,
      },
      endpoint: this.service.endpoint,
      alarmTopic: this.alarmTopic,
      // Failover's per-AZ impairment alarms open and close AZ incidents; its prober feeds the per-AZ probe SLI.
      incidentAlarms: Object.entries(this.failover.impairmentAlarms).flatMap(([az, a]) => [
        { alarm: a.alb, scope: `az:${az}` as const },
        { alarm: a.probe, scope: `az:${az}` as const },
      ]),
      zonalProbe: {
        // Powertools adds the publishing function's `service` dimension to every EMF metric.
        dimensions: probeCellDimensions(this.service.loadBalancer.loadBalancerFullName),
      },
      actionLogGroups: [this.failover.zoneShifter.logGroup, this.failover.taskReplacer.logGroup],
      backupFreshness: this.backup.noBackupAlarm.metric,
      backupAlarm: this.backup.noBackupAlarm,
    });
  }

  /**
   * The first `count` AZs of the region, from the `availability-zones:account=…:region=…` context
   * (cdk.json holds it for the default account, so synth stays offline). For a real account without
   * that context, CDK looks the AZs up on the first pass and synthesizes again with them.
   */
  private pickAzs(count: number): string[] {
    const azs = this.availabilityZones;
    const contextKey = `availability-zones:account=${this.account}:region=${this.region}`;
    const lookedUp = this.node.tryGetContext(contextKey) !== undefined;
    if (lookedUp && azs.length < count) {
      throw new Error(
        `azCount is ${count}, but region ${this.region} lists only ${azs.length} Availability Zones ` +
          `(${azs.join(', ')}) in context "${contextKey}". Lower azCount to ${azs.length} or less, ` +
          'or pick a region with more AZs.',
      );
    }
    return azs.slice(0, count);
  }
}
