import type { z } from 'zod';

/** A stored record that could not be used, with the reason; it is skipped, never guessed at. */
export interface MalformedRecord {
  readonly key: string;
  readonly reason: string;
}

/**
 * Parses one stored JSON object against a schema: the value, or why the record is malformed (bad
 * JSON, or which fields are wrong), so readers of the state bucket skip it rather than guess.
 */
export function parseStoredRecord<S extends z.ZodType>(
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
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`)
      .join('; ');
    return { ok: false, malformed: { key, reason } };
  }
  return { ok: true, value: parsed.data };
}
