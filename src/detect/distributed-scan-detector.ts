/**
 * Distributed scans (`scan.distributed`): several sources, each below the
 * per-source scan thresholds (scan-detector.ts), that together probe many
 * hosts on one port or many ports of one host — a campaign spread over
 * sources to stay under per-source counting, as botnets and scanning
 * services do. Suricata's and Snort's sfportscan "distributed" scan types
 * (many sources to one target) are the model.
 *
 * Algorithm:
 * 1. Take the same probes as the per-source scan detector: failed or
 *    unanswered attempts (failed-attempt.ts, stealth probes included) to
 *    unicast destinations.
 * 2. Target sets: horizontal (proto, port) — the targets are hosts; and
 *    vertical (host) — the targets are proto/ports. Per target set, per
 *    source: its distinct targets and its first and last probe, pruned to
 *    the last `scanDistWindowSec` (5 min).
 * 3. A source joins a campaign once it has `scanDistMinProbesPerSource` (3)
 *    probes to the target set and while it stays under the per-source
 *    threshold (`scanHorizontalHosts` / `scanVerticalPorts`): a source over
 *    it is the per-source detector's finding.
 * 4. Campaigns are the joined sources of one target set that share an IPv4
 *    /`scanDistPrefixV4` (24) or IPv6 /`scanDistPrefixV6` (64) prefix, or
 *    whose first probes fall within `scanDistCorrelationSec` (10 s) of one
 *    another (tightly correlated in time).
 * 5. A campaign with ≥ `scanDistSources` (4) sources and ≥ `scanDistTargets`
 *    (25) distinct targets between them opens an incident, reported one
 *    window later or at the end of input naming every source, and again
 *    each window in which more sources joined.
 * 6. Severity and confidence from targets / threshold (score/severity.ts).
 * State is bounded: at most `scanMaxKeys` target sets (the least recently
 * active tenth without an incident is evicted past it), sources per set and
 * targets per source capped by `scanMaxTargetsPerKey`; sets idle for a
 * window are dropped. A set that has seen one probe is a row of columns
 * (scan-sole-keys.ts), made an object when probed again; an object's
 * sources are a block of one slab shared by every set (scan-sources.ts),
 * names and targets held as numbers where they are dotted quads or TCP/UDP
 * ports, so a source keeps no string alive.
 * A promoted set is listed for eviction once (under its new second), an
 * evaluation that finds too few members allocates nothing, and `flush`
 * sorts only the sets that can report: `detector-cpu --detectors
 * scan.distributed --rounds 5` on capture-per-packet-1000000.pcap, 0.913×
 * of 515f93e (faster in 5 of 5 rounds). A vertical set's TCP or UDP port
 * target is given to ScanSources as its key alone (`portText`): 0.947× of
 * 0fbebee on that capture (5 of 5). A row keeps its source's and target's
 * numbers as the record carried them, so a promotion parses no cold
 * string (dottedQuadValue of the row's strings was 8 % of the detector):
 * 0.937× of fbd8bb0 on that capture (5 of 5), 0.971× with scan on
 * conn-findings-heavy-2000000.log (3 of 5).
 */
import type { Settings } from '../config/settings.js';
import { createFinding } from '../score/finding-id.js';
import { confidenceFromRatio, severityFromRatio } from '../score/severity.js';
import type { Finding, FlowRecord, Proto, RecordBatch } from '../types.js';
import type { Detector } from './detector.js';
import { isFailedAttempt, mayBeAttempt, probeTypeOf } from './failed-attempt.js';
import { isMulticastOrBroadcast } from './ip-class.js';
import { encodeState, readStateObject } from './plain-state.js';
import { LeastRecentIndex } from './least-recent-index.js';
import { ScanSoleKeys } from './scan-sole-keys.js';
import { ScanSources, addressKey, hashOfName, isTextKey, textKey } from './scan-sources.js';
import { KeyTable, TOUCH_AHEAD, TOUCH_MIN_KEYS, hashOfId } from './key-table.js';
import type { CutOrder } from './cut-least.js';
import { DROP_AHEAD, EvictBySecond } from './evict-by-second.js';
import { addressBytes } from './policy-rules.js';
import { dottedQuadText, dottedQuadValue } from './dotted-quad.js';
import { fmtDuration, keyOf, portTarget } from './scan-detector.js';

export type DistributedScanSettings = Pick<
  Settings,
  | 'scanDistSources'
  | 'scanDistTargets'
  | 'scanDistWindowSec'
  | 'scanDistPrefixV4'
  | 'scanDistPrefixV6'
  | 'scanDistCorrelationSec'
  | 'scanDistMinProbesPerSource'
  | 'scanHorizontalHosts'
  | 'scanVerticalPorts'
  | 'scanProbeMaxPkts'
  | 'scanMaxTargetsPerKey'
  | 'scanMaxKeys'
  | 'idBucketSec'
