import { z } from 'zod';

/** Deploy-time settings of the failover functions (cdk.json context `bulkhead.failover`). Filled in by the failover work. */
export const failoverConfigSchema = z.object({}).strict();

/** Validated failover settings. */
export type FailoverConfig = z.infer<typeof failoverConfigSchema>;
