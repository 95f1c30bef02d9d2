import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BUILT_IN_SCENARIOS, loadScenario, parseScenario, ScenarioError } from '../../cli/drill/scenario';
import { SCENARIO_SCHEMA_FILE, scenarioJsonSchema } from '../../cli/drill/scenario-json-schema';

const valid = {
  name: 'my-drill',
  description: 'one AZ goes gray',
  durationS: 600,
  faults: [{ kind: 'gray', az: 'us-east-1b', at: 60, until: 300, errorRate: 0.2 }],
};

function problems(raw: unknown): { path: string; message: string }[] {
  try {
    parseScenario(raw, 'test.json');
  } catch (error) {
    if (error instanceof ScenarioError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('scenario format', () => {
  test.each(BUILT_IN_SCENARIOS)('GIVEN the built-in %s WHEN loaded THEN it validates', (name) => {
    expect(loadScenario(name).name).toBe(name);
  });

  test('GIVEN a minimal scenario WHEN parsed THEN defaults are filled in', () => {
    const s = parseScenario(valid);
    expect(s.topology).toEqual({
      azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      rps: 100,
      taskCapacityRps: 25,
    });
    expect(s.signals).toEqual(['alb', 'prober']);
    expect(s.faults[0]).toMatchObject({ addedLatencyMs: 0, affectedShare: 1 });
  });

  test.each([
    [
      'an AZ outside the topology',
      { faults: [{ kind: 'outage', az: 'us-east-1d', at: 60 }] },
      'faults[0].az',
      /must be one of the topology's AZs .* got us-east-1d/,
    ],
    ['a malformed AZ', { faults: [{ kind: 'outage', az: 'east', at: 60 }] }, 'faults[0].az', /AZ name/],
    [
      'an error rate above 1',
      { faults: [{ kind: 'gray', az: 'us-east-1a', at: 60, errorRate: 1.5 }] },
      'faults[0].errorRate',
      /1/,
    ],
    [
      'until before at',
      { faults: [{ kind: 'outage', az: 'us-east-1a', at: 60, until: 30 }] },
      'faults[0].until',
      /after at \(60\), got 30/,
    ],
    [
      'a fault after the end',
      { faults: [{ kind: 'outage', az: 'us-east-1a', at: 9000 }] },
      'faults[0].at',
      /before durationS/,
    ],
    ['an unknown fault kind', { faults: [{ kind: 'meteor', at: 60 }] }, 'faults[0].kind', /.+/],
    ['an unknown field', { colour: 'red' }, '', /colour/],
    ['a too short duration', { durationS: 5 }, 'durationS', /60/],
    [
      'a delete-file fault without a volume',
      { faults: [{ kind: 'delete-file', at: 60, path: 'a.txt' }] },
      'faults[0]',
      /needs a volume/,
    ],
    [
      'an escaping path',
      { volume: {}, faults: [{ kind: 'delete-file', at: 60, path: '../etc/passwd' }] },
      'faults[0].path',
      /without \.\./,
    ],
    ['a bad name', { name: 'My Drill' }, 'name', /kebab-case/],
  ])('GIVEN %s WHEN parsed THEN the error points at the field', (_what, patch, field, message) => {
    const found = problems({ ...valid, ...patch });
    const hit = found.find((p) => p.path === field);
    expect(hit).toBeDefined();
    expect(hit?.message).toMatch(message);
  });

  test('GIVEN a file with errors WHEN loaded THEN the message names the file and each field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'scn-'));
    try {
      const file = path.join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify({ ...valid, durationS: 'long', faults: 'none' }));
      expect(() => loadScenario(file)).toThrow(
        new RegExp(
          `invalid scenario ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\n  durationS: .*\\n  faults: .*`,
        ),
      );
      writeFileSync(file, '{ not json');
      expect(() => loadScenario(file)).toThrow(/not valid JSON/);
      expect(() => loadScenario(path.join(dir, 'missing.json'))).toThrow(/not a built-in scenario/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN the committed JSON Schema WHEN compared with the zod schema THEN it is up to date', () => {
    expect(JSON.parse(readFileSync(SCENARIO_SCHEMA_FILE, 'utf8'))).toEqual(JSON.parse(scenarioJsonSchema()));
  });
});
