/** The slice of Elastic Load Balancing v2 that Bulkhead reads and drives. */
export interface LoadBalancer {
  /** Reads the target groups and weights of a listener's default forward action. */
  getListenerWeights(listenerArn: string): Promise<TargetGroupWeight[]>;
  /** Writes the full forward config (every target group, with its weight) of a listener. */
  setListenerWeights(listenerArn: string, weights: readonly TargetGroupWeight[]): Promise<void>;
  /** Describes the health of every target registered in a target group. */
  describeTargetHealth(targetGroupArn: string): Promise<TargetHealth[]>;
}

/** One target group in a weighted forward action. ALB weights range 0–999. */
export interface TargetGroupWeight {
  readonly targetGroupArn: string;
  readonly weight: number;
}

/** ELBv2 target health states. */
export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

/** One registered target (for Fargate: a task's IP and port). */
export interface TargetHealth {
  readonly id: string;
  readonly port: number;
  readonly availabilityZone?: string;
  readonly state: TargetState;
  readonly reason?: string;
}
