/**
 * The findings `watch` has emitted, kept (bounded) in its state file so that
 * after a restart the same finding is not reported again: a finding whose
 * id was emitted before with at least its count is dropped. A repeat with a
 * grown count keeps the same id and still passes (the scorer decides those).
 */
import type { Finding } from '../types.js';

export interface EmittedEntry {
  id: string;
  end: number;
  count: number;
}

export interface EmittedFindings {
  /** True when this finding (same id, no larger count) was emitted already. */
  has(f: Finding): boolean;
  add(f: Finding): void;
  /** Oldest first, at most `maxEntries`. */
  entries(): EmittedEntry[];
}

export const DEFAULT_MAX_EMITTED = 10_000;

export function countOfFinding(f: Finding): number {
  const c = f.evidence.count;
  return typeof c === 'number' && Number.isFinite(c) ? c : 1;
}

export function createEmittedFindings(initial: readonly EmittedEntry[] = [], maxEntries = DEFAULT_MAX_EMITTED): EmittedFindings {
  const byId = new Map<string, EmittedEntry>();
  for (const e of initial) byId.set(e.id, e);
  return {
    has(f) {
      const e = byId.get(f.id);
      return e !== undefined && countOfFinding(f) <= e.count && f.end <= e.end;
    },
    add(f) {
      byId.delete(f.id);
      byId.set(f.id, { id: f.id, end: f.end, count: countOfFinding(f) });
      if (byId.size > maxEntries) {
        const first = byId.keys().next();
        if (!first.done) byId.delete(first.value);
      }
    },
    entries() {
      return [...byId.values()];
    },
  };
}
