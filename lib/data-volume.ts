import { RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** POSIX identity of nginx in the unprivileged image; the access point maps every client to it. */
export const SERVICE_POSIX_USER = { uid: '101', gid: '101' } as const;

/** Props for {@link DataVolume}. */
export interface DataVolumeProps {
  /** The VPC the mount targets live in. */
  readonly vpc: ec2.IVpc;
  /** Subnets for the mount targets: one per AZ, so each cell mounts inside its own AZ. */
  readonly subnets: ec2.SubnetSelection;
  /**
   * What happens to the data when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The service's data: an encrypted, regional (multi-AZ) EFS file system with one mount target per
 * AZ and one access point rooted at `/bulkhead`, owned by the service user. Its resource policy
 * refuses any access without TLS and any anonymous access, so every client (the tasks, the backup
 * function) must be granted by IAM and mount with transit encryption.
 *
 * The resource policy is set here in full: grant further clients with identity policies
 * (`fileSystem.grant(role, 'elasticfilesystem:ClientMount')`, which same-account roles satisfy), not
 * with `addToResourcePolicy`, whose statements this policy replaces. Open the network path with
 * `fileSystem.connections.allowDefaultPortFrom(securityGroup)`.
 */
export class DataVolume extends Construct {
  /** The file system. */
  readonly fileSystem: efs.FileSystem;
  /** The access point the tasks and the backup function mount. */
  readonly accessPoint: efs.AccessPoint;

  constructor(scope: Construct, id: string, props: DataVolumeProps) {
    super(scope, id);
    this.fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      encrypted: true,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
      enableAutomaticBackups: false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Replaces the policy CDK would write (which allows any principal reaching a mount target to write
    // and act as root): here access needs an IAM grant, and nothing gets through without TLS.
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'DenyWithoutTls',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: [
            'elasticfilesystem:ClientMount',
            'elasticfilesystem:ClientWrite',
            'elasticfilesystem:ClientRootAccess',
          ],
          conditions: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ],
    });
    (this.fileSystem.node.defaultChild as efs.CfnFileSystem).addPropertyOverride('FileSystemPolicy', policy);
    this.accessPoint = this.fileSystem.addAccessPoint('AccessPoint', {
      path: '/bulkhead',
      posixUser: SERVICE_POSIX_USER,
      createAcl: { ownerUid: SERVICE_POSIX_USER.uid, ownerGid: SERVICE_POSIX_USER.gid, permissions: '750' },
    });
  }
}
