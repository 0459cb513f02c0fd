/**
 * Port scans: `scan.vertical` (one source, one host, many ports) and
 * `scan.horizontal` (one source, one port, many hosts), after Zeek's
 * scan.zeek and Slips' vertical/horizontal portscan modules.
 *
 * Algorithm:
 * 1. Take each FlowRecord that is a failed or unanswered attempt
 *    (see failed-attempt.ts: TCP S0/REJ/RSTOS0/RSTRH/SH/SHR, unanswered OTH,
 *    resets before any data; UDP without a response packet) and each ICMP
 *    echo request (type 8, or 128 for ICMPv6) — a ping sweep counts whether
 *    or not hosts answer. Stealth probes without a SYN (FIN, NULL, Xmas,
 *    ACK, Maimon, window) count when they did not become a connection; the
 *    evidence counts the probe types (`probeTypes`). Successful connections never count, so an SSH
 *    brute force (many connections to one port of one host) or a busy web
 *    client is not a scan. Multicast and broadcast destinations are ignored.
 *    Unidirectional exports (NetFlow: no state, no response counts): a TCP
 *    record counts when it has at most `scanProbeMaxPkts` (2) packets (a SYN
 *    probe); a UDP record waits up to `scanPairWaitSec` (60 s) for a record
 *    in the reverse direction and counts only if none comes.
 *    Transports other than TCP, UDP and ICMP (`unknown_transport`, ports 0):
 *    a record the responder sent nothing back on is a probe of its IP
 *    protocol number (FlowRecord.ipProto; nmap -sO sends one per protocol,
 *    a host answers an unknown one with ICMP protocol unreachable, a record
 *    of its own). Records whose number is not known (a Zeek log without
 *    `ip_proto`) are not counted: their protocols cannot be told apart.
 * 2. Vertical key (source, host): remember each distinct proto/port with the
 *    time of its last attempt; a second vertical key (source, host) of IP
 *    protocols remembers each distinct protocol number probed, reported as a
 *    `scan.vertical` with proto `unknown_transport` and `evidence.basis`
 *    `ip-protocols` (the same thresholds: a protocol scan is a port scan one
 *    layer down). Horizontal key (source, proto/port): remember
 *    each distinct host. Two views per key: the attempts within the short
 *    window (`scanWindowSec`, 5 min) and within the long one
 *    (`scanSlowWindowSec`, 1 h); both are kept in last-seen order so old
 *    targets are pruned from the front in O(1) amortised.
 * 3. When the short view reaches `scanVerticalPorts` (15) ports or
 *    `scanHorizontalHosts` (25) hosts, or the long view reaches the slow
 *    thresholds, an incident opens at the earliest remembered attempt.
 * 4. The incident's finding is emitted one short window after it opened
 *    (event time: when a record's ts first reaches that instant, before
 *    the record is counted, so batch boundaries never matter), or at the
 *    end of input, carrying the counts reached by
 *    then; while the scan goes on it is re-emitted each short window in
 *    which it grew (the scorer keeps repeats to one per suppression interval
 *    unless the count grew tenfold).
 * 5. Severity and confidence from count / threshold (score/severity.ts);
 *    an incident that only the long window saw is a slow scan, one
 *    severity lower.
 * State is bounded: at most `scanMaxTargetsPerKey` targets per key, at most
 * `scanMaxKeys` keys (past it the least recently active tenth without an
 * open incident is evicted), and keys idle for a long window are dropped by
 * event time. A key seen once is a row of columns (scan-sole-keys.ts), made
 * an object when seen again: a flood of spoofed sources never sees its keys
 * twice.
 */
import type { Settings } from '../config/settings.js';
import { createFinding } from '../score/finding-id.js';
import { confidenceFromRatio, lowerSeverity, severityFromRatio } from '../score/severity.js';
import type { Finding, FlowRecord, Proto, RecordBatch } from '../types.js';
import type { Detector } from './detector.js';
import { isFailedAttempt, isProtocolProbe, mayBeAttempt, needsReversePairing, probeTypeOf } from './failed-attempt.js';
import { IncidentTable, RecencyMap, type TableRow, WakeQueue, type WakeRow } from './incident-table.js';
import { ipProtoOf } from '../ingest/ip-proto.js';
import { isMulticastOrBroadcast } from './ip-class.js';
import { encodeState, readStateObject, tableOf } from './plain-state.js';
import { LeastRecentIndex } from './least-recent-index.js';
import { ScanSoleKeys } from './scan-sole-keys.js';
import { KeyTable, TOUCH_AHEAD, TOUCH_MIN_KEYS, hashOfId, hashOfName, hashOfPair } from './key-table.js';
import type { CutOrder } from './cut-least.js';
import { DROP_AHEAD, EvictBySecond } from './evict-by-second.js';

