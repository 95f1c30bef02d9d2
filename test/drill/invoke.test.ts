import * as path from 'node:path';
import { invokeFunction } from '../../cli/drill/invoke';

const EVENTS = path.join(__dirname, '..', '..', 'cli', 'drill', 'events');

// Each call plays a simulated scenario for several minutes with the real handlers first.
jest.setTimeout(60_000);

describe('bulkhead invoke (simulated region)', () => {
  test('GIVEN capacity loss and a schedule event WHEN the task-replacer runs THEN it stops the stuck task, and raises no cell the zone-shifter already scaled up', async () => {
    const out = await invokeFunction({
      fn: 'task-replacer',
      eventFile: path.join(EVENTS, 'schedule.json'),
      scenario: 'capacity-loss',
      at: 900,
      seed: 1,
    });
    expect(out.event).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events' });
    expect(out.decision).toMatchObject({ kind: 'stop-tasks' });
    expect(out.decision?.reason).toMatch(/stuck \(PENDING for \d+ s\)/);
    expect(out.actions.map((a) => [a.api, a.result])).toEqual(expect.arrayContaining([['StopTask', 'ok']]));
    // Since failover2, the zone-shifter shifts weight off a cell that lost capacity and scales the
    // healthy cells at once (at 301 s here); the task-replacer's raise is capped so it never compounds.
    expect(out.actions.map((a) => a.api)).not.toContain('UpdateService');
  });

  test('GIVEN a malformed event WHEN the zone-shifter runs THEN it records a no-op naming the problem', async () => {
    const out = await invokeFunction({
      fn: 'zone-shifter',
      eventFile: path.join(EVENTS, '..', 'scenarios', 'az-outage.json'),
      seed: 1,
      at: 120,
    });
    expect(out.event).toMatchObject({ valid: false });
    expect(out.decision).toMatchObject({ kind: 'none' });
    expect(out.decision?.reason).toMatch(/malformed event ignored/);
    expect(out.actions).toEqual([]);
  });

  test('GIVEN an unknown function WHEN invoked THEN a usage error names the choices', async () => {
    await expect(invokeFunction({ fn: 'nope', eventFile: 'x', seed: 1 })).rejects.toThrow(
      /unknown function "nope": one of zone-shifter, task-replacer, zonal-prober, availability/,
    );
  });
});
