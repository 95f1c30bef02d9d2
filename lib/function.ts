import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_BUNDLE_SETTINGS } from './lambda-bundle-settings';

/** Props for {@link BulkheadFunction}: everything NodejsFunction takes, less what is fixed here. */
export interface BulkheadFunctionProps
  extends Omit<nodejs.NodejsFunctionProps, 'entry' | 'runtime' | 'architecture' | 'logGroup' | 'bundling'> {
  /** Function folder under `lambdas/`, e.g. `zone-shifter`; its `handler.ts` is the entry. */
  readonly functionDir: string;
  /**
   * Log retention.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The one place Lambda defaults live: Node.js 24 on arm64 (cheaper per ms, and nodejs24.x clears
 * cdk-nag L1), minified esbuild bundles with the pinned SDK inside (so the code runs against the SDK
 * it was tested with), JSON logs into a log group with retention, and X-Ray tracing.
 */
export class BulkheadFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: BulkheadFunctionProps) {
    const { functionDir, logRetention, ...rest } = props;
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      memorySize: 256,
      timeout: Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      ...rest,
      entry: path.join(__dirname, '..', 'lambdas', functionDir, 'handler.ts'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      logGroup,
      bundling: {
        ...LAMBDA_BUNDLE_SETTINGS,
        sourceMap: true,
        sourcesContent: false,
        externalModules: [],
        // Source maps are loaded only when enabled, so cold starts don't pay for them by default.
      },
    });
  }
}