>;

interface TargetSet {
  /** The set's key in the detector's map (`SetKey`), and its insertion number (neither is in the state: the map's order gives both). */
  id: SetKey;
  seq: number;
  /** False once the set left the map (the recency index asks for every entry it passes: a field, not a lookup). */
  held: boolean;
  vertical: boolean;
  /** Vertical: the host. */
  dst: string | null;
  /** Horizontal: the port and proto. */
  port: number | null;
  proto: Proto | null;
  /** The sources that probed the set: their targets, probes and first and last probe, in the order they came (a handle into the detector's ScanSources). */
  sources: number;
  /** Sources that reached the per-source threshold: the per-source detector's, never a campaign's (null until one does). */
  overSources: Set<string> | null;
  lastTs: number;
  /** Probes per probe type; null while every probe had `firstProbe` (no object for the sets of a flood). */
  probeTypes: Record<string, number> | null;
  firstProbe: string;
  probes: number;
  /** New (source, target) pairs so far, and the count at which campaigns are next looked for (geometric, so busy sets stay linear). */
  additions: number;
  nextEvaluation: number;
  incident: Incident | null;
}

interface Incident {
  firstTs: number;
  dueTs: number;
  sources: string[];
  targets: number;
  grouping: string;
  lastEmittedSources: number;
}

/** The state's form of a source and of a target set (checkpoints written before the sole-target form read the same). */
interface PlainSource {
  targets: Map<string, number>;
  probes: number;
  firstTs: number;
  lastTs: number;
}

interface PlainTargetSet {
  vertical: boolean;
  dst: string | null;
  port: number | null;
  proto: Proto | null;
  sources: Map<string, PlainSource>;
  overSources: Set<string>;
  lastTs: number;
  probeTypes: Record<string, number>;
  additions: number;
  nextEvaluation: number;
  incident: Incident | null;
}

