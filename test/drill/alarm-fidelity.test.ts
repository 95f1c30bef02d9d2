import fc from 'fast-check';
import { parseScenario } from '../../cli/drill/scenario';
import { DRILL_ALARM_PREFIX, impairmentAlarms } from '../../cli/drill/wiring';
import { SimMetricStore, type StoredMetricKey } from '../../lambdas/adapters/sim/sim-metric-store';
import type { SimAlarmDefinition } from '../../lambdas/adapters/sim/sim-region';
import {
  type FailoverRuntimeConfig,
  failoverRuntimeSchema,
  resolveFailoverPolicy,
} from '../../lambdas/config/failover';
import { targetGroupDimension } from '../../lambdas/core/cell-metrics';
import type { MetricQuery } from '../../lambdas/ports/metrics';
import { type CfnProps, resourcesOf, type Synthesized, synthBulkhead } from '../lib/synth';
import { evaluateMetricMath, type MetricMathExpression, parseMetricMath } from '../metric-math';

/*
 * The drill's alarm mirror (cli/drill/wiring.ts, impairmentAlarms) re-implements each per-AZ
 * impairment alarm of lib/failover.ts in JS. This file checks the two compute the same thing: the
 * synthesized expression (what CloudWatch runs), evaluated by test/metric-math.ts on the metrics
 * the template names, against the mirror's value() over the same SimMetricStore, for many random
 * periods. Each expression id is mapped to its store query from the template's own
 * MetricName/Stat/Dimensions/Period, with the ALB and target group tokens resolved the way
 * CloudFormation resolves them, so nothing here restates the mapping.
 */

const ELB = 'arn:aws:elasticloadbalancing:us-east-1:111111111111';
const LB_TYPE = 'AWS::ElasticLoadBalancingV2::LoadBalancer';
const LISTENER_TYPE = 'AWS::ElasticLoadBalancingV2::Listener';
const TG_TYPE = 'AWS::ElasticLoadBalancingV2::TargetGroup';
const STATS: readonly string[] = ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount', 'p50', 'p90', 'p99'];

type Resources = Record<string, { Type: string; Properties?: CfnProps }>;
/** What a `Ref` / `Fn::GetAtt` that the resolver has no stand-in for becomes (or throws). */
type Fallback = (logicalId: string, attribute?: string) => string;

const strict: Fallback = (id, attr) => {
  throw new Error(`no stand-in for ${attr ? `${id}.${attr}` : `Ref ${id}`} in an alarm`);
};

/**
 * Resolves the CloudFormation intrinsics the alarms and the functions' config use, with stand-in
 * ARNs shaped as AWS returns them: the load balancer's Ref is its ARN, a listener's ARN is its load
 * balancer's with `:listener/` and an id, a target group's TargetGroupFullName is its ARN's path.
 */
function cfnResolver(resources: Resources): (value: unknown, fallback?: Fallback) => string {
  const resolve = (value: unknown, fallback: Fallback = strict): string => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    const v = value as CfnProps;
    if (v.Ref !== undefined) return ref(v.Ref, fallback);
    if (v['Fn::GetAtt']) {
      const [id, attr] = v['Fn::GetAtt'] as [string, string];
      if (resources[id]?.Type === TG_TYPE && attr === 'TargetGroupFullName') {
        const arn = ref(id, fallback);
        return arn.slice(arn.indexOf(':targetgroup/') + 1);
      }
      return fallback(id, attr);
    }
    if (v['Fn::Join']) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => resolve(p, fallback)).join(sep);
    }
    if (v['Fn::Select']) {
      const [index, list] = v['Fn::Select'] as [number, unknown];
      const items = splitList(list, fallback);
      if (index >= items.length) throw new Error(`Fn::Select ${index} of ${items.length} items`);
      return items[index];
    }
    throw new Error(`unresolved intrinsic ${JSON.stringify(value)}`);
  };
  const splitList = (list: unknown, fallback: Fallback): string[] => {
    const split = (list as CfnProps)['Fn::Split'];
    if (!split) throw new Error(`Fn::Select over ${JSON.stringify(list)}`);
    return resolve(split[1], fallback).split(split[0]);
  };
  const ref = (id: string, fallback: Fallback): string => {
    const r = resources[id];
    if (r?.Type === LB_TYPE) return `${ELB}:loadbalancer/app/${id.slice(0, 20)}/50dc6c495c0c9188`;
    if (r?.Type === LISTENER_TYPE)
      return `${resolve(r.Properties?.LoadBalancerArn, fallback).replace(':loadbalancer/', ':listener/')}/f2f7dc8efc522ab2`;
    if (r?.Type === TG_TYPE) return `${ELB}:targetgroup/${id.slice(0, 24)}/73e2d6bc24d8a067`;
    return fallback(id);
  };
  return resolve;
}

