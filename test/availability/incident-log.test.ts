import fc from 'fast-check';
import { MemoryObjectStore } from '../../lambdas/adapters/memory/memory-object-store';
import { type AuditRecord, auditKey } from '../../lambdas/core/audit-record';
import {
  appendIncidentEvent,
  foldIncidentLog,
  type IncidentEvent,
  incidentEventKey,
  loadIncidentHistory,
  parseIncidentEvent,
  type StoredIncidentEvent,
} from '../../lambdas/core/incidents';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const MIN = 60_000;

function ev(kind: IncidentEvent['kind'], atMin: number, extra: Partial<IncidentEvent> = {}): IncidentEvent {
  return {
    schemaVersion: 1,
    kind,
    scope: 'az:us-east-1a',
    cause: 'sli:requests',
    atMs: T0 + atMin * MIN,
    observedAtMs: T0 + atMin * MIN,
    source: 'availability',
    ...extra,
  };
}
const stored = (event: IncidentEvent, storedAtMs?: number): StoredIncidentEvent => ({
  key: incidentEventKey(event),
  event,
  storedAtMs,
});
const enc = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('incident event keys and appends', () => {
  test('GIVEN the same event appended twice WHEN read back THEN there is one object and the second append is a no-op', async () => {
    const store = new MemoryObjectStore(() => T0);
    const open = ev('open', 0);
    expect(await appendIncidentEvent(store, open)).toEqual({ key: incidentEventKey(open), written: true });
    expect(await appendIncidentEvent(store, { ...open, observedAtMs: open.observedAtMs + 5 })).toEqual({
      key: incidentEventKey(open),
      written: false,
    });
    const keys: string[] = [];
    for await (const info of store.list('incidents/')) keys.push(info.key);
    expect(keys).toEqual([incidentEventKey(open)]);
    expect(keys[0]).toMatch(/^incidents\/2026-11-27\/001795780800000-open-[0-9a-f]{16}\.json$/);
  });

  test('GIVEN events differing in scope, cause, kind or time THEN their keys differ', () => {
    const keys = new Set([
      incidentEventKey(ev('open', 0)),
      incidentEventKey(ev('close', 0)),
      incidentEventKey(ev('open', 1)),
      incidentEventKey(ev('open', 0, { scope: 'service' })),
      incidentEventKey(ev('open', 0, { cause: 'sli:probes' })),
    ]);
    expect(keys.size).toBe(5);
  });

  test.each([
    { name: 'not JSON', body: '{oops', reason: /^not JSON/ },
    { name: 'a wrong schema version', body: { ...ev('open', 0), schemaVersion: 2 }, reason: /schemaVersion/ },
    { name: 'a bad scope', body: { ...ev('open', 0), scope: 'zone-a' }, reason: /scope: scope must be/ },
    { name: 'a missing time', body: { ...ev('open', 0), atMs: undefined }, reason: /atMs/ },
    { name: 'a negative time', body: { ...ev('open', 0), atMs: -5 }, reason: /atMs/ },
    { name: 'a gap without an end', body: ev('gap', 0), reason: /endMs: a gap record needs endMs > atMs/ },
    { name: 'an unknown kind', body: { ...ev('open', 0), kind: 'reopen' }, reason: /kind/ },
  ])('GIVEN a record with $name WHEN parsed THEN it is malformed with a clear reason', ({ body, reason }) => {
    const parsed = parseIncidentEvent('incidents/x.json', enc(body));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.malformed.key).toBe('incidents/x.json');
      expect(parsed.malformed.reason).toMatch(reason);
    }
  });

  test('GIVEN a record with unknown extra fields WHEN parsed THEN it is accepted', () => {
    const parsed = parseIncidentEvent('k', enc({ ...ev('open', 0), futureField: { a: 1 } }));
    expect(parsed.ok).toBe(true);
  });
});