export function createDistributedScanDetector(settings: DistributedScanSettings): Detector {
  /**
   * Every target set held, by id: its object, or its row in `sole` while it
   * has seen one probe (one lookup per set per record whichever holds it).
   * Insertion order is `seq` order (a promoted set keeps its place). Ids
   * are looked up with their `hashOfId` (key-table.ts).
   */
  const sets = new KeyTable<TargetSet | number, SetKey>();
  /**
   * The held set objects with an incident (an incident stays while its set
   * is held), so that `advance` looks at them only, not at every set.
   */
  const open = new Set<TargetSet>();
  /**
   * The held set objects (not the rows of `sole`), so that the idle sweep
   * and `flush` look at them only: a flood's table is mostly rows, which
   * `sole` expires from its own lists (walking the whole table each window
   * passed about 16,000 rows per sweep on conn-findings-heavy-2000000).
   */
  const objects = new Set<TargetSet>();
  /**
   * Sets seen once, in columns (scan-sole-keys.ts): most sets of a spoofed
   * flood (one host's ports) see one probe. Only while one probe cannot make
   * a source over the per-source threshold or a campaign (the settings
   * refuse such thresholds, a detector made with settings of its own may not).
   */
  const sole = new ScanSoleKeys<SetKey>();
  /** Every set object's sources (scan-sources.ts), of kind HORIZONTAL or VERTICAL (whose target keys are port codes). */
  const srcs = new ScanSources(targetText);
  const soleFirst =
    Math.min(settings.scanVerticalPorts, settings.scanHorizontalHosts, settings.scanDistSources) >= 2 && settings.scanMaxTargetsPerKey >= 1;
  let nextSeq = 0;
  /** The set objects by last activity, for eviction at the cap (`sole` keeps its own). */
  const recency = new LeastRecentIndex<TargetSet>({ timeOf: lastTsOf, orderOf: seqOf, isLive: isHeld, size: () => sets.size - sole.size });
  /** Event time, in a field: a fraction stored in a closure variable is a new heap number per store (per record). */
  const clock = { watermark: Number.NEGATIVE_INFINITY };
  /** Event time at which `advance` next has work (an incident due, or the idle-set sweep). */
  let nextAdvance = Number.NEGATIVE_INFINITY;
  let lastSweep = Number.NEGATIVE_INFINITY;
  /** Target sets dropped at the cap (the run summary's evicted count). */
  let evicted = 0;
  const windowSec = settings.scanDistWindowSec;

  /**
   * A probe of target set `id` (`h`: its hashOfId; made when new: a row of `sole`, or an
   * object). `target`: the host (horizontal), or null for a vertical set,
   * whose target is the port `targetPort` of `targetProto` (`portTarget`),
   * made only when an object needs it: a row of `sole` keeps the port and
   * proto (a flood's vertical sets are probed once, and looking up the
   * port's string was a cache miss per record).
   */
  function probeSet(id: SetKey, h: number, vertical: boolean, dst: string | null, port: number | null, proto: Proto | null, src: string, srcV4: number | undefined, target: string | null, targetV4: number | undefined, targetPort: number, targetProto: Proto, ts: number, probe: string): void {
    const found = sets.get(id, 0, h);
    if (found !== undefined) {
      const tk = targetKeyFor(target, targetV4, targetPort, targetProto);
      note(typeof found === 'number' ? promote(found, ts) : found, src, srcKeyOf(src, srcV4), target ?? portText(tk, targetPort, targetProto), tk, ts, probe);
      return;
    }
    if (sets.size >= settings.scanMaxKeys) evictSets();
    const seq = nextSeq++;
    if (soleFirst) {
      // A vertical row keeps its target's port and proto in `port` and `target` (see `soleSetObject`).
      const portCell = vertical ? targetPort : (port ?? 0);
      const targetCell = vertical ? targetProto : target!;
      // The addresses' numbers as the record carries them (-1: none, the string is parsed at promotion).
      const r = sole.add(id, h, vertical, src, vertical ? dst! : proto!, portCell, targetCell, ts, '', probe, seq, srcV4 ?? -1, targetV4 ?? -1);
      sole.setEntry(r, sets.add(id, 0, h, r));
      return;
    }
    const s: TargetSet = { id, seq, held: true, vertical, dst, port, proto, sources: srcs.make(vertical ? VERTICAL : HORIZONTAL), overSources: null, lastTs: 0, probeTypes: null, firstProbe: '', probes: 0, additions: 0, nextEvaluation: 1, incident: null };
    sets.add(id, 0, h, s);
    objects.add(s);
    recency.see(s, Number.NaN);
    const tk = targetKeyFor(target, targetV4, targetPort, targetProto);
    note(s, src, srcKeyOf(src, srcV4), target ?? portText(tk, targetPort, targetProto), tk, ts, probe);
  }


  /** The object of the set in row `r` of `sole`, as `note` left it after its one probe. */
  function soleSetObject(r: number): TargetSet {
    const vertical = sole.isVertical(r);
    const ts = sole.tsOf(r);
    const sources = srcs.make(vertical ? VERTICAL : HORIZONTAL);
    const src = sole.srcOf(r);
    // A vertical row holds its target's port and proto, a horizontal one the host; the string is read only where the record carried no number.
    const targetV4 = sole.numBOf(r);
    const targetKey = vertical ? portKey(sole.portOf(r), sole.targetOf(r) as Proto) : targetV4 !== -1 ? targetV4 : hostKeyOf(sole.targetOf(r));
    const target = vertical ? portText(targetKey, sole.portOf(r), sole.targetOf(r) as Proto) : sole.targetOf(r);
    srcs.add(sources, srcKeyOf(src, sole.numAOf(r)), src, targetKey, target, ts);
    return {
      id: sole.idOf(r),
      seq: sole.seqOf(r),
      held: true,
      vertical,
      dst: vertical ? sole.otherOf(r) : null,
      port: vertical ? null : sole.portOf(r),
      proto: vertical ? null : (sole.otherOf(r) as Proto),
      sources,
      overSources: null,
      lastTs: sole.lastTsOf(r),
      probeTypes: null,
      firstProbe: sole.probeOf(r),
      probes: 1,
      additions: 1,
      nextEvaluation: Math.ceil(1 * 1.25) + 1,
      incident: null,
    };
  }

  /**
   * The set in row `r` of `sole`, seen a second time, by a probe at `ts`:
   * an object from now on, its last activity moved on to `ts` as `note`
   * would move it, so that it is listed in `recency` once, under its new
   * second (listed under the row's second, then again under the probe's,
   * it left a stale entry per promotion for the sweeps and takes to pass).
   */
  function promote(r: number, ts: number): TargetSet {
    const s = soleSetObject(r);
    sets.replaceAt(sole.entryOf(r), s);
    objects.add(s);
    if (ts > s.lastTs) s.lastTs = ts;
    recency.see(s, Number.NaN);
    sole.remove(r);
    return s;
  }

  /** A probe of `set` by `src` (whose `addressKey` is `srcKey`) of `target` (whose key is `targetKey`, see targetKeyOf). */
  function note(set: TargetSet, src: string, srcKey: number, target: string, targetKey: number, ts: number, probe: string): void {
    if (ts > set.lastTs) {
      const prev = set.lastTs;
      set.lastTs = ts;
      recency.see(set, prev);
    }
    countProbe(set, probe);
    const hs = set.sources;
    let i = srcs.find(hs, srcKey, src);
    if (i < 0) {
      if (srcs.size(hs) >= settings.scanMaxTargetsPerKey) return;
      i = srcs.add(hs, srcKey, src, targetKey, target, ts);
    } else if (!srcs.probe(hs, i, targetKey, target, ts, settings.scanMaxTargetsPerKey)) return;
    if (srcs.targetCount(hs, i) >= (set.vertical ? settings.scanVerticalPorts : settings.scanHorizontalHosts)) {
      set.overSources ??= new Set();
      set.overSources.add(src);
    }
    set.additions++;
    if (set.additions >= set.nextEvaluation) {
      set.nextEvaluation = Math.ceil(set.additions * 1.25) + 1;
      evaluate(set, ts);
    }
  }

  /** `members`' list as it is made (reused: most evaluations find too few members and keep none). */
  const scratch: number[] = [];

  /**
   * Prunes sources idle for a window; returns the sources that may join a
   * campaign (indexes into `set.sources`, in its order), or null when fewer
   * than `scanDistSources` may (no campaign: nothing to keep).
   */
  function members(set: TargetSet, now: number): number[] | null {
    const perSource = set.vertical ? settings.scanVerticalPorts : settings.scanHorizontalHosts;
    const hs = set.sources;
    srcs.removeIdle(hs, now, windowSec);
    let n = 0;
    for (let i = 0; i < srcs.size(hs); i++) {
      if (srcs.probes(hs, i) >= settings.scanDistMinProbesPerSource && srcs.targetCount(hs, i) < perSource && !(set.overSources !== null && isOver(set, srcs.name(hs, i)))) scratch[n++] = i;
    }
    return n < settings.scanDistSources ? null : scratch.slice(0, n);
  }

  function evaluate(set: TargetSet, now: number): void {
    const hs = set.sources;
    if (srcs.size(hs) < settings.scanDistSources) return;
    const joined = members(set, now);
    if (joined === null) return;
    const groups: { how: string; list: number[] }[] = [];
    // By prefix.
    const byPrefix = new Map<string, number[]>();
    for (const m of joined) {
      const p = prefixOf(srcs.name(hs, m), settings.scanDistPrefixV4, settings.scanDistPrefixV6);
      const g = byPrefix.get(p);
      if (g) g.push(m);
      else byPrefix.set(p, [m]);
    }
    for (const [p, list] of byPrefix) if (list.length >= settings.scanDistSources) groups.push({ how: `sources in ${p}`, list });
    // By time: the largest run of first probes within the correlation interval.
    const sorted = [...joined].sort((a, b) => srcs.firstTs(hs, a) - srcs.firstTs(hs, b));
    let best: number[] = [];
    for (let i = 0, j = 0; j < sorted.length; j++) {
      while (srcs.firstTs(hs, sorted[j]!) - srcs.firstTs(hs, sorted[i]!) > settings.scanDistCorrelationSec) i++;
      if (j - i + 1 > best.length) best = sorted.slice(i, j + 1);
    }
    if (best.length >= settings.scanDistSources) groups.push({ how: `sources starting within ${settings.scanDistCorrelationSec} s of one another`, list: best });
    let chosen: { how: string; list: number[]; targets: number } | null = null;
    for (const g of groups) {
      const union = new Set<string>();
      for (const m of g.list) srcs.addTargets(hs, union, m);
      if (union.size >= settings.scanDistTargets && (chosen === null || g.list.length > chosen.list.length)) chosen = { ...g, targets: union.size };
    }
    if (chosen === null) return;
    const sources = chosen.list.map((m) => srcs.name(hs, m)).sort();
    const firstTs = Math.min(...chosen.list.map((m) => srcs.firstTs(hs, m)));
    if (set.incident === null) {
      set.incident = { firstTs, dueTs: now + windowSec, sources, targets: chosen.targets, grouping: chosen.how, lastEmittedSources: 0 };
      open.add(set);
      if (set.incident.dueTs < nextAdvance) nextAdvance = set.incident.dueTs;
    } else if (sources.length >= set.incident.sources.length) {
      const merged = new Set([...set.incident.sources, ...sources]);
      set.incident.sources = [...merged].sort();
      set.incident.targets = Math.max(set.incident.targets, chosen.targets);
      set.incident.firstTs = Math.min(set.incident.firstTs, firstTs);
      set.incident.grouping = chosen.how;
    }
  }

  function emit(set: TargetSet, out: Finding[]): void {
    const inc = set.incident;
    if (inc === null) return;
    // A source that went on past the per-source threshold after it joined is not part of the campaign.
    if (set.overSources !== null) inc.sources = inc.sources.filter((src) => !isOver(set, src));
    if (inc.sources.length < settings.scanDistSources || inc.sources.length <= inc.lastEmittedSources) return;
    const union = new Set<string>();
    for (const src of inc.sources) {
      const i = srcs.find(set.sources, addressKey(src, undefined, hashOfName(src)), src);
      if (i >= 0) srcs.addTargets(set.sources, union, i);
    }
    if (union.size > 0) inc.targets = union.size;
    if (inc.targets < settings.scanDistTargets) return;
    inc.lastEmittedSources = inc.sources.length;
    const ratio = inc.targets / settings.scanDistTargets;
    const what = set.vertical ? `${inc.targets} ports of ${set.dst}` : `${inc.targets} hosts on ${set.port}/${set.proto}`;
    const shown = inc.sources.length <= 8 ? inc.sources.join(', ') : `${inc.sources.slice(0, 8).join(', ')} and ${inc.sources.length - 8} more`;
    out.push(
      createFinding(
        {
          ts: inc.firstTs,
          end: set.lastTs,
          kind: 'scan.distributed',
          severity: severityFromRatio(ratio),
          confidence: confidenceFromRatio(Math.min(ratio, inc.sources.length / settings.scanDistSources)),
          src: null,
          dst: set.dst,
          port: set.port,
          proto: set.proto,
          summary: `${inc.sources.length} sources together probed ${what} without a successful connection in ${fmtDuration(Math.max(0, set.lastTs - inc.firstTs))}, each under the per-source threshold (${inc.grouping}): ${shown}`,
          evidence: {
            count: inc.targets,
            threshold: settings.scanDistTargets,
            sources: inc.sources,
            sourceCount: inc.sources.length,
            grouping: inc.grouping,
            windowSec,
            probeTypes: tallyOf(set.probeTypes, set.firstProbe, set.probes),
          },
        },
        settings.idBucketSec,
      ),
    );
  }

  function advance(out: Finding[]): void {
    nextAdvance = Number.POSITIVE_INFINITY;
    const due: TargetSet[] = [];
    for (const set of open) {
      const inc = set.incident!;
      if (clock.watermark >= inc.dueTs) due.push(set);
      else if (inc.dueTs < nextAdvance) nextAdvance = inc.dueTs;
    }
    if (due.length > 0) {
      // In the sets' insertion order (`seq`), as a walk over every set meets them.
      if (due.length > 1) due.sort(bySeq);
      for (const set of due) {
        const inc = set.incident!;
        evaluate(set, clock.watermark);
        emit(set, out);
        inc.dueTs = clock.watermark + windowSec;
        if (inc.dueTs < nextAdvance) nextAdvance = inc.dueTs;
      }
    }
    if (clock.watermark - lastSweep >= windowSec) {
      lastSweep = clock.watermark;
      // Seen once: no campaign, they just go when idle.
      sole.expire(clock.watermark, windowSec, dropSoleSet);
      const idle: TargetSet[] = [];
      for (const set of objects) {
        if (clock.watermark - set.lastTs <= windowSec) continue;
        idle.push(set);
      }
      // Reported in the sets' insertion order (`seq`), as a walk over the table in that order meets them.
      idle.sort(bySeq);
      for (const set of idle) {
        evaluate(set, set.lastTs);
        emit(set, out);
        dropSet(set);
        open.delete(set);
      }
    }
    if (lastSweep + windowSec < nextAdvance) nextAdvance = lastSweep + windowSec;
  }

  const eviction = new EvictBySecond<TargetSet>(recency, sole, setOrder, isIdle, touchSoleRows);

  /** Reads ahead the table's slots and entries of the rows `rows[from..to)` of `sole` before they are dropped. */
  function touchSoleRows(rows: Int32Array, from: number, to: number): void {
    let k = 0;
    for (let j = from; j < to; j++) {
      const r = rows[j]!;
      dropHashes[k] = sole.hashOf(r);
      dropEntries[k++] = sole.entryOf(r);
    }
    sets.touchEntries(dropHashes, dropEntries, k);
  }
  const dropHashes = new Int32Array(DROP_AHEAD);
  const dropEntries = new Int32Array(DROP_AHEAD);

  /**
   * At the cap: drop the least recently active tenth of the sets without an
   * incident, by last activity, ties by `seq` (see evict-by-second.ts).
   */
  function evictSets(): void {
    evicted += eviction.run(Math.max(1, Math.ceil(settings.scanMaxKeys / 10)), dropSet, dropSoleSet);
  }

  function dropSet(set: TargetSet): void {
    sets.delete(set.id, 0, hashOfId(set.id));
    set.held = false;
    objects.delete(set);
    srcs.free(set.sources);
  }

  function dropSoleSet(r: number): void {
    sets.deleteAt(sole.entryOf(r), sole.hashOf(r));
  }

  function pushFlow(f: FlowRecord): void {
    if (f.proto !== 'tcp' && f.proto !== 'udp') return;
    if (!isFailedAttempt(f, settings.scanProbeMaxPkts) || isMulticastOrBroadcast(f.respH, f.respV4)) return;
    const probe = probeTypeOf(f);
    // Addresses hashed by the numbers the record carries (a host holding "|", whose key is another string, has -1).
    const hKey = horizontalKey(f.proto, f.respP);
    probeSet(hKey, hashOfId(hKey), false, null, f.respP, f.proto, f.origH, f.origV4, f.respH, f.respV4, 0, f.proto, f.ts, probe);
    const vKey = verticalKey(f.respH);
    probeSet(vKey, hashOfId(vKey, f.respV4), true, f.respH, null, null, f.origH, f.origV4, null, undefined, f.respP, f.proto, f.ts, probe);
  }

  /** The set ids' hashes of the records `touchAhead` reads ahead for. */
  const aheadHashes = new Int32Array(2 * TOUCH_AHEAD);

  /**
   * Reads ahead the table's slots and entries for the target sets of the
   * records `flows[from..to)` that carry IPv4 numbers and may be probes
   * (only reads: the lookups are unchanged; a record that is no probe
   * costs a wasted read), then what the entries found hold. On
   * capture-per-packet-1000000.pcap a set's lookup in a table of 200,000
   * was a third of the detector's self time, the slot and the entry each a
   * cache miss waited for in turn (cpu-prof line ticks). `detector-cpu
   * --detectors scan.distributed --rounds 5` on that capture: the slots and
   * entries 0.864× of df2ae4a (5 of 5); reading the rows and objects found
   * and their sources' blocks too, 0.937× of that (5 of 5). Tables under
   * `TOUCH_MIN_KEYS` are not read ahead: on capture-realistic-1100000.pcap
   * (few probes, a small table) reading ahead of every TCP/UDP record was
   * 1.05× (scan and scan.distributed).
   */
  function touchAhead(flows: readonly FlowRecord[], from: number, to: number): void {
    let k = 0;
    for (let j = from; j < to; j++) {
      const f = flows[j]!;
      const v4 = f.respV4;
      if (!mayBeAttempt(f) || v4 === undefined || v4 === -1) continue;
      aheadHashes[k++] = hashOfId(horizontalKey(f.proto, f.respP));
      aheadHashes[k++] = hashOfName(f.respH, v4);
    }
    let v = sets.touchAll(aheadHashes, k);
    // Then what the sets found hold: a row's cells, or an object and its sources' block (a pass per miss).
    const n = sets.aheadCount;
    let handles = 0;
    for (let j = 0; j < n; j++) {
      const s = sets.aheadValue(j);
      if (typeof s === 'number') v ^= sole.touch(s);
      else aheadHashes[handles++] = s.sources;
    }
    for (let j = 0; j < handles; j++) aheadHashes[j] = srcs.touchHandle(aheadHashes[j]!);
    for (let j = 0; j < handles; j++) v ^= srcs.touchBlock(aheadHashes[j]!);
    aheadRead.v = v;
  }
  /** What `touchAhead` read (kept: a load whose value is unused may be dropped). */
  const aheadRead = { v: 0 };

  return {
    name: 'scan.distributed',
    push(batch: RecordBatch): Finding[] {
      const out: Finding[] = [];
      const flows = batch.flows;
      for (let i = 0; i < flows.length; i++) {
        if (i % TOUCH_AHEAD === 0 && sets.size >= TOUCH_MIN_KEYS) touchAhead(flows, i, Math.min(flows.length, i + TOUCH_AHEAD));
        const f = flows[i]!;
        // Event time moves record by record, so what is due is decided at the
        // same record whatever the batch boundaries.
        if (f.ts > clock.watermark) {
          clock.watermark = f.ts;
          if (clock.watermark >= nextAdvance) advance(out);
        }
        pushFlow(f);
      }
      return out;
    },
    flush(): Finding[] {
      const out: Finding[] = [];
      // In the sets' insertion order (`seq`); the sets seen once have no campaign, nor has a set
      // with too few sources and no incident (evaluate and emit return at once: not sorted).
      const held: TargetSet[] = [];
      for (const set of objects) if (set.incident !== null || srcs.size(set.sources) >= settings.scanDistSources) held.push(set);
      held.sort(bySeq);
      for (const set of held) {
        evaluate(set, set.lastTs);
        emit(set, out);
      }
      sets.clear();
      sole.clear();
      objects.clear();
      srcs.clear();
      recency.clear();
      open.clear();
      clock.watermark = Number.NEGATIVE_INFINITY;
      lastSweep = Number.NEGATIVE_INFINITY;
      nextAdvance = Number.NEGATIVE_INFINITY;
      return out;
    },
    snapshot() {
      const plain = new Map<string, PlainTargetSet>();
      for (const set of sets.inOrder()) {
        const s = typeof set === 'number' ? soleSetObject(set) : set;
        plain.set(idOf(s), plainTargetSet(srcs, s));
        // A row's object was made for the state only.
        if (typeof set === 'number') srcs.free(s.sources);
      }
      return encodeState({ sets: plain, watermark: clock.watermark, nextAdvance, lastSweep, evicted });
    },
    restore(state) {
      const o = readStateObject(state, 'scan.distributed', { sets: 'map', watermark: 'number', nextAdvance: 'number', lastSweep: 'number' });
      sets.clear();
      sole.clear();
      objects.clear();
      srcs.clear();
      nextSeq = 0;
      const restored: TargetSet[] = [];
      for (const set of (o.sets as Map<string, PlainTargetSet>).values()) {
        const s = targetSetOf(srcs, set, nextSeq++);
        sets.set(s.id, 0, hashOfId(s.id), s);
        objects.add(s);
        restored.push(s);
      }
      recency.rebuild(restored);
      open.clear();
      for (const s of restored) if (s.incident !== null) open.add(s);
      clock.watermark = o.watermark as number;
      nextAdvance = o.nextAdvance as number;
      lastSweep = o.lastSweep as number;
      // Absent from states written before evictions were counted.
      evicted = typeof o.evicted === 'number' ? o.evicted : 0;
    },
    stats() {
      return { evictedKeys: evicted };
    },
  };
}

