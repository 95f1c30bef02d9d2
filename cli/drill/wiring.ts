import type { BulkheadWiring, DrillContext, Integration } from './bindings';

/**
 * Wires Bulkhead's real function handlers (`lambdas/<fn>/function.ts`) into the simulated region.
 * A function whose code is not on main yet is listed as such, never replaced by a stand-in.
 */
export function wireBulkhead(ctx: DrillContext): BulkheadWiring {
  const integration: Integration[] = [
    {
      function: 'zone-shifter',
      status: 'not-on-main',
      note: 'lambdas/zone-shifter/function.ts is not on main yet',
    },
    {
      function: 'task-replacer',
      status: 'not-on-main',
      note: 'lambdas/task-replacer/function.ts is not on main yet',
    },
    {
      function: 'zonal-prober',
      status: ctx.scenario.signals.includes('prober') ? 'not-on-main' : 'off',
      note: ctx.scenario.signals.includes('prober')
        ? 'lambdas/zonal-prober/function.ts is not on main yet'
        : 'this scenario detects with ALB metrics only',
    },
    {
      function: 'availability',
      status: 'not-on-main',
      note: 'lambdas/availability/function.ts is not on main yet',
    },
    {
      function: 'volume-backup',
      status: ctx.scenario.volume ? 'not-on-main' : 'off',
      note: ctx.scenario.volume ? 'the backup engine is not on main yet' : 'this scenario has no volume',
    },
  ];
  return { bindings: [], alarms: [], integration };
}