export type ScanSettings = Pick<
  Settings,
  | 'scanVerticalPorts'
  | 'scanHorizontalHosts'
  | 'scanWindowSec'
  | 'scanSlowWindowSec'
  | 'scanSlowVerticalPorts'
  | 'scanSlowHorizontalHosts'
  | 'scanMaxTargetsPerKey'
  | 'scanProbeMaxPkts'
  | 'scanPairWaitSec'
  | 'scanMaxKeys'
  | 'idBucketSec'
>;

type ScanKind = 'scan.vertical' | 'scan.horizontal';

interface Incident {
  openedTs: number;
  firstTs: number;
  slowOnly: boolean;
  /** Event time at which the next emission is due. */
  dueTs: number;
  lastEmittedCount: number;
  /** Most distinct targets seen at once in the long view while the incident is open. */
  peakCount: number;
}

/** A held unidirectional UDP record waiting for its reverse. */
interface Pending extends TableRow {
  f: FlowRecord;
}

interface ScanKey extends WakeRow {
  kind: ScanKind;
  src: string;
  /** Vertical: the host. Horizontal: null. */
  dst: string | null;
  /** Horizontal: the port. Vertical: null. */
  port: number | null;
  /** Horizontal: the port's proto. Vertical: null, or `unknown_transport` for a key of IP protocols. */
  proto: Proto | null;
  /**
   * target → last attempt ts, within the short window, oldest first; null
   * while the key has seen one target only (`soleTarget`): both views then
   * hold just that target at its last time, and most keys of a spoofed flood
   * never see a second, so they make no view objects.
   */
  short: RecencyMap | null;
  /** target → last attempt ts, within the long window, oldest first (null with `short`). */
  long: RecencyMap | null;
  /** While the views are null: the one target seen (null before the first attempt) and its last time. */
  soleTarget: string | null;
  soleTs: number;
  attempts: number;
  lastTs: number;
  /** Attempts per conn_state; null while every attempt had `firstState` (most keys see one attempt: no object for them). */
  states: Record<string, number> | null;
  firstState: string;
  /** Probe types (failed-attempt.ts probeTypeOf) of the attempts. */
  probes: Record<string, number> | null;
  /** The probe type of every attempt while `probes` is null. */
  firstProbe: string;
  incident: Incident | null;
  /** The key's id in the detector's table: `src`, then this part (`keyPartOf`), under `hash` (`hashOfPair`). */
  part: KeyPart;
  hash: number;
}

const ECHO_REQUEST_V4 = 8;
const MAX_PENDING = 100_000;
const ECHO_REQUEST_V6 = 128;

