import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { AVAILABILITY_EXIT, runAvailability } from '../../cli/commands/availability';
import { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import { DirObjectStore } from '../../lambdas/adapters/local/dir-object-store';
import { type AuditRecord, auditKey } from '../../lambdas/core/audit-record';
import { appendIncidentEvent, type IncidentEvent } from '../../lambdas/core/incidents';
import type { ObjectStore } from '../../lambdas/ports/object-store';
import { mockS3Bucket } from '../failover/mock-s3';

const at = (hhmm: string) => Date.parse(`2026-11-27T${hhmm}:00Z`);
const NOW = '2026-11-27T12:00:00Z';

function ev(
  kind: IncidentEvent['kind'],
  scope: IncidentEvent['scope'],
  cause: string,
  atMs: number,
  extra: Partial<IncidentEvent> = {},
): IncidentEvent {
  return { schemaVersion: 1, kind, scope, cause, atMs, observedAtMs: atMs, source: 'test', ...extra };
}

/**
 * The hand-worked hour 11:00–12:00:
 * - service: sli:requests incident 11:10–11:16, detected 11:11; the 11:13 evacuation mitigates it.
 * - az:us-east-1a: alarm incident 11:09–11:20, detected 11:10; mitigated by the same evacuation at 11:13.
 * - az:us-east-1b: no signal 11:30–11:40 (a gap), no incident.
 */
async function seed(store: ObjectStore): Promise<void> {
  const events = [
    ev('open', 'service', 'sli:requests', at('11:10'), { observedAtMs: at('11:11') }),
    ev('close', 'service', 'sli:requests', at('11:16')),
    ev('open', 'az:us-east-1a', 'alarm:a-impaired', at('11:09'), { observedAtMs: at('11:10') }),
    ev('close', 'az:us-east-1a', 'alarm:a-impaired', at('11:20')),
    ev('gap', 'az:us-east-1b', 'no-signal:sli:requests', at('11:30'), { endMs: at('11:40') }),
  ];
  for (const e of events) await appendIncidentEvent(store, e);
  const audit: AuditRecord = {
    schemaVersion: 1,
    id: 'shift-1',
    function: 'zone-shifter',
    eventId: 'e',
    decidedAtMs: at('11:13'),
    decision: 'evacuate',
    reason: 'az a impaired',
    az: 'us-east-1a',
    dryRun: false,
    paused: false,
    inputs: {},
    actions: [{ api: 'ModifyListener', target: 'l', params: {}, result: 'ok' }],
  };
  await store.put(auditKey(audit), new TextEncoder().encode(JSON.stringify(audit)));
  await store.put(
    'incidents/2026-11-27/broken.json',
    new TextEncoder().encode('{"schemaVersion":1,"kind":"open"}'),
  );
}

describe('bulkhead availability over a local copy of the state bucket', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'availability-cli-'));
    await seed(new DirObjectStore(dir));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('GIVEN the hand-worked hour WHEN printed as a table THEN every figure matches and problems are listed', async () => {
    const result = await runAvailability({ window: '1h', slo: '99.9', log: dir, now: NOW });
    expect(result.code).toBe(AVAILABILITY_EXIT.ok);
    const rows = Object.fromEntries(
      result.stdout
        .split('\n')
        .filter((l) => /^(service|az:)/.test(l))
        .map((l) => [l.split(/\s{2,}/)[0], l.split(/\s{2,}/)]),
    );
    // scope, availability, failures, open, MTBF, MTTR, MTTD, to mitigate, unobserved, budget left
    expect(rows['service']).toEqual([
      'service',
      '90.000%',
      '1',
      '0',
      '54m 0s',
      '6m 0s',
      '1m 0s',
      '3m 0s',
      '0s',
      '-9900.0%',
    ]);
    expect(rows['az:us-east-1a']).toEqual([
      'az:us-east-1a',
      '81.667%',
      '1',
      '0',
      '49m 0s',
      '11m 0s',
      '1m 0s',
      '4m 0s',
      '0s',
      '-18233.3%',
    ]);
    expect(rows['az:us-east-1b']).toEqual([
      'az:us-east-1b',
      '100.000%',
      '0',
      '0',
      '> 50m 0s',
      '-',
      '-',
      '-',
      '10m 0s',
      '100.0%',
    ]);
    expect(result.stdout).toContain('az:us-east-1b: 2026-11-27T11:30:00Z to 2026-11-27T11:40:00Z');
    expect(result.stdout).toMatch(
      /error\s+malformed incidents\/2026-11-27\/broken\.json: skipped malformed record: scope/,
    );
    expect(result.stdout).toMatch(
      /2026-11-27T11:09:00Z\s+2026-11-27T11:20:00Z\s+11m 0s\s+az:us-east-1a\s+alarm:a-impaired\s+1m 0s\s+4m 0s\s+shift-1/,
    );
  });

  test('GIVEN --json THEN undefined figures are null and the numbers are the hand-worked ones', async () => {
    const result = await runAvailability({ window: '1h', slo: '99.9', log: dir, now: NOW, json: true });
    const doc = JSON.parse(result.stdout);
    expect(doc.scopes.service).toMatchObject({
      availability: 0.9,
      failures: 1,
      mtbfMs: 54 * 60_000,
      mttrMs: 6 * 60_000,
      mttdMs: 60_000,
      mttmMs: 3 * 60_000,
    });
    // 6 minutes down against 0.1 % of one hour (3.6 s) of budget: 100 budgets spent, -99 left.
    expect(doc.scopes.service.errorBudget.remaining).toBeCloseTo(1 - 360 / 3.6, 6);
    expect(doc.scopes['az:us-east-1b']).toMatchObject({
      mtbfMs: null,
      mttrMs: null,
      mtbfLowerBoundMs: 50 * 60_000,
      unobservedMs: 10 * 60_000,
    });
    expect(doc.findings).toEqual([expect.objectContaining({ severity: 'error', code: 'malformed' })]);
    expect(doc.records).toEqual({ incidents: 5, audit: 1, malformed: 1 });
  });

  test('GIVEN a 30-day window THEN the same incidents give the 30-day figures', async () => {
    const doc = JSON.parse(
      (await runAvailability({ window: '30d', slo: '99.9', log: dir, now: NOW, json: true })).stdout,
    );
    const month = 30 * 24 * 60;
    expect(doc.scopes.service.availability).toBeCloseTo(1 - 6 / month, 12);
    // 6 minutes of a 43.2-minute budget spent.
    expect(doc.scopes.service.errorBudget.remaining).toBeCloseTo(1 - 6 / 43.2, 9);
  });
});

