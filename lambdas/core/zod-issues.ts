import type * as z from 'zod/mini';

/** The value at `path` in `root`; undefined where the path leads nowhere. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** A value as an error message shows it: JSON, at most 80 characters; `nothing` when missing. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/**
 * One line naming each invalid field (the first five), what zod expected and the value found, e.g.
 * `cells.0.az: Invalid string: must match pattern /^[a-z0-9-]+$/ (got "US-EAST-1A")`.
 * @param input the value that was parsed, to show what each issue's field held
 * @param root how to name an issue about the value as a whole
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown, root = '(root)'): string {
  const shown = issues
    .slice(0, 5)
    .map(
      (i) =>
        `${i.path.length > 0 ? i.path.join('.') : root}: ${i.message} (got ${showValue(valueAt(input, i.path))})`,
    );
  if (issues.length > 5) shown.push(`and ${issues.length - 5} more`);
  return shown.join('; ');
}
