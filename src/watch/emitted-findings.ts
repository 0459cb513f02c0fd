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
 *
 * Write-ahead: `markPending` notes findings about to be written, before the
 * write (`onPending`: watch appends them to its journal marked pending);
 * `add` then records them as written. A pending entry that no written one
 * follows (`initial`, read back from the journal of a run killed between
 * the two) names a finding that may or may not have reached the output:
 * `inDoubt` tells the driver to emit it again marked `redelivered`. A write
 * that failed (a closed stdout) is `abandon`ed: its pending entries are void.
 */
import type { Finding } from '../types.js';

export interface EmittedEntry {
  id: string;
  end: number;
  count: number;
  /** Noted before the write, not known to be written (the journal's write-ahead line). */
  pending?: true;
  /** The write failed (a closed stdout): the pending line before it is void. */
  unwritten?: true;
}

export interface EmittedFindings {
  /** True when this finding's id was emitted with the same or a larger count. */
  has(f: Finding): boolean;
  /** True when this finding's id was emitted at all, or may have been (a larger count makes it an update). */
  knows(f: Finding): boolean;
  /** True when this finding's id and count were about to be written by a run that died before it knew they were. */
  inDoubt(f: Finding): boolean;
  /** Notes findings about to be written (before the write). */
  markPending(findings: readonly Finding[]): void;
  /** Records findings that were written. */
  add(findings: readonly Finding[]): void;
  /** Findings marked pending whose write failed: known not written. */
  abandon(findings: readonly Finding[]): void;
  /** Written entries oldest first, at most `maxEntries`, then any still in doubt (pending). */
  entries(): EmittedEntry[];
}

export const DEFAULT_MAX_EMITTED = 10_000;

/** `e`'s own fields in the order the journal and the state file write them, its flag last. */
export function plainEmittedEntry(e: EmittedEntry): EmittedEntry {
  if (e.pending === true) return { id: e.id, end: e.end, count: e.count, pending: true };
  if (e.unwritten === true) return { id: e.id, end: e.end, count: e.count, unwritten: true };
  return { id: e.id, end: e.end, count: e.count };
}

/** A parsed JSON value (a journal line, a state file's entry) as an entry, or null when it is not one. */
export function readEmittedEntry(v: unknown): EmittedEntry | null {
  if (v === null || typeof v !== 'object') return null;
  const r = v as Record<string, unknown>;
  if (typeof r.id !== 'string' || typeof r.end !== 'number' || typeof r.count !== 'number') return null;
  if ((r.pending !== undefined && r.pending !== true) || (r.unwritten !== undefined && r.unwritten !== true)) return null;
  return plainEmittedEntry(r as unknown as EmittedEntry);
}

export function countOfFinding(f: Finding): number {
  const c = f.evidence.count;
  return typeof c === 'number' && Number.isFinite(c) ? c : 1;
}

export interface EmittedFindingsOptions {
  maxEntries?: number;
  /** Called with the entries of each `add` (after they are recorded). */
  onAdd?: (entries: EmittedEntry[]) => void;
  /** Called with the entries of each `markPending`, marked pending, and of each `abandon`, marked unwritten. */
  onPending?: (entries: EmittedEntry[]) => void;
}

export function createEmittedFindings(initial: readonly EmittedEntry[] = [], options: EmittedFindingsOptions = {}): EmittedFindings {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_EMITTED;
  const slack = Math.max(1, maxEntries >>> 3);
  const byId = new Map<string, EmittedEntry>();
  /** A previous run's pending entry (the largest count) per id, not followed by a written entry covering it. */
  const doubt = new Map<string, EmittedEntry>();

  function put(e: EmittedEntry): void {
    const pending = doubt.get(e.id);
    if (pending !== undefined && pending.count <= e.count) doubt.delete(e.id);
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

  for (const e of initial) {
    const before = doubt.get(e.id);
    if (e.pending === true) {
      if (before === undefined || before.count < e.count) doubt.set(e.id, plainEmittedEntry(e));
    } else if (e.unwritten === true) {
      if (before !== undefined && before.count <= e.count) doubt.delete(e.id);
    } else put(e);
  }
  // A pending entry that a written one already covers is no doubt.
  for (const [id, d] of doubt) if ((byId.get(id)?.count ?? -1) >= d.count) doubt.delete(id);
  evict();
  return {
    has(f) {
      const e = byId.get(f.id);
      return e !== undefined && countOfFinding(f) <= e.count;
    },
    knows(f) {
      return byId.has(f.id) || doubt.has(f.id);
    },
    inDoubt(f) {
      const d = doubt.get(f.id);
      return d !== undefined && countOfFinding(f) <= d.count;
    },
    markPending(findings) {
      if (findings.length === 0 || !options.onPending) return;
      options.onPending(findings.map((f) => ({ id: f.id, end: f.end, count: countOfFinding(f), pending: true })));
    },
    abandon(findings) {
      if (findings.length === 0 || !options.onPending) return;
      options.onPending(findings.map((f) => ({ id: f.id, end: f.end, count: countOfFinding(f), unwritten: true })));
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
      const written = all.length > maxEntries ? all.slice(all.length - maxEntries) : all;
      // Still in doubt (not derived again since the restart): kept pending in a checkpoint, which empties the journal.
      return doubt.size === 0 ? written : [...written, ...doubt.values()];
    },
  };
}