export function createScanDetector(settings: ScanSettings): Detector {
  /**
   * Every key held, by id (its source, then `keyPartOf`): its object, or
   * its row in `sole` while it has been seen once (one lookup per key per
   * record whichever holds it). Insertion order is `seq` order (a promoted
   * key keeps its place). Ids are looked up with their `hashOfPair`
   * (key-table.ts), the source's part hashed once per record for both keys.
   */
  const index = new KeyTable<ScanKey | number, string, KeyPart>();
  const sole = new ScanSoleKeys<KeyPart>();
  /**
   * Keys are kept in `sole` until seen twice only while one attempt cannot
   * open an incident (thresholds below 2 are refused by the settings, not
   * by a detector made with settings of its own).
   */
  const soleFirst =
    Math.min(settings.scanVerticalPorts, settings.scanHorizontalHosts, settings.scanSlowVerticalPorts, settings.scanSlowHorizontalHosts) >= 2;
  /** Wake-ups of the key objects (the idle sweep); `sole` keeps its own. */
  const wake = new WakeQueue<ScanKey>();
  let nextSeq = 0;
  /** Keys dropped at the cap (the run summary's evicted count). */
  let evicted = 0;
  /** The key objects by last activity, for eviction at the cap (`sole` keeps its own). */
  const recency = new LeastRecentIndex<ScanKey>({ timeOf: lastTsOf, orderOf: seqOf, isLive: (k) => index.get(k.src, k.part, k.hash) === k, size: () => index.size - sole.size });
  const open = new Set<ScanKey>();
  /** Wake-up margin: `watermark - lastTs > long window` is rechecked exactly when woken. */
  const SLACK = 1e-3;
  /** Event time, in a field: a fraction stored in a closure variable is a new heap number per store (per record). */
  const clock = { watermark: Number.NEGATIVE_INFINITY };
  let lastSweep = Number.NEGATIVE_INFINITY;
  /** Event time at which `advance` next has work (an incident due, or the idle-key sweep). */
  let nextAdvance = Number.NEGATIVE_INFINITY;

  /**
   * An attempt under the key (`src`, `part`) (made when new: a row of
   * `sole`, or an object); `srcHash` and `partHash` are the parts'
   * `hashOfId`. `target`: the host (horizontal), or null for a vertical
   * key, whose target is the port `targetPort` of `targetProto`
   * (`portTarget`), made only when an object needs it: a row of `sole`
   * keeps the port and proto (a flood's vertical keys are seen once, and
   * looking up the port's string was a cache miss per record).
   */
  function attempt(src: string, srcHash: number, part: KeyPart, partHash: number, kind: ScanKind, dst: string | null, port: number | null, proto: Proto | null, target: string | null, targetPort: number, targetProto: Proto, ts: number, state: string, probe: string): void {
    const h = hashOfPair(srcHash, partHash);
    const found = index.get(src, part, h);
    if (found !== undefined) {
      record(typeof found === 'number' ? promote(found) : found, target ?? portTarget(targetPort, targetProto), ts, state, probe);
      return;
    }
    const seq = nextSeq++;
    // A new key is the least recently active (time 0 until its attempt counts): at the cap it goes first.
    const kept = index.size + 1 <= settings.scanMaxKeys || evictKeys(seq);
    if (soleFirst) {
      // Evicted, its one attempt would go to an object no table holds: no incident, nothing to see.
      // A vertical row keeps its target's port and proto in `port` and `target` (see `soleTargetOf`).
      const vertical = target === null;
      if (kept) {
        const r = sole.add(part, h, vertical, src, vertical ? dst! : proto!, vertical ? targetPort : (port ?? 0), vertical ? targetProto : target, ts, state, probe, seq);
        sole.setEntry(r, index.add(src, part, h, r));
      }
      return;
    }
    const k: ScanKey = {
      seq, wakeTs: null, kind, src, dst, port, proto, short: null, long: null, soleTarget: null, soleTs: 0,
      attempts: 0, lastTs: 0, states: null, firstState: '', probes: null, firstProbe: '', incident: null, part, hash: h,
    };
    if (kept) {
      index.add(src, part, h, k);
      recency.see(k, Number.NaN);
    }
    record(k, target ?? portTarget(targetPort, targetProto), ts, state, probe);
  }

  /** The target of the key in row `r` of `sole`: a vertical row holds its port and proto, a horizontal one the host. */
  function soleTargetOf(r: number): string {
    return sole.isVertical(r) ? portTarget(sole.portOf(r), sole.targetOf(r) as Proto) : sole.targetOf(r);
  }

  /** The object of the key in row `r` of `sole`, as `record` left it after its one attempt (its wake-up asked for). */
  function soleKeyObject(r: number): ScanKey {
    const vertical = sole.isVertical(r);
    const lastTs = sole.lastTsOf(r);
    return {
      seq: sole.seqOf(r),
      wakeTs: lastTs + settings.scanSlowWindowSec - SLACK,
      kind: vertical ? 'scan.vertical' : 'scan.horizontal',
      src: sole.srcOf(r),
      dst: vertical ? sole.otherOf(r) : null,
      port: vertical ? null : sole.portOf(r),
      // A vertical row keeps its targets' proto in `target`: `unknown_transport` only for a key of IP protocols.
      proto: vertical ? (sole.targetOf(r) === IP_PROTOCOLS ? IP_PROTOCOLS : null) : (sole.otherOf(r) as Proto),
      short: null,
      long: null,
      soleTarget: soleTargetOf(r),
      soleTs: sole.tsOf(r),
      attempts: 1,
      lastTs,
      states: null,
      firstState: sole.stateOf(r),
      probes: null,
      firstProbe: sole.probeOf(r),
      incident: null,
      part: sole.idOf(r),
      hash: sole.hashOf(r),
    };
  }

  /** The key in row `r` of `sole`, seen a second time: an object from now on. */
  function promote(r: number): ScanKey {
    const k = soleKeyObject(r);
    const wakeTs = k.wakeTs!;
    k.wakeTs = null;
    index.replaceAt(sole.entryOf(r), k);
    recency.see(k, Number.NaN);
    wake.wakeAt(k, wakeTs);
    sole.remove(r);
    return k;
  }

  /** Drops a key object from the table (when it still holds it). */
  function dropKey(k: ScanKey): void {
    if (index.get(k.src, k.part, k.hash) !== k) return;
    index.delete(k.src, k.part, k.hash);
    wake.remove(k);
  }

  function touch(view: RecencyMap, target: string, ts: number, windowSec: number): void {
    const prev = view.get(target);
    if (prev !== undefined) {
      if (ts <= prev) return;
    } else if (view.size >= settings.scanMaxTargetsPerKey) {
      // Saturated: forget the oldest target to stay bounded.
      view.dropOldest();
    }
    view.see(target, ts);
    view.dropOlderThan(ts - windowSec);
  }

  /** An attempt at `target`: the sole target's time, or both views (made when a second target comes). */
  function seeTarget(k: ScanKey, target: string, ts: number): void {
    if (k.short === null || k.long === null) {
      if (k.soleTarget === null) {
        k.soleTarget = target;
        k.soleTs = ts;
        return;
      }
      if (k.soleTarget === target) {
        if (ts > k.soleTs) k.soleTs = ts;
        return;
      }
      k.short = RecencyMap.fromEntries([[k.soleTarget, k.soleTs]]);
      k.long = RecencyMap.fromEntries([[k.soleTarget, k.soleTs]]);
      k.soleTarget = null;
    }
    touch(k.short, target, ts, settings.scanWindowSec);
    touch(k.long, target, ts, settings.scanSlowWindowSec);
  }

  function record(k: ScanKey, target: string, ts: number, state: string, probe: string): void {
    k.attempts++;
    if (k.probes !== null) k.probes[probe] = (k.probes[probe] ?? 0) + 1;
    else if (k.attempts === 1) k.firstProbe = probe;
    else if (probe !== k.firstProbe) k.probes = { [k.firstProbe]: k.attempts - 1, [probe]: 1 };
    if (ts > k.lastTs) {
      const prev = k.lastTs;
      k.lastTs = ts;
      recency.see(k, prev);
    }
    wake.wakeAt(k, k.lastTs + settings.scanSlowWindowSec - SLACK);
    if (k.states !== null) k.states[state] = (k.states[state] ?? 0) + 1;
    else if (k.attempts === 1) k.firstState = state;
    else if (state !== k.firstState) k.states = { [k.firstState]: k.attempts - 1, [state]: 1 };
    seeTarget(k, target, ts);
    const longSize = viewSize(k, k.long);
    if (k.incident !== null) {
      if (longSize > k.incident.peakCount) k.incident.peakCount = longSize;
      return;
    }
    const vertical = k.kind === 'scan.vertical';
    const shortThr = vertical ? settings.scanVerticalPorts : settings.scanHorizontalHosts;
    const slowThr = vertical ? settings.scanSlowVerticalPorts : settings.scanSlowHorizontalHosts;
    const fast = viewSize(k, k.short) >= shortThr;
    if (!fast && longSize < slowThr) return;
    const view = fast ? k.short : k.long;
    const firstTs = Math.min(ts, (view !== null ? view.oldestTs() : k.soleTs) ?? ts);
    k.incident = { openedTs: ts, firstTs, slowOnly: !fast, dueTs: ts + settings.scanWindowSec, lastEmittedCount: 0, peakCount: longSize };
    if (k.incident.dueTs < nextAdvance) nextAdvance = k.incident.dueTs;
    open.add(k);
  }

  function emit(k: ScanKey, out: Finding[]): void {
    const inc = k.incident;
    if (inc === null) return;
    // Targets age out of the long view as a slow scan goes on: report the most seen at once.
    const count = Math.max(viewSize(k, k.long), inc.peakCount);
    if (count <= inc.lastEmittedCount) return;
    inc.lastEmittedCount = count;
    const vertical = k.kind === 'scan.vertical';
    const thr = inc.slowOnly
      ? vertical
        ? settings.scanSlowVerticalPorts
        : settings.scanSlowHorizontalHosts
      : vertical
        ? settings.scanVerticalPorts
        : settings.scanHorizontalHosts;
    const ratio = count / thr;
    const severity = inc.slowOnly ? lowerSeverity(severityFromRatio(ratio)) : severityFromRatio(ratio);
    const targets = k.long !== null ? [...k.long.keys()] : k.soleTarget !== null ? [k.soleTarget] : [];
    const durationSec = Math.max(0, k.lastTs - inc.firstTs);
    const windowText = inc.slowOnly ? `${fmtDuration(settings.scanSlowWindowSec)} (slow scan)` : fmtDuration(durationSec);
    let summary: string;
    let sample: unknown;
    const protocols = vertical && k.proto === IP_PROTOCOLS;
    if (protocols) {
      // The targets are "number/unknown_transport": the IP protocol numbers, as a port scan lists its ports.
      sample = targets.map((t) => parsePortTarget(t).port).sort((a, b) => a - b).slice(0, 32);
      summary = `${count} IP protocols of ${k.dst} probed without an answer in ${windowText}`;
    } else if (vertical) {
      const ports = targets.map(parsePortTarget).sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
      sample = ports.slice(0, 32).map((p) => `${p.port}/${p.proto}`);
      summary = `${count} ports of ${k.dst} probed without a successful connection in ${windowText}`;
    } else {
      sample = targets.sort().slice(0, 32);
      const what = k.proto === 'icmp' ? 'hosts swept with ICMP echo requests' : `hosts probed on ${k.port}/${k.proto} without a successful connection`;
      summary = `${count} ${what} in ${windowText}`;
    }
    out.push(
      createFinding(
        {
          ts: inc.firstTs,
          end: k.lastTs,
          kind: k.kind,
          severity,
          confidence: confidenceFromRatio(ratio),
          src: k.src,
          dst: k.dst,
          port: k.port,
          proto: k.proto,
          summary,
          evidence: {
            count,
            threshold: thr,
            windowSec: inc.slowOnly ? settings.scanSlowWindowSec : settings.scanWindowSec,
            slow: inc.slowOnly,
            attempts: k.attempts,
            connStates: tallyOf(k.states, k.firstState, k.attempts),
            probeTypes: tallyOf(k.probes, k.firstProbe, k.attempts),
            ...(protocols ? { basis: 'ip-protocols', ipProtocols: sample } : { [vertical ? 'ports' : 'hosts']: sample }),
          },
        },
        settings.idBucketSec,
      ),
    );
  }

  function advance(out: Finding[]): void {
    let next = Number.POSITIVE_INFINITY;
    for (const k of open) {
      const inc = k.incident;
      if (inc === null) {
        open.delete(k);
        continue;
      }
      if (clock.watermark >= inc.dueTs) {
        emit(k, out);
        inc.dueTs = clock.watermark + settings.scanWindowSec;
        if (clock.watermark - k.lastTs > settings.scanSlowWindowSec) {
          k.incident = null;
          open.delete(k);
          continue;
        }
      }
      if (inc.dueTs < next) next = inc.dueTs;
    }
    // Drop keys idle for a long window, once per short window of event time (only the keys woken for it).
    if (clock.watermark - lastSweep >= settings.scanWindowSec) {
      lastSweep = clock.watermark;
      // Taken unsorted: only the few keys that report need key order (`seq`), not the thousands that are queued again or dropped.
      const due = wake.takeDue(clock.watermark, null);
      let reporting: ScanKey[] | null = null;
      for (let i = 0; i < due.length; i++) {
        const k = due[i]!;
        if (clock.watermark - k.lastTs <= settings.scanSlowWindowSec) {
          wake.wakeAt(k, k.lastTs + settings.scanSlowWindowSec - SLACK);
          continue;
        }
        if (k.incident !== null) {
          reporting ??= [];
          reporting.push(k);
        }
        open.delete(k);
        dropKey(k);
      }
      if (reporting !== null) {
        reporting.sort(bySeq);
        for (let i = 0; i < reporting.length; i++) emit(reporting[i]!, out);
      }
      // Keys seen once have no incident: they just go.
      sole.expire(clock.watermark, settings.scanSlowWindowSec, dropSoleKey);
    }
    nextAdvance = Math.min(next, lastSweep + settings.scanWindowSec);
  }

  const eviction = new EvictBySecond<ScanKey>(recency, sole, keyOrder, isIdle, touchSoleRows);

  /** Reads ahead the table's slots and entries of the rows `rows[from..to)` of `sole` before they are dropped. */
  function touchSoleRows(rows: Int32Array, from: number, to: number): void {
    let k = 0;
    for (let j = from; j < to; j++) {
      const r = rows[j]!;
      aheadHashes[k] = sole.hashOf(r);
      aheadEntries[k++] = sole.entryOf(r);
    }
    index.touchEntries(aheadHashes, aheadEntries, k);
  }
  const aheadEntries = new Int32Array(DROP_AHEAD);

  /**
   * Over the cap: drops the least recently active tenth of the keys without
   * an incident, by last activity, ties by `seq` (see evict-by-second.ts),
   * the new key (number `newSeq`, at time 0, in no table yet) among them.
   * False when the new key is one of those dropped.
   */
  function evictKeys(newSeq: number): boolean {
    const n = Math.max(index.size + 1 - settings.scanMaxKeys, Math.ceil(settings.scanMaxKeys / 10));
    // The new key stands in second 0 among the objects (time 0 is no later than any key's).
    const newcomer = { lastTs: 0, seq: newSeq } as ScanKey;
    evicted += eviction.run(n, dropKey, dropSoleKey, newcomer);
    return eviction.newcomerKept;
  }

  /** Drops the key of row `r` of `sole` from the table (the row stays for the caller to remove). */
  function dropSoleKey(r: number): void {
    index.deleteAt(sole.entryOf(r), sole.hashOf(r));
  }

  /**
   * Unidirectional UDP records (NetFlow) wait up to `scanPairWaitSec` of event
   * time for a record in the reverse direction: a reply means answered (both
   * halves are dropped); none means unanswered and the record is counted.
   */
  const pending = new IncidentTable<Pending>(MAX_PENDING);

  function pairOrHold(f: FlowRecord): boolean {
    const reverse = pending.get(`${f.respH}|${f.respP}|${f.origH}|${f.origP}|${f.proto}`);
    if (reverse !== undefined) {
      pending.delete(reverse);
      return true;
    }
    if (!needsReversePairing(f)) return false;
    if (pending.size >= MAX_PENDING) releasePending(Number.POSITIVE_INFINITY, 1);
    const key = `${f.origH}|${f.origP}|${f.respH}|${f.respP}|${f.proto}`;
    const held = pending.get(key);
    // The same 5-tuple again keeps its place in line with the newer record.
    if (held !== undefined) held.f = f;
    else pending.add({ key, seq: 0, wakeTs: null, f });
    return true;
  }

  /** Counts held records older than `before` (at most `limit`) as unanswered, oldest held first. */
  function releasePending(before: number, limit = Number.POSITIVE_INFINITY): void {
    for (let p = pending.oldest(); p !== undefined && limit > 0 && p.f.ts < before; p = pending.oldest()) {
      pending.delete(p);
      countAttempt(p.f);
      limit--;
    }
  }

  function pushFlow(f: FlowRecord): void {
    if ((f.proto === 'udp' || f.proto === 'tcp') && (pending.size > 0 || needsReversePairing(f)) && pairOrHold(f)) return;
    countAttempt(f);
  }

  function countAttempt(f: FlowRecord): void {
    if (f.proto === 'icmp') {
      if (f.origP !== ECHO_REQUEST_V4 && f.origP !== ECHO_REQUEST_V6) return;
      if (isMulticastOrBroadcast(f.respH, f.respV4)) return;
      const part = horizontalPart('icmp', f.origP);
      attempt(f.origH, hashOfName(f.origH, f.origV4), part, hashOfId(part), 'scan.horizontal', null, f.origP, 'icmp', f.respH, 0, 'icmp', f.ts, f.connState ?? 'echo', 'icmp-echo');
      return;
    }
    if (f.proto === IP_PROTOCOLS) {
      countProtocolProbe(f);
      return;
    }
    if (!isFailedAttempt(f, settings.scanProbeMaxPkts)) return;
    if (isMulticastOrBroadcast(f.respH, f.respV4)) return;
    const state = f.connState ?? (f.respPkts === 0 ? 'unanswered' : 'other');
    const probe = probeTypeOf(f);
    // Addresses hashed by the numbers the record carries (a host holding "|", whose part is another string, has -1).
    const srcHash = hashOfName(f.origH, f.origV4);
    const vPart = verticalPart(f.respH);
    attempt(f.origH, srcHash, vPart, hashOfId(vPart, f.respV4), 'scan.vertical', f.respH, null, null, null, f.respP, f.proto, f.ts, state, probe);
    const hPart = horizontalPart(f.proto, f.respP);
    attempt(f.origH, srcHash, hPart, hashOfId(hPart), 'scan.horizontal', null, f.respP, f.proto, f.respH, 0, f.proto, f.ts, state, probe);
  }

  /** An unanswered record of a transport other than TCP, UDP and ICMP: a probe of its IP protocol (step 1). */
  function countProtocolProbe(f: FlowRecord): void {
    if (!isProtocolProbe(f)) return;
    const ipProto = ipProtoOf(f);
    if (isMulticastOrBroadcast(f.respH, f.respV4)) return;
    const part = protocolPart(f.respH);
    attempt(f.origH, hashOfName(f.origH, f.origV4), part, hashOfId(part), 'scan.vertical', f.respH, null, IP_PROTOCOLS, null, ipProto, IP_PROTOCOLS, f.ts, f.connState ?? 'unanswered', 'ip-proto');
  }

  /** The key ids' hashes of the records `touchAhead` reads ahead for. */
  const aheadHashes = new Int32Array(2 * TOUCH_AHEAD);

  /**
   * Reads ahead the table's slots and entries for the keys of the TCP and
   * UDP records `flows[from..to)` that carry IPv4 numbers and may be
   * attempts (only reads: the lookups are unchanged; a record that is no
   * attempt costs a wasted read): a spoofed flood's keys are all new, and
   * each lookup's home slot in a table of 200,000 keys was a cache miss
   * waited for in turn. `detector-cpu --detectors scan --rounds 5` on
   * capture-per-packet-1000000.pcap: 0.920× of df2ae4a (4 of 5). The objects
   * found are not read ahead (a flood's keys are not found). Tables under
   * `TOUCH_MIN_KEYS` are not read ahead (see distributed-scan-detector.ts).
   */
  function touchAhead(flows: readonly FlowRecord[], from: number, to: number): void {
    let k = 0;
    for (let j = from; j < to; j++) {
      const f = flows[j]!;
      const v4 = f.respV4;
      const srcV4 = f.origV4;
      if (!mayBeAttempt(f) || v4 === undefined || v4 === -1 || srcV4 === undefined || srcV4 === -1) continue;
      const srcHash = hashOfName(f.origH, srcV4);
      aheadHashes[k++] = hashOfPair(srcHash, hashOfName(f.respH, v4));
      aheadHashes[k++] = hashOfPair(srcHash, hashOfId(horizontalPart(f.proto, f.respP)));
    }
    index.touchAll(aheadHashes, k);
  }

  return {
    name: 'scan',
    push(batch: RecordBatch): Finding[] {
      const out: Finding[] = [];
      const flows = batch.flows;
      for (let i = 0; i < flows.length; i++) {
        if (i % TOUCH_AHEAD === 0 && index.size >= TOUCH_MIN_KEYS) touchAhead(flows, i, Math.min(flows.length, i + TOUCH_AHEAD));
        const f = flows[i]!;
        // Event time moves record by record, so what is due is decided at the
        // same record whatever the batch boundaries (chunk size, gzip, watch).
        if (f.ts > clock.watermark) {
          clock.watermark = f.ts;
          if (pending.size > 0) releasePending(clock.watermark - settings.scanPairWaitSec);
          if (clock.watermark >= nextAdvance) advance(out);
        }
        pushFlow(f);
      }
      return out;
    },
    flush(): Finding[] {
      const out: Finding[] = [];
      releasePending(Number.POSITIVE_INFINITY);
      for (const k of open) emit(k, out);
      index.clear();
      sole.clear();
      wake.clear();
      recency.clear();
      open.clear();
      clock.watermark = Number.NEGATIVE_INFINITY;
      lastSweep = Number.NEGATIVE_INFINITY;
      nextAdvance = Number.NEGATIVE_INFINITY;
      return out;
    },
    snapshot() {
      // The table's form: every key as an object, in insertion order.
      const rows: unknown[] = [];
      for (const v of index.inOrder()) {
        const k = typeof v === 'number' ? soleKeyObject(v) : v;
        const { part: _part, hash: _hash, ...fields } = k;
        rows.push({ key: idOf(k), ...fields, short: viewEntries(k, k.short), long: viewEntries(k, k.long), soleTarget: null, soleTs: 0 });
      }
      return encodeState({ keys: { rows, nextSeq, evicted }, open: [...open].map(idOf), pending: pending.snapshot(), watermark: clock.watermark, lastSweep, nextAdvance });
    },
    restore(state) {
      const o = readStateObject(state, 'scan', { keys: 'table', open: 'list', pending: 'table', watermark: 'number', lastSweep: 'number', nextAdvance: 'number' });
      const table = tableOf<Omit<ScanKey, 'part' | 'hash'> & TableRow & { short: [string, number][]; long: [string, number][] }>(o.keys);
      const byId = new Map<string, ScanKey>();
      const rows = table.rows.map(({ key, ...k }) => {
        const part = k.kind === 'scan.vertical' ? (k.proto === IP_PROTOCOLS ? protocolPart(k.dst!) : verticalPart(k.dst!)) : horizontalPart(k.proto!, k.port!);
        const row: ScanKey = { ...k, short: RecencyMap.fromEntries(k.short), long: RecencyMap.fromEntries(k.long), soleTarget: null, soleTs: 0, part, hash: hashOfPair(hashOfName(k.src), hashOfId(part)) };
        byId.set(key, row);
        return row;
      });
      index.clear();
      sole.clear();
      for (const k of rows) index.set(k.src, k.part, k.hash, k);
      nextSeq = table.nextSeq;
      evicted = table.evicted;
      wake.restore(rows);
      recency.rebuild(rows);
      open.clear();
      for (const id of o.open as string[]) {
        const k = byId.get(id);
        if (k !== undefined) open.add(k);
      }
      pending.restore(tableOf<Pending>(o.pending));
      clock.watermark = o.watermark as number;
      lastSweep = o.lastSweep as number;
      nextAdvance = o.nextAdvance as number;
    },
    stats() {
      return { evictedKeys: evicted };
    },
  };
}