/**
 * A target set's key in the detector's map: a number for a TCP or UDP port
 * (no string to build and hash per record), the host's address for a host
 * (hashed once per string, and the record's string is shared by the other
 * detectors); "v|host" for a host holding a "|" and "h|proto|port" for any
 * other port, so no key can be taken for another. The state keeps the id
 * strings (`idOf`).
 */
type SetKey = string | number;

function horizontalKey(proto: Proto, port: number): SetKey {
  if (Number.isInteger(port) && port >= 0 && port <= 65535) {
    if (proto === 'tcp') return port;
    if (proto === 'udp') return 65536 + port;
  }
  return keyOf('h', proto, port);
}

function verticalKey(host: string): SetKey {
  return host.includes('|') ? keyOf('v', host) : host;
}


/** ScanSources kinds: a horizontal set's targets are hosts (keys: addressKey), a vertical set's ports (keys: portKey). */
const HORIZONTAL = 0;
const VERTICAL = 1;

/** The key of a record's source `src` (`v4`: as the record carries it), for ScanSources. */
function srcKeyOf(src: string, v4: number | undefined): number {
  return v4 !== undefined && v4 !== -1 ? v4 : addressKey(src, v4, hashOfName(src, v4));
}

/** The key of a record's target: host `target` (`v4`: as the record carries it) of a horizontal set, or port `port` of `proto` of a vertical one (`target` null). */
function targetKeyFor(target: string | null, v4: number | undefined, port: number, proto: Proto): number {
  if (target === null) return portKey(port, proto);
  return v4 !== undefined && v4 !== -1 ? v4 : addressKey(target, v4, hashOfName(target, -1));
}

