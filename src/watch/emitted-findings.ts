/**
 * The findings `watch` has emitted, kept (bounded) in its state file and
 * journal so that a replay after a restart does not report them again: a
 * finding whose id was emitted before with the same or a larger count is
 * recognised (`has`); one with a larger count is an update of it (`knows`
 * without `has`), reported again with `update: true`.
 *
 * Bounded: past `maxEntries` the least recently emitted entries go, in one
 * pass of one iterator per eviction round (an eighth of the bound at a
 * time), never a fresh `keys().next()` per entry (quadratic, STYLE.md).
 * `onAdd` sees every entry added (watch appends them to its journal).
 */
import type { Finding } from '../types.js';

export interface EmittedEntry {
  id: string;
  end: number;
  count: number;
}

export interface EmittedFindings {
  /** True when this finding's id was emitted with the same or a larger count. */
  has(f: Finding): boolean;
  /** True when this finding's id was emitted at all (a larger count makes it an update). */
  knows(f: Finding): boolean;
  /** Records findings that were written. */
  add(findings: readonly Finding[]): void;
  /** Oldest first, at most `maxEntries`. */
  entries(): EmittedEntry[];
}

export const DEFAULT_MAX_EMITTED = 10_000;

export function countOfFinding(f: Finding): number {
  const c = f.evidence.count;
  return typeof c === 'number' && Number.isFinite(c) ? c : 1;
}

export interface EmittedFindingsOptions {
  maxEntries?: number;
  /** Called with the entries of each `add` (after they are recorded). */
  onAdd?: (entries: EmittedEntry[]) => void;
}

export function createEmittedFindings(initial: readonly EmittedEntry[] = [], options: EmittedFindingsOptions = {}): EmittedFindings {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_EMITTED;
  const slack = Math.max(1, maxEntries >>> 3);
  const byId = new Map<string, EmittedEntry>();

  function put(e: EmittedEntry): void {
    const prev = byId.get(e.id);
    if (prev !== undefined) {
      byId.delete(e.id);
      // A replayed smaller count never lowers what was emitted.
      if (prev.count > e.count) e = { ...e, count: prev.count, end: Math.max(prev.end, e.end) };
    }
    byId.set(e.id, e);
  }

  function evict(): void {
    if (byId.size <= maxEntries + slack) return;
    let n = byId.size - maxEntries;
    for (const id of byId.keys()) {
      if (n-- <= 0) break;
      byId.delete(id);
    }
  }

  for (const e of initial) put(e);
  evict();
  return {
    has(f) {
      const e = byId.get(f.id);
      return e !== undefined && countOfFinding(f) <= e.count;
    },
    knows(f) {
      return byId.has(f.id);
    },
    add(findings) {
      if (findings.length === 0) return;
      const added: EmittedEntry[] = [];
      for (const f of findings) {
        const e = { id: f.id, end: f.end, count: countOfFinding(f) };
        put(e);
        added.push(e);
      }
      evict();
      options.onAdd?.(added);
    },
    entries() {
      const all = [...byId.values()];
      return all.length > maxEntries ? all.slice(all.length - maxEntries) : all;
    },
  };
}