/**
 * The part of a key's id after its source, in the detector's table: a
 * number for a port of TCP, UDP or ICMP (horizontal keys: no string to
 * build per record), the host's address for a host (vertical keys: the
 * record's own string); "v|host" for a host holding a "|" and
 * "h|proto|port" for any other port, so no key can be taken for another.
 * The state keeps the id strings (`idOf`).
 */
type KeyPart = string | number;

const PROTO_CODES: Partial<Record<Proto, number>> = { tcp: 0, udp: 1, icmp: 2 };

function horizontalPart(proto: Proto, port: number): KeyPart {
  const code = PROTO_CODES[proto];
  if (code !== undefined && Number.isInteger(port) && port >= 0 && port <= 65535) return code * 65536 + port;
  return keyOf('h', proto, port);
}

function verticalPart(host: string): KeyPart {
  return host.includes('|') ? keyOf('v', host) : host;
}

/** The part of a vertical key of IP protocols: "p|host" (a vertical part of a host holding "|" starts with "v|"). */
function protocolPart(host: string): KeyPart {
  return keyOf('p', host);
}

/** The proto of a vertical key of IP protocols and of its targets ("47/unknown_transport"). */
const IP_PROTOCOLS: Proto = 'unknown_transport';

/** A key's id in the state: "v|src|host", "p|src|host" (IP protocols) or "h|src|proto|port". */
function idOf(k: ScanKey): string {
  if (k.kind === 'scan.vertical') return keyOf(k.proto === IP_PROTOCOLS ? 'p' : 'v', k.src, k.dst!);
  return keyOf('h', k.src, k.proto!, k.port!);
}