describe('folding the log', () => {
  test.each([
    {
      name: 'open then close',
      events: [ev('open', 0, { observedAtMs: T0 + 2 * MIN }), ev('close', 10)],
      incidents: [{ startedAtMs: T0, detectedAtMs: T0 + 2 * MIN, endedAtMs: T0 + 10 * MIN }],
      codes: [],
    },
    {
      name: 'close stored before open (out of order)',
      events: [ev('close', 10), ev('open', 0)],
      incidents: [{ startedAtMs: T0, endedAtMs: T0 + 10 * MIN }],
      codes: [],
    },
    {
      name: 'a second open while open (a late re-detection)',
      events: [ev('open', 0), ev('open', 3), ev('close', 10)],
      incidents: [{ startedAtMs: T0, endedAtMs: T0 + 10 * MIN }],
      codes: ['duplicate-open'],
    },
    {
      name: 'a close with nothing open',
      events: [ev('close', 5)],
      incidents: [],
      codes: ['unmatched-close'],
    },
    {
      name: 'an open that is still open',
      events: [ev('open', 0)],
      incidents: [{ startedAtMs: T0 }],
      codes: [],
    },
    {
      name: 'two incidents in a row',
      events: [ev('open', 0), ev('close', 5), ev('open', 20), ev('close', 30)],
      incidents: [
        { startedAtMs: T0, endedAtMs: T0 + 5 * MIN },
        { startedAtMs: T0 + 20 * MIN, endedAtMs: T0 + 30 * MIN },
      ],
      codes: [],
    },
    {
      name: 'overlapping incidents of two causes in one scope (kept apart here, merged by the math)',
      events: [
        ev('open', 0),
        ev('open', 2, { cause: 'alarm:a' }),
        ev('close', 5),
        ev('close', 8, { cause: 'alarm:a' }),
      ],
      incidents: [
        { cause: 'sli:requests', startedAtMs: T0, endedAtMs: T0 + 5 * MIN },
        { cause: 'alarm:a', startedAtMs: T0 + 2 * MIN, endedAtMs: T0 + 8 * MIN },
      ],
      codes: [],
    },
    {
      name: 'an open dated after it was observed (writer clock skew): detection taken as the event time',
      events: [ev('open', 10, { observedAtMs: T0 })],
      incidents: [{ startedAtMs: T0 + 10 * MIN, detectedAtMs: T0 + 10 * MIN }],
      codes: ['event-after-observation'],
    },
  ])(
    'GIVEN $name WHEN folded THEN the incidents and findings are as worked out',
    ({ events, incidents, codes }) => {
      const folded = foldIncidentLog(events.map((e) => stored(e)));
      expect(folded.incidents).toHaveLength(incidents.length);
      incidents.forEach((want, i) => {
        expect(folded.incidents[i]).toMatchObject(want);
        if (!('endedAtMs' in want) || want.endedAtMs === undefined)
          expect(folded.incidents[i].endedAtMs).toBeUndefined();
      });
      expect(folded.findings.map((f) => f.code)).toEqual(codes);
    },
  );

  test('GIVEN a writer whose clock is 10 minutes off the store WHEN folded THEN clock skew is reported', () => {
    const folded = foldIncidentLog([stored(ev('open', 0), T0 + 10 * MIN)]);
    expect(folded.findings).toEqual([
      expect.objectContaining({
        code: 'clock-skew',
        severity: 'warning',
        message: expect.stringContaining('-600 s apart'),
      }),
    ]);
  });

  test('GIVEN gap records WHEN folded THEN they come out per scope', () => {
    const folded = foldIncidentLog([stored(ev('gap', 0, { endMs: T0 + 5 * MIN, cause: 'no-signal' }))]);
    expect(folded.gaps).toEqual({ 'az:us-east-1a': [{ startMs: T0, endMs: T0 + 5 * MIN }] });
    expect(folded.incidents).toEqual([]);
  });

  test('PROPERTY: any order and any duplication of the records folds to the same incidents (replay converges)', () => {
    const eventArb = fc.record({
      kind: fc.constantFrom<'open' | 'close'>('open', 'close'),
      at: fc.integer({ min: 0, max: 50 }),
      scope: fc.constantFrom<IncidentEvent['scope']>('service', 'az:us-east-1a'),
      cause: fc.constantFrom('sli:requests', 'alarm:x'),
    });
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (raw, picks) => {
          const records = raw.map((r) => stored(ev(r.kind, r.at, { scope: r.scope, cause: r.cause })));
          const replayed = [...records];
          for (const p of picks) if (records.length > 0) replayed.push(records[p % records.length]);
          replayed.reverse();
          const a = foldIncidentLog(records);
          const b = foldIncidentLog(replayed);
          expect(b.incidents).toEqual(a.incidents);
          expect(b.findings.map((f) => f.code).sort()).toEqual(a.findings.map((f) => f.code).sort());
        },
      ),
    );
  });
});

function audit(partial: Partial<AuditRecord> & { decidedAtMs: number; id: string }): AuditRecord {
  return {
    schemaVersion: 1,
    function: 'zone-shifter',
    eventId: 'e1',
    decision: 'evacuate',
    reason: 'az impaired',
    az: 'us-east-1a',
    dryRun: false,
    paused: false,
    inputs: {},
    actions: [{ api: 'ModifyListener', target: 'arn:listener', params: {}, result: 'ok' }],
    ...partial,
  };
}

