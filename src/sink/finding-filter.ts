/**
 * `--min-severity`, `--since` and `--until`: which findings reach the
 * outputs (table, JSONL, EVE, the HTML report). A finding passes when its
 * severity is at least the minimum and its time span [ts, end] overlaps
 * [since, until] (so an incident that began before `--since` and goes on
 * after it is kept).
 */
import { FlowhoundError } from '../errors.js';
import { severityRank } from '../score/severity.js';
import type { Finding, Severity } from '../types.js';
import type { Sink } from './sink.js';

export interface FindingFilter {
  minSeverity?: Severity;
  sinceSec?: number;
  untilSec?: number;
}

export function isFilterEmpty(f: FindingFilter): boolean {
  return f.minSeverity === undefined && f.sinceSec === undefined && f.untilSec === undefined;
}

export function passesFilter(f: Finding, filter: FindingFilter): boolean {
  if (filter.minSeverity !== undefined && severityRank(f.severity) < severityRank(filter.minSeverity)) return false;
  if (filter.sinceSec !== undefined && f.end < filter.sinceSec) return false;
  if (filter.untilSec !== undefined && f.ts > filter.untilSec) return false;
  return true;
}

/** `--min-severity medium, --since 2026-11-23T05:00:00Z`; empty when no filter. */
export function describeFilter(f: FindingFilter): string {
  const parts: string[] = [];
  if (f.minSeverity !== undefined) parts.push(`--min-severity ${f.minSeverity}`);
  if (f.sinceSec !== undefined) parts.push(`--since ${new Date(f.sinceSec * 1000).toISOString()}`);
  if (f.untilSec !== undefined) parts.push(`--until ${new Date(f.untilSec * 1000).toISOString()}`);
  return parts.join(', ');
}

/**
 * A time bound from the command line: seconds since the epoch (`1795411917`,
 * `1795411917.5`) or an ISO 8601 date-time (`2026-11-23T05:31:57Z`,
 * `2026-11-23 05:31:57`, `2026-11-23`); without a zone it is UTC (findings
 * are in UTC).
 */
export function parseTimeBound(text: string, flag: string): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m) {
    const iso = `${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? 'Z'}`;
    const ms = Date.parse(iso);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw new FlowhoundError('USAGE', `${flag}: expected seconds since the epoch or an ISO 8601 date-time such as 2026-11-23T05:31:57Z, got "${text}"`, { flag, value: text });
}

/** Passes on only the findings that pass `filter`. */
export function createFilteredSink<S extends Sink>(inner: S, filter: FindingFilter): S {
  if (isFilterEmpty(filter)) return inner;
  const wrapped = Object.create(inner) as S;
  wrapped.write = (findings: readonly Finding[]) => {
    const kept = findings.filter((f) => passesFilter(f, filter));
    if (kept.length) inner.write(kept);
  };
  wrapped.close = () => inner.close();
  return wrapped;
}