/**
 * A key's id, its parts joined by "|": `join` makes one flat string, where a
 * template literal makes a chain of concatenations that the map then
 * flattens into a second string (about 50 more bytes per key held, and
 * slower; a flood holds 200,000 keys).
 */
export function keyOf(...parts: (string | number)[]): string {
  return parts.join('|');
}

/** A key's counts by name as evidence: `counts`, or all `attempts` under `only` while no other name came. */
function tallyOf(counts: Record<string, number> | null, only: string, attempts: number): Record<string, number> {
  if (counts !== null) return { ...counts };
  return attempts > 0 ? { [only]: attempts } : {};
}

/** Targets in a view of `k` (its sole target while the views are not made). */
function viewSize(k: ScanKey, view: RecencyMap | null): number {
  if (view !== null) return view.size;
  return k.soleTarget !== null ? 1 : 0;
}

/** A view of `k` as [target, ts] pairs, oldest first (the state's form). */
function viewEntries(k: ScanKey, view: RecencyMap | null): [string, number][] {
  if (view !== null) return view.entries();
  return k.soleTarget !== null ? [[k.soleTarget, k.soleTs]] : [];
}

const keyOrder: CutOrder<ScanKey> = { timeOf: lastTsOf, seqOf };

function lastTsOf(k: { lastTs: number }): number {
  return k.lastTs;
}

