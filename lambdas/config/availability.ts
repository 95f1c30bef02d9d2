import { z } from 'zod';

/** Deploy-time settings of the availability functions (cdk.json context `bulkhead.availability`). Filled in by the availability work. */
export const availabilityConfigSchema = z.object({}).strict();

/** Validated availability settings. */
export type AvailabilityConfig = z.infer<typeof availabilityConfigSchema>;
