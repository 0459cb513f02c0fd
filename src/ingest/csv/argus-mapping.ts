/**
 * Argus `ra -c ,` output to FlowRecord, for the default field set
 * (StartTime, Flgs, Proto, SrcAddr, Sport, Dir, DstAddr, Dport, TotPkts,
 * TotBytes, State) and the common variants with Dur, LastTime, SrcPkts,
 * DstPkts, SrcBytes, DstBytes, SrcAppBytes, DstAppBytes. docs/inputs.md's
 * "Argus" table is the reference; in short:
 *
 * 1. Argus flows are bidirectional: Src is Zeek's originator, Dst the
 *    responder. SrcPkts/DstPkts and SrcBytes/DstBytes map per direction;
 *    with only TotPkts/TotBytes, the totals go to origPkts/origIpBytes and
 *    the responder's are 0 (the totals stay right, the split is unknown).
 *    Argus bytes are whole frames (link header included), written as they
 *    are to *IpBytes. SrcAppBytes/DstAppBytes are payload: orig/respBytes.
 * 2. Duration: Dur, else LastTime - StartTime, else null.
 * 3. State to conn_state (TCP): REQ/INT → S0 (no answer); ACC/CON/EST → S1;
 *    FIN/CLO → SF; RST → REJ when the responder sent at most one packet and
 *    the originator at most two (a SYN answered by a reset), else null
 *    (Argus does not say which side reset). UDP: CON → SF, INT/REQ → S0.
 *    ICMP → OTH (Zeek's only ICMP state). Others → null.
 * 4. ICMP: ra writes the type in Sport (hex "0x0008") and, for echoes, the
 *    ICMP id in Dport; the code comes from the State (ECO echo request, ECR
 *    reply, URP port unreachable = 3/3, ...); then Zeek's type /
 *    counterpart-or-code ports.
 * 5. Management records (Proto "man") and non-IP records (arp, rarp, llc,
 *    ...) are not flows: skipped and counted, not errors.
 */
import { type CsvFlowMapping, cell, findColumn, type RowResult } from './csv-mapping.js';
import { emptyFlow, ipProtoFromText, fail, isIpAddress, optionalCount, optionalNumber, optionalPort, protoFromText, requireText, requireTime, zeekIcmpPorts } from './csv-values.js';

/** Argus' names for non-IP (link-layer) protocols; ARP records carry IP addresses but are not IP flows. */
const NON_IP = new Set(['arp', 'rarp', 'llc', 'stp', 'ipx', 'lldp', 'loop', 'isis', 'aarp', 'atalk', 'cdp', 'eapol', '802.1x', 'pppoed', 'pppoes', 'mpls', 'lacp', 'slow']);

const TCP_STATES: Record<string, string> = { REQ: 'S0', INT: 'S0', ACC: 'S1', CON: 'S1', EST: 'S1', FIN: 'SF', CLO: 'SF' };
const UDP_STATES: Record<string, string> = { CON: 'SF', INT: 'S0', REQ: 'S0' };
/** Argus ICMP states to [type, code]. */
const ICMP_STATES: Record<string, [number, number]> = {
  ECO: [8, 0], ECR: [0, 0], URN: [3, 0], URH: [3, 1], URO: [3, 2], URP: [3, 3], URF: [3, 4], URS: [3, 5],
  SRC: [4, 0], RED: [5, 0], RTA: [9, 0], RTS: [10, 0], TXD: [11, 0], PAR: [12, 0], TST: [13, 0], TSR: [14, 0],
  IRQ: [15, 0], IRR: [16, 0], MAS: [17, 0], MSR: [18, 0],
};