describe('bulkhead availability over a JSON Lines file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'availability-jsonl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('GIVEN a file with a bad line THEN the line is reported by number and the rest counts', async () => {
    const file = path.join(dir, 'incidents.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify(ev('open', 'service', 'sli:probes', at('11:30'))),
        'not json at all',
        JSON.stringify(ev('close', 'service', 'sli:probes', at('11:36'))),
        '',
      ].join('\n'),
    );
    const doc = JSON.parse(
      (await runAvailability({ window: '1h', slo: '99.9', log: file, now: NOW, json: true })).stdout,
    );
    expect(doc.scopes.service.availability).toBeCloseTo(0.9, 12);
    expect(doc.findings).toEqual([expect.objectContaining({ code: 'malformed', key: `${file}:2` })]);
  });
});

describe('bulkhead availability over the state bucket (S3 adapter, mocked client)', () => {
  test('GIVEN --bucket THEN the records are read through S3 and give the same figures', async () => {
    const { s3 } = mockS3Bucket();
    await seed(new S3ObjectStore({ client: new S3Client({ region: 'us-east-1' }), bucket: 'state' }));
    const doc = JSON.parse(
      (
        await runAvailability({
          window: '1h',
          slo: '99.9',
          bucket: 'state',
          region: 'us-east-1',
          now: NOW,
          json: true,
        })
      ).stdout,
    );
    expect(doc.source).toBe('s3://state/');
    expect(doc.scopes.service.availability).toBeCloseTo(0.9, 12);
    expect(doc.scopes['az:us-east-1a'].mttmMs).toBe(4 * 60_000);
    s3.restore();
  });
});

describe('usage errors', () => {
  test.each([
    [{ window: '30d', slo: '99.9' }, /exactly one of --log <file\|dir> or --bucket <name>/],
    [{ window: '30d', slo: '99.9', log: 'x', bucket: 'y' }, /exactly one of/],
    [
      { window: '30d', slo: '100', log: 'x' },
      /--slo must be a percentage strictly between 0 and 100, e.g. 99.9; got "100"/,
    ],
    [{ window: '30d', slo: 'abc', log: 'x' }, /got "abc"/],
    [{ window: '2w', slo: '99.9', log: 'x' }, /--window: invalid window "2w"/],
    [
      { window: '1h', slo: '99.9', log: 'x', now: 'yesterday' },
      /--now must be an ISO time or epoch milliseconds; got "yesterday"/,
    ],
    [
      { window: '1h', slo: '99.9', log: '/nonexistent/incidents' },
      /--log \/nonexistent\/incidents: no such file or directory/,
    ],
  ])('GIVEN %p THEN exit code 2 with a message naming the bad value', async (opts, message) => {
    const result = await runAvailability(opts);
    expect(result.code).toBe(AVAILABILITY_EXIT.usage);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  test('GIVEN the real bin WHEN given a bad SLO THEN it exits 2; --help explains the definitions and exit codes', () => {
    const bin = path.join(__dirname, '..', '..', 'bin', 'bulkhead.cjs');
    const bad = spawnSync(process.execPath, [bin, 'availability', '--log', '.', '--slo', '120'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('got "120"');
    const help = spawnSync(process.execPath, [bin, 'availability', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('MTBF / (MTBF + MTTR)');
    expect(help.stdout).toContain('Exit codes: 0 done');
  });
});
