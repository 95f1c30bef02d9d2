import type { Scenario } from './scenario';

/** Options of a live drill. */
export interface LiveDrillOptions {
  readonly scenarios: readonly Scenario[];
  readonly yes: boolean;
  readonly out: string;
}

/** Live mode: not implemented in this build; says so and touches nothing. */
export async function runLiveDrill(_options: LiveDrillOptions): Promise<number> {
  process.stderr.write('bulkhead drill --live: not available in this build; nothing was changed.\n');
  return 1;
}