/** One metric an alarm reads, as a store query (everything but the id). */
type PeriodQuery = Omit<MetricQuery, 'id'>;

/** An impairment alarm as synthesized: its settings, and its expression or single metric. */
interface TemplateAlarm {
  readonly name: string;
  readonly props: CfnProps;
  readonly periodSeconds: number;
  /** The metric-math expression (`alb`, `probe`); absent for a single-metric alarm (`targets`). */
  readonly expression?: MetricMathExpression;
  /** Each expression id's query; a single-metric alarm's one metric is under `metric`. */
  readonly metrics: ReadonlyMap<string, PeriodQuery>;
}

function queryOf(
  metric: CfnProps,
  stat: string,
  periodSeconds: number,
  resolve: (v: unknown) => string,
): PeriodQuery {
  if (!STATS.includes(stat)) throw new Error(`statistic ${stat} is not one the metric store computes`);
  const dimensions = Object.fromEntries(
    (metric.Dimensions ?? []).map((d: CfnProps) => [d.Name as string, resolve(d.Value)]),
  );
  return {
    namespace: metric.Namespace,
    metricName: metric.MetricName,
    stat: stat as MetricQuery['stat'],
    dimensions,
    periodSeconds,
  };
}

function templateAlarm(props: CfnProps, resolve: (v: unknown) => string): TemplateAlarm {
  const name = props.AlarmName as string;
  if (!props.Metrics) {
    const query = queryOf(props, props.Statistic, props.Period, resolve);
    return { name, props, periodSeconds: props.Period, metrics: new Map([['metric', query]]) };
  }
  const expressions = props.Metrics.filter((m: CfnProps) => m.Expression);
  if (expressions.length !== 1) throw new Error(`${name}: ${expressions.length} expressions`);
  const expression = parseMetricMath(expressions[0].Expression);
  const metrics = new Map<string, PeriodQuery>();
  for (const m of props.Metrics.filter((x: CfnProps) => x.MetricStat))
    metrics.set(m.Id, queryOf(m.MetricStat.Metric, m.MetricStat.Stat, m.MetricStat.Period, resolve));
  expect([...expression.ids].sort()).toEqual([...metrics.keys()].sort());
  const periods = new Set([...metrics.values()].map((q) => q.periodSeconds));
  if (periods.size !== 1) throw new Error(`${name}: metrics with periods ${[...periods]}`);
  return { name, props, periodSeconds: [...periods][0], expression, metrics };
}

const seriesId = (k: StoredMetricKey) =>
  `${k.namespace}|${k.metricName}|${Object.entries(k.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([n, v]) => `${n}=${v}`)
    .join(',')}`;

/**
 * Edges that need an exact ratio or a float product to meet (a fault rate of exactly 5%, a fault
 * share exactly the factor times the request share, a latency exactly twice the others' weighted
 * mean): random draws hit them once in thousands of periods, so each is pinned by an example
 * below instead of the random mutant check. Each is the text lib/failover.ts writes.
 */
const RARE_EDGES = [
  {
    kind: 'alb',
    edge: 'FILL(req, 0), 1) >= 0.05)',
    // 5 faults in 100 requests (5%, the threshold), all of the load balancer's faults.
    perAz: {
      'us-east-1a': {
        RequestCount: [100],
        HTTPCode_Target_5XX_Count: [5],
        UnHealthyHostCount: [2],
        HealthyHostCount: [4],
      },
      'us-east-1b': { RequestCount: [100], HealthyHostCount: [4] },
      'us-east-1c': { RequestCount: [100], HealthyHostCount: [4] },
    },
  },
  {
    kind: 'alb',
    edge: 'FILL(flb, 0), 1) >= 2 * FILL(req, 0)',
    // A third of the requests and two thirds of the faults: a fault share exactly twice the request share.
    perAz: {
      'us-east-1a': {
        RequestCount: [100],
        HTTPCode_Target_5XX_Count: [10],
        UnHealthyHostCount: [2],
        HealthyHostCount: [4],
      },
      'us-east-1b': { RequestCount: [100], HTTPCode_Target_5XX_Count: [5], HealthyHostCount: [4] },
      'us-east-1c': { RequestCount: [100], HealthyHostCount: [4] },
    },
  },
  {
    kind: 'probe',
    edge: '(FILL(lat, 0) >= 2 * ((FILL(lata, 0)',
    // 3 probes at 250 ms (the threshold) against 3 at 125 ms elsewhere: exactly twice the others' mean.
    perAz: {
      'us-east-1a': { ProbeCount: [3], ProbeFailures: [0], ProbeLatency: [250], ProbeFailedTargets: [2] },
      'us-east-1b': { ProbeCount: [3], ProbeFailures: [0], ProbeLatency: [125], ProbeFailedTargets: [0] },
    },
  },
] as const;
const moveEdge = (source: string, edge: string) => source.replace(edge, edge.replace('>=', '>'));