describe('loading the history from the store, with audit links', () => {
  test('GIVEN incidents, audit records and bad records WHEN loaded THEN actions are linked and every problem is reported', async () => {
    let storeClock = T0;
    const store = new MemoryObjectStore(() => storeClock);
    for (const event of [
      ev('open', 0, { observedAtMs: T0 + 1 * MIN }),
      ev('close', 10),
      ev('open', 0, { scope: 'service', cause: 'sli:probes' }),
      ev('close', 4, { scope: 'service', cause: 'sli:probes' }),
    ]) {
      storeClock = event.observedAtMs; // writers' clocks agree with the store's
      await appendIncidentEvent(store, event);
    }
    storeClock = T0 + 60 * MIN;
    await store.put('incidents/2026-11-27/broken.json', enc('{not json'));
    await store.put(
      'incidents/2026-11-27/future.json',
      enc(ev('open', 24 * 60, { observedAtMs: T0 + 24 * 60 * MIN })),
    );
    const records = [
      audit({ id: 'dry', decidedAtMs: T0 + 1 * MIN, dryRun: true }),
      audit({ id: 'other-az', decidedAtMs: T0 + 2 * MIN, az: 'us-east-1b' }),
      audit({ id: 'evacuate', decidedAtMs: T0 + 3 * MIN }),
      audit({ id: 'none', decidedAtMs: T0 + 4 * MIN, decision: 'none' }),
      audit({ id: 'after', decidedAtMs: T0 + 11 * MIN }),
      { ...audit({ id: 'unknown-fields', decidedAtMs: T0 + 5 * MIN }), newField: 1 } as AuditRecord,
    ];
    for (const r of records) await store.put(auditKey(r), enc(r));
    await store.put('audit/2026-11-27/000-bad.json', enc({ id: 'x' }));
    await store.put('audit/2026-10-01/000000000000000-old.json', enc('{not even json'));

    const history = await loadIncidentHistory(store, {
      nowMs: T0 + 60 * MIN,
      auditFromMs: T0 - 24 * 60 * MIN,
    });

    const az = history.incidents.find((i) => i.scope === 'az:us-east-1a');
    expect(az).toMatchObject({
      startedAtMs: T0,
      detectedAtMs: T0 + MIN,
      endedAtMs: T0 + 10 * MIN,
      mitigatedAtMs: T0 + 3 * MIN,
      actions: ['evacuate', 'unknown-fields'],
    });
    const service = history.incidents.find((i) => i.scope === 'service');
    expect(service).toMatchObject({ mitigatedAtMs: T0 + 2 * MIN, actions: ['other-az', 'evacuate'] });
    expect(history.malformed.map((m) => m.key).sort()).toEqual([
      'audit/2026-11-27/000-bad.json',
      'incidents/2026-11-27/broken.json',
    ]);
    expect(history.findings.map((f) => f.code).sort()).toEqual([
      'clock-skew',
      'event-in-future',
      'malformed',
      'malformed',
    ]);
    // 'after' (11 min) falls outside every incident's open period: it is neither fetched nor linked.
    expect(history.auditRecords).toBe(5);
  });

  test('GIVEN a day of "none" decisions and one incident WHEN loaded THEN only audit records inside the incident are fetched', async () => {
    const store = new MemoryObjectStore(() => T0);
    await appendIncidentEvent(store, ev('open', 30));
    await appendIncidentEvent(store, ev('close', 33));
    for (let m = 0; m < 24 * 60; m += 1) {
      const r = audit({
        id: `tick-${m}`,
        decidedAtMs: T0 - 12 * 60 * MIN + m * MIN,
        decision: 'none',
        actions: [],
      });
      await store.put(auditKey(r), enc(r));
    }
    const gets = jest.spyOn(store, 'get');
    const history = await loadIncidentHistory(store, {
      nowMs: T0 + 60 * MIN,
      auditFromMs: T0 - 30 * 24 * 60 * MIN,
    });
    const auditGets = gets.mock.calls.filter(([key]) => key.startsWith('audit/'));
    expect(auditGets).toHaveLength(3); // minutes 30, 31 and 32 after T0: the incident's open period
    expect(history.auditRecords).toBe(3);
  });

  test("GIVEN a cache WHEN loaded twice THEN a past day's audit listing is listed once, today's every time", async () => {
    const store = new MemoryObjectStore(() => T0);
    await appendIncidentEvent(store, ev('open', -3 * 24 * 60)); // open for three days: touches four day prefixes
    const lists = jest.spyOn(store, 'list');
    const cache = new Map();
    const load = () => loadIncidentHistory(store, { nowMs: T0, auditFromMs: T0 - 30 * 24 * 60 * MIN, cache });
    await load();
    await load();
    const auditLists = lists.mock.calls.map(([prefix]) => prefix).filter((p) => p.startsWith('audit/'));
    expect(auditLists.sort()).toEqual([
      'audit/2026-11-24/',
      'audit/2026-11-25/',
      'audit/2026-11-26/',
      'audit/2026-11-26/',
      'audit/2026-11-27/',
      'audit/2026-11-27/',
    ]);
  });

  test('GIVEN a record cache WHEN loaded twice THEN immutable records are fetched once', async () => {
    const store = new MemoryObjectStore(() => T0);
    await appendIncidentEvent(store, ev('open', 0));
    const gets = jest.spyOn(store, 'get');
    const cache = new Map();
    await loadIncidentHistory(store, { nowMs: T0, auditFromMs: T0, cache });
    await loadIncidentHistory(store, { nowMs: T0, auditFromMs: T0, cache });
    expect(gets).toHaveBeenCalledTimes(1);
  });
});
