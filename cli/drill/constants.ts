/**
 * What the drill, invoke and status commands need at registration (help texts, exit codes), kept
 * free of heavy imports so every `bulkhead` command starts fast: the simulated region, the
 * functions and the AWS clients load only when a drill command runs.
 */

/** Exit codes of `bulkhead invoke`. */
export const INVOKE_EXIT = { ok: 0, error: 1, usage: 2, handlerFailed: 3 } as const;

/** Functions `bulkhead invoke` can run. */
export const INVOKABLE = [
  'zone-shifter',
  'task-replacer',
  'zonal-prober',
  'availability',
  'volume-backup',
] as const;

/** Exit codes of `bulkhead status`. */
export const STATUS_EXIT = { ok: 0, error: 1, usage: 2 } as const;

/** Names of the errors that mean "bad input" (exit code 2) rather than a failure. */
export const USAGE_ERRORS = new Set(['UsageError', 'ScenarioError', 'LiveTargetError']);