/** A period start on a multiple of every alarm period; samples land in its first seconds. */
const START = 1_800_000_000_000;

/** Each series' raw samples in the period (empty: the metric has no datapoint). */
type World = readonly (readonly number[])[];

function storeOf(series: readonly StoredMetricKey[], world: World): SimMetricStore {
  const store = new SimMetricStore(() => START + 3_600_000);
  series.forEach((key, i) => {
    world[i].forEach((v, j) => {
      store.publishValue(key, START + j * 1000, v);
    });
  });
  return store;
}

/** The template's value of an alarm for the period at START, and the inputs it read. */
function templateValue(alarm: TemplateAlarm, store: SimMetricStore) {
  const inputs = new Map<string, number | undefined>();
  for (const [id, q] of alarm.metrics) {
    const points = store.query({ id, ...q }, START, START + q.periodSeconds * 1000);
    if (points.length > 1) throw new Error(`${alarm.name}/${id}: ${points.length} datapoints in one period`);
    inputs.set(id, points[0]?.value);
  }
  const value = alarm.expression ? evaluateMetricMath(alarm.expression, inputs) : inputs.get('metric');
  return { value, inputs };
}

let built: Synthesized;
let config: FailoverRuntimeConfig;
let pairs: { template: TemplateAlarm; mirror: SimAlarmDefinition }[];
let series: StoredMetricKey[];
let world: fc.Arbitrary<World>;
/** Per series, the finer series it totals (empty for a per-AZ series). */
let partsOf: number[][];