function seqOf(k: ScanKey): number {
  return k.seq;
}

function bySeq(a: ScanKey, b: ScanKey): number {
  return a.seq - b.seq;
}

function isIdle(k: ScanKey): boolean {
  return k.incident === null;
}

/** The "port/proto" targets of vertical keys, one string per port and proto (not one per attempt). */
const portTargets = new Map<Proto, string[]>();

export function portTarget(port: number, proto: Proto): string {
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `${port}/${proto}`;
  let byPort = portTargets.get(proto);
  if (byPort === undefined) {
    // Filled to its length at once: an array grown by scattered ports turns into a dictionary (a hash lookup per call).
    byPort = new Array<string>(65536).fill('');
    portTargets.set(proto, byPort);
  }
  let target = byPort[port]!;
  if (target === '') {
    target = `${port}/${proto}`;
    byPort[port] = target;
  }
  return target;
}

function parsePortTarget(t: string): { port: number; proto: string } {
  const i = t.indexOf('/');
  return { port: Number(t.slice(0, i)), proto: t.slice(i + 1) };
}

/** "42 s", "5 min", "1.5 h". */
export function fmtDuration(sec: number): string {
  if (sec < 120) return `${Math.round(sec * 10) / 10} s`;
  if (sec < 7200) return `${Math.round(sec / 6) / 10} min`;
  return `${Math.round(sec / 360) / 10} h`;
}
