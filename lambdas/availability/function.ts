import * as z from 'zod/mini';
import {
  AVAILABILITY_METRICS_SERVICE,
  type AvailabilityRuntimeConfig,
  AVAILABILITY_METRICS as M,
} from '../config/availability-runtime';
import { azScope, type Scope, SERVICE_SCOPE } from '../core/availability/incident';
import { type AvailabilityReport, computeReport } from '../core/availability/report';
import { albCounts, type RequestSample } from '../core/availability/request-based';
import { BURN_WINDOWS, HOUR_MS, MINUTE_MS, parseWindow, REPORT_WINDOWS } from '../core/availability/windows';
import type { LogFinding } from '../core/incidents/fold';
import type { IncidentEvent } from '../core/incidents/incident-event';
import { appendIncidentEvent, loadIncidentHistory, type RecordCache } from '../core/incidents/incident-log';
import type { Clock } from '../ports/clock';
import type { LoadBalancer } from '../ports/load-balancer';
import type { Log } from '../ports/log';
import type { MetricQuery, MetricReader, MetricSeries, MetricSink } from '../ports/metrics';
import type { ObjectStore } from '../ports/object-store';
import type { UrlProbe, UrlProbeResult } from '../ports/url-probe';
import {
  type AlarmChange,
  type DetectionPolicy,
  decideAlarmEvent,
  decideIncidentEvents,
  type ScopeSignals,
} from './decide';

/** Everything the availability function needs: ports and its runtime config. */
export interface AvailabilityDeps {
  /** The state bucket: incident log under `incidents/`, audit records under `audit/`. */
  readonly store: ObjectStore;
  readonly metrics: MetricReader;
  readonly sink: MetricSink;
  readonly probe: UrlProbe;
  /** Reads the listener's weights for the dashboard; optional (without it no weight is published). */
  readonly loadBalancer?: LoadBalancer;
  readonly clock: Clock;
  readonly log: Log;
  readonly config: AvailabilityRuntimeConfig;
}

/** What one invocation did. */
export type AvailabilityResult =
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'alarm'; readonly event?: IncidentEvent; readonly written: boolean }
  | {
      readonly kind: 'report';
      /** Events this run appended (already-present ones are not listed). */
      readonly appended: readonly IncidentEvent[];
      readonly findings: readonly LogFinding[];
      readonly probes: readonly UrlProbeResult[];
      readonly report: AvailabilityReport;
    };

/** Writer name on the records this function appends. */
export const AVAILABILITY_SOURCE = 'availability';

// zod/mini, as everything in the Lambda bundle (classic zod added 417 KB to it).
const scheduleEvent = z.looseObject({ 'detail-type': z.literal('Scheduled Event') });
const alarmEvent = z.looseObject({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  detail: z.looseObject({
    alarmName: z.string().check(z.minLength(1)),
    state: z.looseObject({
      value: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
      timestamp: z.string(),
      reasonData: z.optional(z.string()),
    }),
  }),
});

/** CloudWatch writes `2026-11-27T12:00:00.000+0000`; make the offset ISO so every engine parses it. */
function parseCwTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isFinite(ms) ? ms : undefined;
}

function toAlarmChange(event: z.infer<typeof alarmEvent>): AlarmChange | string {
  const { alarmName, state } = event.detail;
  const changedAtMs = parseCwTime(state.timestamp);
  if (changedAtMs === undefined)
    return `alarm ${alarmName} has an unreadable state timestamp: ${state.timestamp}`;
  let evaluatedFromMs: number | undefined;
  try {
    const reason = state.reasonData ? (JSON.parse(state.reasonData) as { startDate?: string }) : undefined;
    evaluatedFromMs = parseCwTime(reason?.startDate);
  } catch {
    // reasonData is informative only; without it the open dates from the state change itself.
  }
  return { alarmName, state: state.value, changedAtMs, evaluatedFromMs };
}

const ALB = 'AWS/ApplicationELB';
const NAMESPACE = 'Bulkhead';

interface Resolution {
  readonly suffix: string;
  readonly periodSeconds: number;
  readonly startMs: number;
  readonly endMs: number;
}