export function createArgusMapping(header: readonly string[]): CsvFlowMapping | null {
  const col = (...names: string[]): number => findColumn(header, names, (s) => s.trim().toLowerCase());
  const stime = col('StartTime', 'stime');
  const saddr = col('SrcAddr', 'saddr');
  const daddr = col('DstAddr', 'daddr');
  const proto = col('Proto');
  if (stime < 0 || saddr < 0 || daddr < 0 || proto < 0) return null;
  const ltime = col('LastTime', 'ltime');
  const dur = col('Dur');
  const sport = col('Sport');
  const dport = col('Dport');
  const totPkts = col('TotPkts', 'pkts');
  const totBytes = col('TotBytes', 'bytes');
  const srcPkts = col('SrcPkts', 'spkts');
  const dstPkts = col('DstPkts', 'dpkts');
  const srcBytes = col('SrcBytes', 'sbytes');
  const dstBytes = col('DstBytes', 'dbytes');
  const srcApp = col('SrcAppBytes', 'sappbytes');
  const dstApp = col('DstAppBytes', 'dappbytes');
  const state = col('State');
  return {
    format: 'argus',
    mapRow(row): RowResult {
      const protoText = requireText('Proto', cell(row, proto));
      if (protoText === 'man') return { skip: 'Argus management record (Proto man)' };
      const origH = (cell(row, saddr) ?? '').trim();
      const respH = (cell(row, daddr) ?? '').trim();
      const p = protoFromText(protoText);
      if (p === null && (NON_IP.has(protoText.toLowerCase()) || /^0x[0-9a-f]+$/i.test(protoText) || !(isIpAddress(origH) && isIpAddress(respH)))) {
        return { skip: `not an IP flow (Proto ${protoText})` };
      }
      const ts = requireTime('StartTime', cell(row, stime));
      if (origH === '') requireText('SrcAddr', origH);
      if (respH === '') requireText('DstAddr', respH);
      const st = (cell(row, state) ?? '').trim().toUpperCase();
      const flow = emptyFlow(ts, origH, 0, respH, 0, p?.proto ?? 'unknown_transport', ipProtoFromText(protoText, respH));
      if (p?.proto === 'icmp') {
        const fromState = ICMP_STATES[st];
        // ra writes the ICMP type in Sport ("0x0008"); Dport holds the echo id, not the code.
        const sportValue = optionalPort('Sport', cell(row, sport));
        const type = sportValue === null ? (fromState?.[0] ?? 0) : sportValue > 255 ? sportValue >> 8 : sportValue;
        const code = sportValue !== null && sportValue > 255 ? sportValue & 0xff : (fromState?.[1] ?? 0);
        const ports = zeekIcmpPorts(type, code, p.ipv6Icmp || origH.includes(':'));
        flow.origP = ports.origP;
        flow.respP = ports.respP;
      } else if (p !== null) {
        flow.origP = optionalPort('Sport', cell(row, sport)) ?? fail('Sport', 'a port', cell(row, sport) ?? '');
        flow.respP = optionalPort('Dport', cell(row, dport)) ?? fail('Dport', 'a port', cell(row, dport) ?? '');
      }
      let duration = optionalNumber('Dur', cell(row, dur));
      if (duration === null && ltime >= 0 && (cell(row, ltime) ?? '').trim() !== '') duration = Math.max(0, requireTime('LastTime', cell(row, ltime)) - ts);
      flow.duration = duration;
      const sp = optionalCount('SrcPkts', cell(row, srcPkts));
      const dp = optionalCount('DstPkts', cell(row, dstPkts));
      if (sp !== null || dp !== null) {
        flow.origPkts = sp ?? 0;
        flow.respPkts = dp ?? 0;
      } else {
        flow.origPkts = optionalCount('TotPkts', cell(row, totPkts)) ?? 0;
      }
      const sb = optionalCount('SrcBytes', cell(row, srcBytes));
      const db = optionalCount('DstBytes', cell(row, dstBytes));
      if (sb !== null || db !== null) {
        flow.origIpBytes = sb ?? 0;
        flow.respIpBytes = db ?? 0;
      } else {
        flow.origIpBytes = optionalCount('TotBytes', cell(row, totBytes)) ?? 0;
      }
      flow.origBytes = optionalCount('SrcAppBytes', cell(row, srcApp));
      flow.respBytes = optionalCount('DstAppBytes', cell(row, dstApp));
      flow.connState = connStateFromArgus(flow.proto, st, sp, dp, optionalCount('TotPkts', cell(row, totPkts)));
      return flow;
    },
  };
}

function connStateFromArgus(proto: string, state: string, srcPkts: number | null, dstPkts: number | null, totPkts: number | null): string | null {
  if (proto === 'icmp') return 'OTH';
  if (proto === 'udp') return UDP_STATES[state] ?? null;
  if (proto !== 'tcp') return null;
  if (state === 'RST') {
    const rejected = srcPkts !== null && dstPkts !== null ? srcPkts <= 2 && dstPkts <= 1 : totPkts !== null && totPkts <= 2;
    return rejected ? 'REJ' : null;
  }
  return TCP_STATES[state] ?? null;
}
