/**
 * Stable finding ids: `f-` and the first 8 hex digits of SHA-256 over kind,
 * source (not for rate spikes, whose source is an attribution), destination,
 * port, proto, the target named in the evidence (`evidence.domain` for DNS
 * tunnels) and the first event time floored to `bucketSec`. The same finding from the same input gets the same id in
 * `analyze` and `watch` and across restarts, because nothing here depends on
 * the wall clock, the order of batches or the process.
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../types.js';

export function computeFindingId(
  f: Pick<Finding, 'kind' | 'src' | 'dst' | 'port' | 'proto' | 'ts' | 'evidence'>,
  bucketSec: number,
): string {
  const bucket = Math.floor(f.ts / bucketSec) * bucketSec;
  const key = `${findingTarget(f)}|${bucket}`;
  return `f-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/** A finding with its id computed; `detector` defaults to "rule". */
export function createFinding(fields: Omit<Finding, 'id' | 'detector'> & { detector?: Finding['detector'] }, bucketSec: number): Finding {
  const f: Finding = { id: '', ...fields, detector: fields.detector ?? 'rule' };
  f.id = computeFindingId(f, bucketSec);
  return f;
}

/** The (kind, source, target) a finding is about: the dedupe and suppression key. */
export function findingTarget(f: Pick<Finding, 'kind' | 'src' | 'dst' | 'port' | 'proto' | 'evidence'>): string {
  const domain = typeof f.evidence.domain === 'string' ? f.evidence.domain : '';
  // A rate spike is about its target; its source is an attribution that can
  // change as more flows arrive (watch may report before analyze knows it).
  const src = f.kind === 'rate.spike' ? '-' : (f.src ?? '-');
  return `${f.kind}|${src}|${f.dst ?? '-'}|${f.port ?? '-'}|${f.proto ?? '-'}|${domain}`;
}
