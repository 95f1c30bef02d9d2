// zod/mini's parse functions take any zod 4 schema (classic or mini) and, unlike classic `zod`,
// add almost nothing to a Lambda bundle that imports this file.
import * as z from 'zod/mini';
import { describeIssues } from '../core/zod-issues';
import '../core/zod-english';

/** An environment as the handlers read it once per cold start. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Returns env var `name`; throws saying it is not set when it is missing or empty. */
export function requireEnv(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/**
 * Parses env var `name`'s JSON value against `schema`; throws naming the variable with the bad
 * JSON (first 200 characters), or each invalid field with what was expected and the value found.
 */
export function parseJsonEnv<S extends z.core.$ZodType>(name: string, raw: string, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`${name} is not JSON (${(error as Error).message}): ${raw.slice(0, 200)}`);
  }
  const parsed = z.safeParse(schema, json);
  if (!parsed.success) throw new Error(`${name} is invalid: ${describeIssues(parsed.error.issues, json)}`);
  return parsed.data;
}
