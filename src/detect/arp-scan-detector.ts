/**
 * ARP scans (`scan.arp`, captures only): one machine asking the local
 * network who has many distinct addresses in a short time, as `arp-scan`,
 * `nmap -PR` and netdiscover do, after Slips' ARP scan detector
 * (modules/arp/arp.py).
 *
 * Algorithm:
 * 1. Take each ARP request (who-has) of the batch's `arps`. Gratuitous ARP
 *    (sender asks for its own address) and ARP probes (sender address
 *    0.0.0.0, RFC 5227, a DHCP client checking its new address) are not
 *    asking for anyone else and are skipped.
 * 2. Exempt the network's own infrastructure, learned from the same input:
 *    a gateway is an address that at least `GATEWAY_ASKERS` (3) different
 *    hosts asked for (every host resolves its gateway), and a DHCP server is
 *    the responder of a UDP flow to port 67 or the sender of one from port
 *    67. Their ordinary ARP (resolving the hosts they route to or lease to)
 *    is not a scan.
 * 3. Key (sender MAC, sender IP): remember each distinct target address with
 *    the time it was last asked for, oldest first, pruned to the last
 *    `arpScanWindowSec` (30 s).
 * 4. When the key holds `arpScanAddresses` (32) distinct targets, an incident
 *    opens; its finding is emitted one window later (event time) or at the
 *    end of input with the counts reached by then (distinct targets, how many
 *    answered, requests), and again each window in which it grew.
 * 5. Severity and confidence from count / threshold (score/severity.ts).
 * State is bounded: at most `scanMaxTargetsPerKey` targets per key and
 * `scanMaxKeys` senders; senders idle for ten windows are dropped.
 */
import type { Settings } from '../config/settings.js';
import { createFinding } from '../score/finding-id.js';
import { confidenceFromRatio, severityFromRatio } from '../score/severity.js';
import type { ArpRecord, Finding, RecordBatch } from '../types.js';
import type { Detector } from './detector.js';
import { selectLeastRecent } from './least-recent.js';
import { encodeState, readStateObject } from './plain-state.js';
import { fmtDuration } from './scan-detector.js';

export type ArpScanSettings = Pick<Settings, 'arpScanAddresses' | 'arpScanWindowSec' | 'scanMaxTargetsPerKey' | 'scanMaxKeys' | 'idBucketSec'>;

/** Distinct hosts that must ask for an address before it counts as the gateway. */
const GATEWAY_ASKERS = 3;
const DHCP_SERVER_PORT = 67;
const MAX_ASKERS_TRACKED = 100_000;

interface Sender {
  mac: string;
  ip: string;
  /** target address → last request ts, oldest first. */
  targets: Map<string, number>;
  /** Distinct targets ever asked for while the incident is open (the window's peak). */
  peak: number;
  requests: number;
  firstTs: number;
  lastTs: number;
  /** First request of the current run of requests (no gap longer than the window). */
  activeSince: number;
  incident: { openedTs: number; firstTs: number; dueTs: number; lastEmitted: number } | null;
  /** Targets asked for in the current run of requests that answered (an is-at reply addressed to it). */
  answered: Set<string>;
}