/** The key of a vertical set's target, port `port` of `proto`: port × 2 + (udp ? 1 : 0) for a TCP or UDP port, else its text's key. */
function portKey(port: number, proto: Proto): number {
  if (Number.isInteger(port) && port >= 0 && port <= 65535 && (proto === 'tcp' || proto === 'udp')) return port * 2 + (proto === 'udp' ? 1 : 0);
  return textKey(hashOfName(portTarget(port, proto), -1));
}

/** The key of host `host` given as text (a row's): `addressKey`'s, the text hashed only when it is not a dotted quad. */
function hostKeyOf(host: string): number {
  const q = dottedQuadValue(host);
  return q >= 0 ? q | 0 : textKey(hashOfName(host, -1));
}

/**
 * The text ScanSources is given for port `port` of `proto` whose key is `key`
 * (portKey): '' for a TCP or UDP port, whose text ScanSources makes from the
 * key (targetText) when a source's map of targets needs it. A flood's
 * sources probe one target each, and the "port/proto" lookup per record
 * (a cache miss in a table of 65,536 strings) was 3 % of the detector
 * (cpu-prof of the detector alone on capture-per-packet-1000000.pcap).
 */
function portText(key: number, port: number, proto: Proto): string {
  return isTextKey(key) ? portTarget(port, proto) : '';
}