function queriesFor(config: AvailabilityRuntimeConfig, r: Resolution): MetricQuery[] {
  const q = (
    id: string,
    namespace: string,
    metricName: string,
    dimensions: Record<string, string>,
  ): MetricQuery => ({
    id: `${id}${r.suffix}`,
    namespace,
    metricName,
    dimensions,
    stat: 'Sum',
    periodSeconds: r.periodSeconds,
  });
  const out: MetricQuery[] = [];
  config.cells.forEach((cell, i) => {
    const tg = { LoadBalancer: config.loadBalancer, TargetGroup: cell.targetGroup };
    out.push(q(`req${i}`, ALB, 'RequestCount', tg));
    out.push(q(`tgt${i}`, ALB, 'HTTPCode_Target_5XX_Count', tg));
    out.push(
      q(`elb${i}`, ALB, 'HTTPCode_ELB_5XX_Count', {
        LoadBalancer: config.loadBalancer,
        AvailabilityZone: cell.az,
      }),
    );
    const zp = config.zonalProbe;
    if (zp) {
      const dims = { ...zp.dimensions, [zp.azDimension]: cell.az };
      out.push(q(`zpc${i}`, zp.namespace, zp.countMetric, dims));
      out.push(q(`zpf${i}`, zp.namespace, zp.failuresMetric, dims));
    }
  });
  if (config.probeUrl) {
    const dims = { service: AVAILABILITY_METRICS_SERVICE, Service: config.serviceName };
    out.push(q('e2ec', NAMESPACE, M.probeCount, dims));
    out.push(q('e2ef', NAMESPACE, M.probeFailures, dims));
  }
  return out;
}

function valuesById(series: readonly MetricSeries[], suffix: string): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const s of series) {
    if (!s.id.endsWith(suffix)) continue;
    out.set(s.id.slice(0, -suffix.length), new Map(s.points.map((p) => [p.timestampMs, p.value])));
  }
  return out;
}

/** Turns the read series into samples per scope: request samples, and probe samples where measured. */
function samplesFrom(config: AvailabilityRuntimeConfig, series: readonly MetricSeries[], suffix: string) {
  const v = valuesById(series, suffix);
  const requests: Record<string, RequestSample[]> = { [SERVICE_SCOPE]: [] };
  const probes: Record<string, RequestSample[]> = {};
  const serviceByTime = new Map<number, { valid: number; bad: number }>();
  config.cells.forEach((cell, i) => {
    const req = v.get(`req${i}`) ?? new Map();
    const tgt = v.get(`tgt${i}`) ?? new Map();
    const elb = v.get(`elb${i}`) ?? new Map();
    const times = [...new Set([...req.keys(), ...tgt.keys(), ...elb.keys()])].sort((a, b) => a - b);
    const cellSamples = times.map((t) => albCounts(t, req.get(t) ?? 0, tgt.get(t) ?? 0, elb.get(t) ?? 0));
    requests[azScope(cell.az)] = cellSamples;
    for (const s of cellSamples) {
      const sum = serviceByTime.get(s.startMs) ?? { valid: 0, bad: 0 };
      serviceByTime.set(s.startMs, { valid: sum.valid + s.valid, bad: sum.bad + s.bad });
    }
    if (config.zonalProbe) probes[azScope(cell.az)] = probeSamples(v.get(`zpc${i}`), v.get(`zpf${i}`));
  });
  requests[SERVICE_SCOPE] = [...serviceByTime.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([startMs, s]) => ({ startMs, ...s }));
  if (config.probeUrl) probes[SERVICE_SCOPE] = probeSamples(v.get('e2ec'), v.get('e2ef'));
  return { requests, probes };
}

function probeSamples(count?: Map<number, number>, failures?: Map<number, number>): RequestSample[] {
  return [...(count ?? new Map<number, number>()).entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([startMs, valid]) => ({ startMs, valid, bad: Math.min(valid, failures?.get(startMs) ?? 0) }));
}

function merge(
  a: Record<string, RequestSample[]>,
  b: Record<string, RequestSample[]>,
): Record<string, RequestSample[]> {
  const out: Record<string, RequestSample[]> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
    out[key] = [...(a[key] ?? []), ...(b[key] ?? [])];
  return out;
}

/**
 * The availability function's shell. A `Scheduled Event` runs the end-to-end probe, reads the ALB
 * and probe metrics and the incident log, opens and closes SLI incidents, recomputes every figure
 * and publishes it as EMF. A `CloudWatch Alarm State Change` of a configured impairment alarm
 * opens or closes that alarm's incident. Anything else is logged and ignored.
 */