export function createArpScanDetector(settings: ArpScanSettings): Detector {
  const senders = new Map<string, Sender>();
  /** Address asked for → the hosts that asked (up to GATEWAY_ASKERS). */
  const askers = new Map<string, Set<string>>();
  const infrastructure = new Set<string>();
  /** Senders by address (replies are addressed by IP); the latest sender of an address holds it. */
  const senderByIp = new Map<string, Sender>();
  let watermark = Number.NEGATIVE_INFINITY;
  let lastSweep = Number.NEGATIVE_INFINITY;
  /** Event time at which `advance` next has work (an incident due, or the idle-sender sweep). */
  let nextAdvance = Number.NEGATIVE_INFINITY;
  /** Senders dropped at the cap (the run summary's evicted count). */
  let evicted = 0;
  const windowSec = settings.arpScanWindowSec;

  function noteAsker(target: string, sender: string): void {
    if (infrastructure.has(target)) return;
    let s = askers.get(target);
    if (s === undefined) {
      if (askers.size >= MAX_ASKERS_TRACKED) askers.clear();
      s = new Set();
      askers.set(target, s);
    }
    s.add(sender);
    if (s.size >= GATEWAY_ASKERS) {
      infrastructure.add(target);
      askers.delete(target);
    }
  }

  function pushArp(a: ArpRecord, out: Finding[]): void {
    // Event time moves record by record, so what is due is decided at the
    // same record whatever the batch boundaries.
    if (a.ts > watermark) {
      watermark = a.ts;
      if (watermark >= nextAdvance) advance(out);
    }
    if (a.op === 2) {
      // A reply names who asked (target) and who answered (sender): count it for the asker when it
      // answers an address the asker asked for in its current run of requests (before or after an incident opened).
      const asker = senderByIp.get(a.targetIp);
      if (asker?.targets.has(a.senderIp)) asker.answered.add(a.senderIp);
      return;
    }
    if (a.op !== 1 || a.senderIp === a.targetIp || a.senderIp === '0.0.0.0') return;
    noteAsker(a.targetIp, a.senderIp);
    const id = `${a.senderMac}|${a.senderIp}`;
    let s = senders.get(id);
    if (s === undefined) {
      if (senders.size >= settings.scanMaxKeys) evictIdle();
      s = { mac: a.senderMac, ip: a.senderIp, targets: new Map(), peak: 0, requests: 0, firstTs: a.ts, lastTs: a.ts, activeSince: a.ts, incident: null, answered: new Set() };
      senders.set(id, s);
      senderByIp.set(s.ip, s);
    }
    s.requests++;
    if (a.ts - s.lastTs > windowSec) {
      // A new run of requests: the answers of an earlier one (ordinary resolution) are not this run's.
      s.activeSince = a.ts;
      if (s.incident === null) s.answered.clear();
    }
    if (a.ts > s.lastTs) s.lastTs = a.ts;
    const t = s.targets;
    if (t.has(a.targetIp)) t.delete(a.targetIp);
    else if (t.size >= settings.scanMaxTargetsPerKey) {
      const oldest = t.keys().next();
      if (!oldest.done) t.delete(oldest.value);
    }
    t.set(a.targetIp, a.ts);
    const cutoff = a.ts - windowSec;
    for (const [ip, last] of t) {
      if (last >= cutoff) break;
      t.delete(ip);
    }
    if (t.size > s.peak) s.peak = t.size;
    if (s.incident === null && t.size >= settings.arpScanAddresses) {
      s.incident = { openedTs: a.ts, firstTs: s.activeSince, dueTs: a.ts + windowSec, lastEmitted: 0 };
      if (s.incident.dueTs < nextAdvance) nextAdvance = s.incident.dueTs;
    }
  }

  function dropSender(id: string, s: Sender): void {
    senders.delete(id);
    if (senderByIp.get(s.ip) === s) senderByIp.delete(s.ip);
  }

  function evictIdle(): void {
    const idle: [string, Sender][] = [];
    for (const e of senders) if (e[1].incident === null) idle.push(e);
    const n = Math.max(1, Math.ceil(settings.scanMaxKeys / 10));
    for (const [id, s] of selectLeastRecent(idle, n, (e) => e[1].lastTs)) dropSender(id, s);
    evicted += Math.min(n, idle.length);
  }

  function emit(s: Sender, out: Finding[]): void {
    const inc = s.incident;
    if (inc === null || infrastructure.has(s.ip)) return;
    const count = s.peak;
    if (count <= inc.lastEmitted) return;
    inc.lastEmitted = count;
    const ratio = count / settings.arpScanAddresses;
    const sample = [...s.targets.keys()].sort(compareIpv4).slice(0, 32);
    out.push(
      createFinding(
        {
          ts: inc.firstTs,
          end: s.lastTs,
          kind: 'scan.arp',
          severity: severityFromRatio(ratio),
          confidence: confidenceFromRatio(ratio),
          src: s.ip,
          dst: null,
          port: null,
          proto: null,
          summary: `performing an ARP scan: asked who has ${count} addresses in ${fmtDuration(Math.max(0, s.lastTs - inc.firstTs))} (${s.answered.size} answered), from ${s.mac}`,
          evidence: {
            count,
            threshold: settings.arpScanAddresses,
            windowSec,
            mac: s.mac,
            requests: s.requests,
            answered: s.answered.size,
            addresses: sample,
          },
        },
        settings.idBucketSec,
      ),
    );
  }

  function advance(out: Finding[]): void {
    let next = Number.POSITIVE_INFINITY;
    for (const s of senders.values()) {
      const inc = s.incident;
      if (inc !== null && watermark >= inc.dueTs) {
        emit(s, out);
        inc.dueTs = watermark + windowSec;
      }
      if (inc !== null && inc.dueTs < next) next = inc.dueTs;
    }
    if (watermark - lastSweep >= windowSec) {
      lastSweep = watermark;
      for (const [id, s] of senders) {
        if (watermark - s.lastTs <= 10 * windowSec) continue;
        emit(s, out);
        dropSender(id, s);
      }
    }
    nextAdvance = Math.min(next, lastSweep + windowSec);
  }

  function noteDhcp(batch: RecordBatch): void {
    for (const f of batch.flows) {
      if (f.proto !== 'udp') continue;
      if (f.respP === DHCP_SERVER_PORT && f.respPkts > 0) infrastructure.add(f.respH);
      else if (f.origP === DHCP_SERVER_PORT) infrastructure.add(f.origH);
    }
  }

  return {
    name: 'scan.arp',
    push(batch: RecordBatch): Finding[] {
      const out: Finding[] = [];
      const arps = batch.arps;
      noteDhcp(batch);
      if (arps === undefined) return out;
      for (const a of arps) pushArp(a, out);
      return out;
    },
    flush(): Finding[] {
      const out: Finding[] = [];
      for (const s of senders.values()) emit(s, out);
      senders.clear();
      senderByIp.clear();
      askers.clear();
      infrastructure.clear();
      watermark = Number.NEGATIVE_INFINITY;
      lastSweep = Number.NEGATIVE_INFINITY;
      nextAdvance = Number.NEGATIVE_INFINITY;
      return out;
    },
    snapshot() {
      // senderByIp by sender id (named `open` as in states written when only senders with an incident were listed).
      const open = new Map<string, string>();
      for (const [ip, s] of senderByIp) if (senders.get(`${s.mac}|${s.ip}`) === s) open.set(ip, `${s.mac}|${s.ip}`);
      return encodeState({ senders, askers, infrastructure, open, watermark, lastSweep, nextAdvance, evicted });
    },
    restore(state) {
      const o = readStateObject(state, 'scan.arp', { senders: 'map', askers: 'map', infrastructure: 'set', open: 'map', watermark: 'number', lastSweep: 'number', nextAdvance: 'number' });
      senders.clear();
      for (const [id, s] of o.senders as Map<string, Sender>) senders.set(id, s);
      askers.clear();
      for (const [t, a] of o.askers as Map<string, Set<string>>) askers.set(t, a);
      infrastructure.clear();
      for (const ip of o.infrastructure as Set<string>) infrastructure.add(ip);
      senderByIp.clear();
      for (const [id, s] of senders) if (!senderByIp.has(s.ip) || id === (o.open as Map<string, string>).get(s.ip)) senderByIp.set(s.ip, s);
      watermark = o.watermark as number;
      lastSweep = o.lastSweep as number;
      nextAdvance = o.nextAdvance as number;
      // Absent from states written before evictions were counted.
      evicted = typeof o.evicted === 'number' ? o.evicted : 0;
    },
    stats() {
      return { evictedKeys: evicted };
    },
  };
}

function compareIpv4(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}