/** The key of a target given as text (a row's, a checkpoint's): as hostKey or portKey would give it. */
function targetKeyOf(target: string, vertical: boolean): number {
  if (!vertical) return hostKeyOf(target);
  const slash = target.indexOf('/');
  const port = Number(target.slice(0, slash));
  const proto = target.slice(slash + 1);
  if ((proto === 'tcp' || proto === 'udp') && portTarget(port, proto) === target) return portKey(port, proto);
  return textKey(hashOfName(target, -1));
}

/** The text of a target key that is not a text key (see ScanSources). */
function targetText(key: number, kind: number): string {
  return kind === VERTICAL ? portTarget(key >> 1, (key & 1) === 1 ? 'udp' : 'tcp') : dottedQuadText(key);
}

/** The set's id in the state (as keys were before `SetKey`): "h|proto|port" or "v|host". */
function idOf(set: TargetSet): string {
  return set.vertical ? keyOf('v', set.dst!) : keyOf('h', set.proto!, set.port!);
}

const setOrder: CutOrder<TargetSet> = { timeOf: lastTsOf, seqOf };

function bySeq(a: TargetSet, b: TargetSet): number {
  return a.seq - b.seq;
}

function isHeld(set: TargetSet): boolean {
  return set.held;
}

function lastTsOf(set: TargetSet): number {
  return set.lastTs;
}

