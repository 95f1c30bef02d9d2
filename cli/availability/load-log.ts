import { promises as fs } from 'node:fs';
import { DirObjectStore } from '../../lambdas/adapters/local/dir-object-store';
import { foldIncidentLog, type StoredIncidentEvent } from '../../lambdas/core/incidents/fold';
import { parseIncidentEvent } from '../../lambdas/core/incidents/incident-event';
import {
  type IncidentHistory,
  loadIncidentHistory,
  malformedFinding,
} from '../../lambdas/core/incidents/incident-log';
import { linkActions } from '../../lambdas/core/incidents/link-actions';
import type { MalformedRecord } from '../../lambdas/core/incidents/stored-record';
import type { ObjectStore } from '../../lambdas/ports/object-store';

/** Where the CLI reads the incident log from. */
export type LogSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'dir'; readonly path: string }
  | { readonly kind: 'store'; readonly store: ObjectStore; readonly label: string };

/** A usage problem the CLI reports with exit code 2 (bad path, unreadable file). */
export class LogSourceError extends Error {}

/**
 * Resolves `--log`: a directory is a local copy of the state bucket (`incidents/` and `audit/`
 * under it, e.g. from `aws s3 sync s3://<bucket> <dir>`); a file holds one incident record per
 * line (JSON Lines), as `aws s3 cp` of several records concatenated would.
 */
export async function resolveLogPath(path: string): Promise<LogSource> {
  let stat: Awaited<ReturnType<typeof fs.stat>>;
  try {
    stat = await fs.stat(path);
  } catch (error) {
    throw new LogSourceError(
      `--log ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`,
    );
  }
  return stat.isDirectory() ? { kind: 'dir', path } : { kind: 'file', path };
}

/** Reads the incident history from a source; every malformed record comes back as a finding. */
export async function loadHistory(
  source: LogSource,
  options: { nowMs: number; auditFromMs: number },
): Promise<IncidentHistory> {
  // A local copy's file times are copy times, not write times: no evidence of writer clock skew.
  if (source.kind === 'dir')
    return loadIncidentHistory(new DirObjectStore(source.path), { ...options, checkStoreClock: false });
  if (source.kind === 'store') return loadIncidentHistory(source.store, options);
  const text = await fs.readFile(source.path, 'utf8');
  const records: StoredIncidentEvent[] = [];
  const malformed: MalformedRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const key = `${source.path}:${i + 1}`;
    const parsed = parseIncidentEvent(key, new TextEncoder().encode(line));
    if (parsed.ok) records.push({ key, event: parsed.event });
    else malformed.push(parsed.malformed);
  });
  const folded = foldIncidentLog(records);
  return {
    incidents: linkActions(folded.incidents, []),
    gaps: folded.gaps,
    findings: [...folded.findings, ...malformed.map(malformedFinding)],
    malformed,
    events: folded.events,
    auditRecords: 0,
  };
}