export function createAvailabilityHandler(deps: AvailabilityDeps) {
  const { config, log } = deps;
  const cache: RecordCache = new Map();
  const slo = config.slo;
  const scopes: Scope[] = [SERVICE_SCOPE, ...config.cells.map((c) => azScope(c.az))];
  const longest = Math.max(...[...REPORT_WINDOWS, ...BURN_WINDOWS, config.sloWindow].map(parseWindow));
  const requestPolicy: DetectionPolicy = {
    badRatioThreshold: config.errorRatioThreshold,
    minValid: config.minRequestsPerMinute,
    openAfter: config.openAfterMinutes,
    closeAfter: config.closeAfterMinutes,
  };
  const probePolicy: DetectionPolicy = {
    ...requestPolicy,
    badRatioThreshold: config.probeFailureThreshold,
    minValid: 1,
  };

  async function onAlarm(event: z.infer<typeof alarmEvent>): Promise<AvailabilityResult> {
    const change = toAlarmChange(event);
    if (typeof change === 'string') {
      log.error('alarm event ignored', { reason: change });
      return { kind: 'ignored', reason: change };
    }
    const incident = decideAlarmEvent(change, config.incidentAlarms, AVAILABILITY_SOURCE);
    if (!incident) {
      const reason = config.incidentAlarms[change.alarmName]
        ? `alarm ${change.alarmName} is ${change.state}: no evidence either way`
        : `alarm ${change.alarmName} is not an incident alarm`;
      log.info('alarm event ignored', { reason });
      return { kind: 'ignored', reason };
    }
    const { key, written } = await appendIncidentEvent(deps.store, incident);
    log.info(written ? 'incident event recorded' : 'incident event already recorded', { key, ...incident });
    return { kind: 'alarm', event: incident, written };
  }

  async function runProbes(): Promise<UrlProbeResult[]> {
    if (!config.probeUrl) return [];
    const results: UrlProbeResult[] = [];
    for (let i = 0; i < config.probesPerRun; i++)
      results.push(await deps.probe.get(config.probeUrl, config.probeTimeoutMs));
    const dims = { Service: config.serviceName };
    deps.sink.put(M.probeCount, results.length, 'Count', dims);
    deps.sink.put(M.probeFailures, results.filter((r) => !r.ok).length, 'Count', dims);
    for (const r of results) deps.sink.put(M.probeLatency, r.latencyMs, 'Milliseconds', dims);
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) log.warn('end-to-end probes failed', { url: config.probeUrl, failed });
    return results;
  }

  /** Publishes each AZ's listener weight and its share of the total; display only, so errors are logged. */
  async function publishWeights(): Promise<void> {
    if (!deps.loadBalancer || !config.listenerArn) return;
    try {
      const weights = await deps.loadBalancer.getListenerWeights(config.listenerArn);
      const total = weights.reduce((sum, w) => sum + w.weight, 0);
      for (const cell of config.cells) {
        const w = weights.find((x) => x.targetGroupArn === cell.targetGroupArn);
        if (!w) continue;
        const dims = { Service: config.serviceName, AZ: cell.az };
        deps.sink.put(M.listenerWeight, w.weight, 'None', dims);
        deps.sink.put(M.listenerWeightShare, total > 0 ? (100 * w.weight) / total : 0, 'Percent', dims);
      }
    } catch (error) {
      log.warn('listener weights not read', {
        listenerArn: config.listenerArn,
        error: (error as Error).message,
      });
    }
  }

  async function onSchedule(): Promise<AvailabilityResult> {
    const nowMs = deps.clock.nowMs();
    const probes = await runProbes();
    await publishWeights();
    // The newest minutes are not published yet; reading them as zero would fake a gap or an outage.
    const endMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS - config.metricLagMinutes * MINUTE_MS;
    const boundary = Math.floor((endMs - 6 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    const fine: Resolution = { suffix: '_m', periodSeconds: 60, startMs: boundary, endMs };
    const coarse: Resolution = {
      suffix: '_h',
      periodSeconds: 3600,
      startMs: boundary - longest,
      endMs: boundary,
    };
    const [fineSeries, coarseSeries, initial] = await Promise.all([
      deps.metrics.getMetricData(queriesFor(config, fine), fine.startMs, fine.endMs),
      deps.metrics.getMetricData(queriesFor(config, coarse), coarse.startMs, coarse.endMs),
      loadIncidentHistory(deps.store, { nowMs, auditFromMs: nowMs - longest, cache }),
    ]);
    const recent = samplesFrom(config, fineSeries, fine.suffix);
    const older = samplesFrom(config, coarseSeries, coarse.suffix);

    const signals: ScopeSignals[] = scopes.map((scope) => {
      const slis: Record<string, RequestSample[]> = { 'sli:requests': recent.requests[scope] ?? [] };
      if (recent.probes[scope]) slis['sli:probes'] = recent.probes[scope];
      return { scope, slis, policies: { 'sli:requests': requestPolicy, 'sli:probes': probePolicy } };
    });
    const decided = decideIncidentEvents({
      nowMs,
      fromMs: endMs - config.lookbackMinutes * MINUTE_MS,
      toMs: endMs,
      scopes: signals,
      incidents: initial.incidents,
      source: AVAILABILITY_SOURCE,
    });
    const appended: IncidentEvent[] = [];
    for (const event of decided.events) {
      const { key, written } = await appendIncidentEvent(deps.store, event);
      if (written) {
        appended.push(event);
        log.info(`incident ${event.kind} recorded`, {
          key,
          scope: event.scope,
          cause: event.cause,
          atMs: event.atMs,
        });
      }
    }
    const history =
      appended.length > 0
        ? await loadIncidentHistory(deps.store, { nowMs, auditFromMs: nowMs - longest, cache })
        : initial;
    const report = computeReport({
      nowMs,
      scopes,
      incidents: history.incidents,
      slo,
      sloWindow: config.sloWindow,
      unobserved: history.gaps,
      requests: merge(older.requests, recent.requests),
      probes: merge(older.probes, recent.probes),
      samplesEndMs: endMs,
    });
    for (const finding of history.findings) {
      const write =
        finding.severity === 'error' ? log.error : finding.severity === 'warning' ? log.warn : log.info;
      write.call(log, `incident log: ${finding.code}`, { key: finding.key, detail: finding.message });
    }
    publish(report, history.findings);
    deps.sink.flush();
    log.info('availability report', {
      appended: appended.length,
      findings: history.findings.length,
      service: summary(report),
    });
    return { kind: 'report', appended, findings: history.findings, probes, report };
  }

  function publish(report: AvailabilityReport, findings: readonly LogFinding[]): void {
    const put = deps.sink.put.bind(deps.sink);
    const pct = (v: number | undefined) => (v === undefined ? undefined : v * 100);
    const s = (v: number | undefined) => (v === undefined ? undefined : v / 1000);
    const maybe = (
      name: string,
      v: number | undefined,
      unit: 'Percent' | 'Seconds' | 'None',
      d: Record<string, string>,
    ) => {
      if (v !== undefined && Number.isFinite(v)) put(name, v, unit, d);
    };
    for (const scope of scopes) {
      const r = report.scopes[scope];
      const base: Record<string, string> =
        scope === SERVICE_SCOPE
          ? { Service: config.serviceName }
          : { Service: config.serviceName, AZ: scope.slice(3) };
      put(M.openIncidents, r.windows[report.windows[0]].time.openIncidents, 'Count', base);
      for (const window of report.windows) {
        const f = r.windows[window];
        const d = { ...base, Window: window };
        maybe(M.timeAvailability, pct(f.time.availability), 'Percent', d);
        maybe(M.requestAvailability, pct(f.requests?.availability), 'Percent', d);
        maybe(M.probeAvailability, pct(f.probes?.availability), 'Percent', d);
        maybe(M.mtbf, s(f.time.mtbfMs), 'Seconds', d);
        maybe(M.mttr, s(f.time.mttrMs), 'Seconds', d);
        put(M.incidents, f.time.incidentCount, 'Count', d);
        if (scope !== SERVICE_SCOPE) continue;
        maybe(M.mttd, s(f.time.mttdMs), 'Seconds', d);
        maybe(M.mttm, s(f.time.mttmMs), 'Seconds', d);
        put(M.unobserved, f.time.unobservedMs / 1000, 'Seconds', d);
      }
      if (scope !== SERVICE_SCOPE) continue;
      for (const sli of ['time', 'requests', 'probes'] as const) {
        maybe(M.budgetRemaining, pct(r.budget[sli]?.remaining), 'Percent', { ...base, Sli: sli });
        const rates = r.burnRates[sli];
        if (!rates) continue;
        for (const [window, rate] of Object.entries(rates))
          maybe(M.burnRate, rate, 'None', { ...base, Sli: sli, Window: window });
      }
    }
    for (const severity of ['error', 'warning', 'info'] as const) {
      put(M.findings, findings.filter((f) => f.severity === severity).length, 'Count', {
        Service: config.serviceName,
        Severity: severity,
      });
    }
  }

  function summary(report: AvailabilityReport) {
    const service = report.scopes[SERVICE_SCOPE];
    const month = service.windows[report.windows[report.windows.length - 1]];
    return {
      availability: month.time.availability,
      requestAvailability: month.requests?.availability,
      budgetRemaining: service.budget.requests?.remaining ?? service.budget.time.remaining,
      burn1h: service.burnRates.requests?.['1h'],
    };
  }

  return async (
    event: unknown,
    _context?: { getRemainingTimeInMillis(): number },
  ): Promise<AvailabilityResult> => {
    const schedule = scheduleEvent.safeParse(event);
    if (schedule.success) return onSchedule();
    const alarm = alarmEvent.safeParse(event);
    if (alarm.success) return onAlarm(alarm.data);
    const kind = (event as { 'detail-type'?: unknown } | null)?.['detail-type'];
    const reason = `unsupported event (detail-type ${JSON.stringify(kind)}): expected "Scheduled Event" or "CloudWatch Alarm State Change"`;
    log.error('event ignored', { reason });
    return { kind: 'ignored', reason };
  };
}
