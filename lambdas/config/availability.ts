import { z } from 'zod';
import { availabilitySettingFields } from './availability-runtime';

// Deploy-time only (lib/, cdk.json): classic zod. The runtime side (env vars, metric names, runtime
// schema) is in availability-runtime.ts, in zod/mini, and is all the Lambda bundle imports.

/**
 * Deploy-time settings of the availability function (cdk.json context `bulkhead.availability`).
 * Every field is optional; each default is in {@link AVAILABILITY_DEFAULTS}. The probe and incident
 * settings pass to the runtime config unchanged, so their bounds are defined once, with their docs,
 * in `availabilitySettingFields` (availability-runtime.ts).
 */
export const availabilityConfigSchema = z
  .object({
    /** How often the function runs, in minutes. @default 1 */
    scheduleMinutes: z.literal([1, 5]),
    /** The availability objective, in percent, e.g. 99.9. @default 99.9 */
    sloPercent: z.number().gt(0).lt(100),
    /** The SLO window in days (error budget period). @default 30 */
    sloWindowDays: z.number().int().min(1).max(90),
    /** An email address subscribed to the burn-rate alarm topic. @default none */
    alarmEmail: z.email(),
    /** Path of the end-to-end probe through the ALB; `false` turns the probe off. @default '/' */
    probePath: z.union([z.string().startsWith('/'), z.literal(false)]),
    ...availabilitySettingFields,
  })
  .partial()
  .strict();

/** Validated availability settings. */
export type AvailabilityConfig = z.infer<typeof availabilityConfigSchema>;

/** Defaults of {@link AvailabilityConfig}, resolved in one place for the construct and the function. */
export const AVAILABILITY_DEFAULTS = {
  scheduleMinutes: 1,
  sloPercent: 99.9,
  sloWindowDays: 30,
  probePath: '/',
  probesPerRun: 3,
  probeTimeoutMs: 2000,
  errorRatioThreshold: 0.05,
  minRequestsPerMinute: 10,
  probeFailureThreshold: 0.5,
  openAfterMinutes: 2,
  closeAfterMinutes: 3,
} as const satisfies Omit<Required<AvailabilityConfig>, 'alarmEmail'>;
