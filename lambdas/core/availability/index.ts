/**
 * Bulkhead's availability math: a pure library (no SDK, no I/O, no clock) shared by the
 * availability function, the CLI and the drills. See the README section "Availability".
 */
export * from './error-budget';
export * from './incident';
export * from './report';
export * from './request-based';
export * from './time-based';
export * from './windows';
