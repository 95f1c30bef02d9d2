import { InvalidArgumentError } from 'commander';

/** Commander option parser for a whole number ≥ 0 (`--at`, `--seed`, `--audit`). */
export function parseNonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`must be a whole number ≥ 0, got ${value}`);
  return n;
}