beforeAll(() => {
  built = synthBulkhead();
  const resources = built.template.toJSON().Resources as Resources;
  const resolve = cfnResolver(resources);

  // The failover functions' config exactly as the stack passes it (placeholders for the other tokens).
  const [, zoneShifter] = resourcesOf(built.template, 'AWS::Lambda::Function').find(
    ([, p]) => p.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'zone-shifter',
  )!;
  const placeholder: Fallback = (id, attr) => `arn:aws:token:${id}${attr ? `.${attr}` : ''}`;
  config = failoverRuntimeSchema.parse(
    JSON.parse(resolve(zoneShifter.Environment.Variables.BULKHEAD_FAILOVER_CONFIG, placeholder)),
  );

  const scenario = parseScenario({
    name: 'alarm-fidelity',
    description: 'Every signal, so the mirror builds the ALB, prober and no-healthy-target alarms.',
    durationS: 60,
    signals: ['alb', 'prober'],
  });
  const mirrors = impairmentAlarms({ scenario }, config);
  const templates = resourcesOf(built.template, 'AWS::CloudWatch::Alarm')
    .filter(([, p]) => String(p.AlarmName ?? '').startsWith(config.alarmPrefix))
    .map(([, p]) => templateAlarm(p, resolve));
  expect(mirrors.map((m) => m.name).sort()).toEqual(templates.map((t) => t.name).sort());
  pairs = templates.map((template) => ({ template, mirror: mirrors.find((m) => m.name === template.name)! }));

  const byId = new Map<string, StoredMetricKey>();
  for (const t of templates) for (const q of t.metrics.values()) byId.set(seriesId(q), q);
  series = [...byId.values()];

  // Sample values: the expressions' own constants and their neighbours (a count equal to a
  // threshold, a latency in seconds equal to a threshold in ms, half or double an outlier factor),
  // small integers (where ratios meet exactly), larger ones, and fractions.
  const literals = templates.flatMap((t) => t.expression?.literals ?? [t.props.Threshold as number]);
  const edges = [
    ...new Set(
      literals.flatMap((c) => [c, c - 1, c + 1, c / 2, c * 2, c / 1000, c / 100]).filter((x) => x >= 0),
    ),
  ];
  const sample = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...new Set([0, 1, 2, 3, 4, 5, ...edges])) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 120 }) },
    { weight: 1, arbitrary: fc.double({ min: 0, max: 3, noNaN: true }) },
  );
  const samplesOf = (value: fc.Arbitrary<number>) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as number[]) },
      { weight: 3, arbitrary: value.map((v) => [v]) },
      { weight: 1, arbitrary: fc.array(value, { minLength: 2, maxLength: 3 }) },
    );
  // Worlds of small integers only: there, ratios of counts (a failure rate twice the others') meet.
  const small = samplesOf(fc.integer({ min: 0, max: 4 }));
  const samples = samplesOf(sample);
  // A series whose dimensions are a strict subset of other series' (same metric) is their total, as
  // the load balancer's RequestCount is its target groups'. Half the worlds are consistent that way
  // (outlier tests meet their edges there); the other half draw totals freely (inconsistent inputs).
  partsOf = series.map((total) =>
    series.flatMap((s, j) =>
      s !== total &&
      s.namespace === total.namespace &&
      s.metricName === total.metricName &&
      Object.keys(s.dimensions).length > Object.keys(total.dimensions).length &&
      Object.entries(total.dimensions).every(([k, v]) => s.dimensions[k] === v)
        ? [j]
        : [],
    ),
  );
  expect(partsOf.filter((p) => p.length > 0).length).toBeGreaterThan(0);
  world = fc
    .record({
      drawn: fc.oneof(fc.tuple(...series.map(() => samples)), fc.tuple(...series.map(() => small))),
      consistent: fc.boolean(),
    })
    .map(({ drawn, consistent }) =>
      consistent
        ? drawn.map((own, i) => (partsOf[i].length > 0 ? partsOf[i].flatMap((j) => drawn[j]) : own))
        : drawn,
    );
});