function seqOf(set: TargetSet): number {
  return set.seq;
}

function isIdle(set: TargetSet): boolean {
  return set.incident === null;
}

function countProbe(set: TargetSet, probe: string): void {
  set.probes++;
  if (set.probeTypes !== null) set.probeTypes[probe] = (set.probeTypes[probe] ?? 0) + 1;
  else if (set.probes === 1) set.firstProbe = probe;
  else if (probe !== set.firstProbe) set.probeTypes = { [set.firstProbe]: set.probes - 1, [probe]: 1 };
}

/** Probe counts by type as evidence: `counts`, or all `probes` under `only` while no other type came. */
function tallyOf(counts: Record<string, number> | null, only: string, probes: number): Record<string, number> {
  if (counts !== null) return { ...counts };
  return probes > 0 ? { [only]: probes } : {};
}

function isOver(set: TargetSet, src: string): boolean {
  return set.overSources?.has(src) === true;
}

/** A set in the state's form (maps and sets made, as the detector kept them before the sole-target form). */
function plainTargetSet(srcs: ScanSources, set: TargetSet): PlainTargetSet {
  const sources = new Map<string, PlainSource>();
  const hs = set.sources;
  for (let i = 0; i < srcs.size(hs); i++) sources.set(srcs.name(hs, i), { targets: srcs.targetMap(hs, i), probes: srcs.probes(hs, i), firstTs: srcs.firstTs(hs, i), lastTs: srcs.lastTs(hs, i) });
  return {
    vertical: set.vertical,
    dst: set.dst,
    port: set.port,
    proto: set.proto,
    sources,
    overSources: set.overSources ?? new Set(),
    lastTs: set.lastTs,
    probeTypes: tallyOf(set.probeTypes, set.firstProbe, set.probes),
    additions: set.additions,
    nextEvaluation: set.nextEvaluation,
    incident: set.incident,
  };
}

