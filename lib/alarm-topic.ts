import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Props for {@link AlarmTopic}. */
export interface AlarmTopicProps {
  /**
   * Address subscribed to the topic (it must confirm the subscription e-mail AWS sends).
   * @default no subscription
   */
  readonly email?: string;
}

/**
 * Where Bulkhead's alarms and regional-event alerts go: one SNS topic, encrypted with a customer key
 * that CloudWatch may use (alarms cannot publish to a topic under the AWS-managed `aws/sns` key),
 * publishing over TLS only, with the configured alarm e-mail subscribed.
 */
export class AlarmTopic extends Construct {
  /** The topic; use it as the action of every alarm (`new SnsAction(topic)`). */
  readonly topic: sns.Topic;
  /** The key the topic is encrypted with; publishers other than CloudWatch need `kms:GenerateDataKey*` on it. */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'Bulkhead alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key.grant(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Bulkhead alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }
}
