import * as z from 'zod/mini';
import '../zod-english';
import { describeIssues } from '../zod-issues';

/** A stored record that could not be used, with the reason; it is skipped, never guessed at. */
export interface MalformedRecord {
  readonly key: string;
  readonly reason: string;
}

/**
 * Parses one stored JSON object against a schema: the value, or why the record is malformed (bad
 * JSON, or which fields are wrong), so readers of the state bucket skip it rather than guess.
 */
export function parseStoredRecord<S extends z.core.$ZodType>(
  key: string,
  body: Uint8Array,
  schema: S,
):
  | { readonly ok: true; readonly value: z.output<S> }
  | { readonly ok: false; readonly malformed: MalformedRecord } {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch (error) {
    return { ok: false, malformed: { key, reason: `not JSON: ${(error as Error).message}` } };
  }
  const parsed = z.safeParse(schema, value);
  if (!parsed.success)
    return { ok: false, malformed: { key, reason: describeIssues(parsed.error.issues, value, '(record)') } };
  return { ok: true, value: parsed.data };
}