describe('drill alarm mirror vs synthesized impairment alarms (3 AZs)', () => {
  test('GIVEN the stack and the drill WHEN compared THEN the same alarms with the same policy, periods and M of N', () => {
    // The drill resolves the policy from an empty failover context; the stack's default must agree.
    expect(config.policy.detection).toEqual(resolveFailoverPolicy({}).detection);
    expect(config.alarmPrefix).toBe(DRILL_ALARM_PREFIX);
    expect(pairs.map((p) => p.template.name).sort()).toEqual(
      ['us-east-1a', 'us-east-1b', 'us-east-1c'].flatMap((az) =>
        ['alb', 'probe', 'targets'].map((k) => `${DRILL_ALARM_PREFIX}${az}-${k}`),
      ),
    );
    for (const { template: t, mirror: m } of pairs) {
      expect({ name: m.name, ...pickSettings(m) }).toEqual({
        name: t.name,
        periodS: t.periodSeconds,
        evaluationPeriods: t.props.EvaluationPeriods,
        datapointsToAlarm: t.props.DatapointsToAlarm,
        threshold: t.props.Threshold,
        comparison: t.props.ComparisonOperator,
        treatMissingData: t.props.TreatMissingData,
      });
    }
  });

  test('GIVEN random periods (absent metrics, zeros, counts at thresholds) WHEN both evaluate THEN every alarm agrees', () => {
    const outcomes = new Map<string, number[]>();
    fc.assert(
      fc.property(world, (w) => {
        const store = storeOf(series, w);
        for (const { template, mirror } of pairs) {
          const { value: want, inputs } = templateValue(template, store);
          const got = mirror.value(store, START, mirror.periodS);
          if (got !== want)
            throw new Error(
              `${template.name}: template ${want}, drill mirror ${got}, inputs ${JSON.stringify(Object.fromEntries([...inputs].map(([id, v]) => [id, v ?? 'absent'])))}`,
            );
          const kind = template.name.slice(template.name.lastIndexOf('-') + 1);
          const seen = outcomes.get(kind) ?? [];
          seen.push(want ?? Number.NaN);
          outcomes.set(kind, seen);
        }
      }),
      { numRuns: 10_000 },
    );
    // Not vacuous: each math alarm was both 1 and 0 many times, and only ever 0/1.
    for (const kind of ['alb', 'probe']) {
      const seen = outcomes.get(kind) ?? [];
      expect(seen.every((v) => v === 0 || v === 1)).toBe(true);
      expect(seen.filter((v) => v === 1).length).toBeGreaterThan(100);
      expect(seen.filter((v) => v === 0).length).toBeGreaterThan(100);
    }
  });

  test('GIVEN one edge of an expression moved (>= to >, or an absent HealthyHostCount read as 0) WHEN compared THEN the property finds the disagreement', () => {
    const mutants: { name: string; what: string; source: string }[] = [];
    for (const kind of ['alb', 'probe']) {
      const t = pairs.find((p) => p.template.name === `${DRILL_ALARM_PREFIX}us-east-1a-${kind}`)!.template;
      const source = t.expression!.source;
      const parts = source.split(' >= ');
      for (let i = 1; i < parts.length; i++) {
        const before = parts.slice(0, i).join(' >= ');
        mutants.push({
          name: t.name,
          what: `${kind}: …${before.slice(-40)} > ${parts[i].slice(0, 40)}…`,
          source: `${before} > ${parts.slice(i).join(' >= ')}`,
        });
      }
      if (source.includes('FILL(hh, 1)'))
        mutants.push({
          name: t.name,
          what: `${kind}: FILL(hh, 0)`,
          source: source.replace('FILL(hh, 1)', 'FILL(hh, 0)'),
        });
    }
    const survivors: string[] = [];
    const rare = mutants.filter((m) => RARE_EDGES.some((r) => m.source.includes(r.edge.replace('>=', '>'))));
    expect(rare).toHaveLength(RARE_EDGES.length);
    for (const mutant of mutants.filter((m) => !rare.includes(m))) {
      // The mutant replaces the expression of every AZ's alarm of its kind (the text is the same).
      const kind = mutant.name.slice(mutant.name.lastIndexOf('-'));
      const mutated = pairs
        .filter((p) => p.template.name.endsWith(kind))
        .map(({ template, mirror }) => ({
          template: { ...template, expression: parseMetricMath(mutant.source) },
          mirror,
        }));
      const result = fc.check(
        fc.property(world, (w) => {
          const store = storeOf(series, w);
          return mutated.every(
            ({ template, mirror }) =>
              templateValue(template, store).value === mirror.value(store, START, mirror.periodS),
          );
        }),
        { numRuns: 20_000, endOnFailure: true },
      );
      if (!result.failed) survivors.push(mutant.what);
    }
    expect(mutants.length).toBeGreaterThan(10);
    expect(survivors).toEqual([]);
  });

  test.each(RARE_EDGES)(
    'GIVEN a period exactly at the $kind edge $edge WHEN both evaluate THEN both fire, and with the edge moved the expression would not',
    ({ kind, edge, perAz }) => {
      // Per-AZ series from the table (by AvailabilityZone, or by the cell's target group); the load
      // balancer's totals are their parts' samples together.
      const azOf = (k: StoredMetricKey) =>
        k.dimensions.AvailabilityZone ??
        config.cells.find((c) => targetGroupDimension(c.targetGroupArn) === k.dimensions.TargetGroup)?.az;
      const own = (k: StoredMetricKey): readonly number[] =>
        (perAz as Record<string, Record<string, readonly number[]>>)[azOf(k) ?? '']?.[k.metricName] ?? [];
      const w = series.map((k, i) =>
        partsOf[i].length > 0 ? partsOf[i].flatMap((j) => own(series[j])) : own(k),
      );
      const store = storeOf(series, w);
      const { template, mirror } = pairs.find(
        (p) => p.template.name === `${DRILL_ALARM_PREFIX}us-east-1a-${kind}`,
      )!;
      expect(templateValue(template, store).value).toBe(1);
      expect(mirror.value(store, START, mirror.periodS)).toBe(1);
      const source = template.expression!.source;
      expect(source).toContain(edge);
      const moved = { ...template, expression: parseMetricMath(moveEdge(source, edge)) };
      expect(templateValue(moved, store).value).toBe(0);
    },
  );
});

function pickSettings(m: SimAlarmDefinition) {
  return {
    periodS: m.periodS,
    evaluationPeriods: m.evaluationPeriods,
    datapointsToAlarm: m.datapointsToAlarm,
    threshold: m.threshold,
    comparison: m.comparison,
    treatMissingData: m.treatMissingData,
  };
}