function targetSetOf(srcs: ScanSources, p: PlainTargetSet, seq: number): TargetSet {
  const sources = srcs.make(p.vertical ? VERTICAL : HORIZONTAL);
  for (const [src, st] of p.sources) {
    const key = addressKey(src, undefined, hashOfName(src));
    const sole = st.targets.size === 1 ? st.targets.entries().next().value : undefined;
    if (sole !== undefined) srcs.restore(sources, key, src, targetKeyOf(sole[0], p.vertical), sole[0], sole[1], null, st.probes, st.firstTs, st.lastTs);
    else srcs.restore(sources, key, src, textKey(0), '', 0, st.targets, st.probes, st.firstTs, st.lastTs);
  }
  let probes = 0;
  for (const n of Object.values(p.probeTypes)) probes += n;
  return {
    id: p.vertical ? verticalKey(p.dst!) : horizontalKey(p.proto!, p.port!),
    seq,
    held: true,
    vertical: p.vertical,
    dst: p.dst,
    port: p.port,
    proto: p.proto,
    sources,
    overSources: p.overSources.size > 0 ? p.overSources : null,
    lastTs: p.lastTs,
    probeTypes: p.probeTypes,
    firstProbe: '',
    probes,
    additions: p.additions,
    nextEvaluation: p.nextEvaluation,
    incident: p.incident,
  };
}

/** "10.77.0.0/24"-style prefix of an address (the address itself when it cannot be parsed). */
function prefixOf(ip: string, v4Bits: number, v6Bits: number): string {
  const b = addressBytes(ip);
  if (b === null) return ip;
  const bits = b.length === 4 ? v4Bits : v6Bits;
  const masked = b.map((x, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return keep === 0 ? 0 : x & ((0xff << (8 - keep)) & 0xff);
  });
  if (b.length === 4) return `${masked.join('.')}/${bits}`;
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((masked[i]! << 8) | masked[i + 1]!).toString(16));
  return `${words.join(':')}/${bits}`;
}
