/**
 * Dedupe and suppression of findings (a finding repeats at most
 * once per suppression interval per (kind, source, target)).
 *
 * Algorithm, per (kind, source, target) key (see findingTarget):
 * 1. The first finding of a key is emitted.
 * 2. A later finding of the same key is emitted again only when
 *    a. its end is at least `suppressionSec` of event time after the end of
 *       the last emitted one (a repeat with updated counts), or
 *    b. its count (`evidence.count`) reached ten times the last emitted
 *       count (log-scale repetition, as Slips repeats evidence);
 *    otherwise it is suppressed (counted in `suppressed`).
 * 3. A finding with the same id and the same count as the last emitted one
 *    is a duplicate and always dropped; one with the same id that passes is
 *    an update of it and carries `update: true`.
 * Keys are bounded: past 100,000 keys the least recently emitted half goes.
 */
import { encodeState, readStateObject } from '../detect/plain-state.js';
import { FlowhoundError } from '../errors.js';
import type { Finding } from '../types.js';
import { findingTarget } from './finding-id.js';

export interface Scorer {
  /** Returns the findings that pass dedupe and suppression, in input order. */
  add(findings: readonly Finding[]): Finding[];
  /** Findings seen, emitted and suppressed so far. */
  readonly stats: { seen: number; emitted: number; suppressed: number };
  /** The suppression memory (last emitted end, count and id per key) and counts, as plain JSON data. */
  snapshot(): unknown;
  /** Puts back a `snapshot()`; STATE_INVALID on foreign data. */
  restore(state: unknown): void;
}

export interface ScorerOptions {
  suppressionSec: number;
  /** Count growth factor that breaks suppression (default 10). */
  repeatFactor?: number;
  maxKeys?: number;
}

interface KeyState {
  lastEnd: number;
  lastCount: number;
  lastId: string;
}

export function createScorer(options: ScorerOptions): Scorer {
  const factor = options.repeatFactor ?? 10;
  const maxKeys = options.maxKeys ?? 100_000;
  const keys = new Map<string, KeyState>();
  const stats = { seen: 0, emitted: 0, suppressed: 0 };

  function countOf(f: Finding): number {
    const c = f.evidence.count;
    return typeof c === 'number' && Number.isFinite(c) ? c : 1;
  }

  return {
    stats,
    snapshot() {
      return encodeState({ keys, stats });
    },
    restore(state) {
      const o = readStateObject(state, 'scorer', { keys: 'map', stats: 'object' });
      keys.clear();
      for (const [k, v] of o.keys as Map<string, KeyState>) {
        if (typeof v !== 'object' || v === null || typeof v.lastEnd !== 'number' || typeof v.lastCount !== 'number' || typeof v.lastId !== 'string') {
          throw new FlowhoundError('STATE_INVALID', `detector state scorer: key ${JSON.stringify(k)} is malformed`, { detector: 'scorer' });
        }
        keys.set(k, v);
      }
      const st = o.stats as Record<string, unknown>;
      stats.seen = Number(st.seen) || 0;
      stats.emitted = Number(st.emitted) || 0;
      stats.suppressed = Number(st.suppressed) || 0;
    },
    add(findings) {
      const out: Finding[] = [];
      for (const f of findings) {
        stats.seen++;
        const key = findingTarget(f);
        const count = countOf(f);
        const st = keys.get(key);
        if (st === undefined) {
          keys.set(key, { lastEnd: f.end, lastCount: count, lastId: f.id });
          if (keys.size > maxKeys) evictOldest();
          out.push(f);
          stats.emitted++;
          continue;
        }
        const duplicate = st.lastId === f.id && count <= st.lastCount && f.end <= st.lastEnd;
        const intervalPassed = f.end - st.lastEnd >= options.suppressionSec;
        const grew = count >= st.lastCount * factor;
        if (!duplicate && (intervalPassed || grew)) {
          const update = st.lastId === f.id;
          st.lastEnd = f.end;
          st.lastCount = count;
          st.lastId = f.id;
          keys.delete(key);
          keys.set(key, st);
          out.push(update && f.update !== true ? { ...f, update: true } : f);
          stats.emitted++;
        } else {
          stats.suppressed++;
        }
      }
      return out;
    },
  };

  function evictOldest(): void {
    let n = keys.size >>> 1;
    for (const k of keys.keys()) {
      if (n-- <= 0) break;
      keys.delete(k);
    }
  }
}
