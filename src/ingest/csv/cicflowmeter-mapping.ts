/**
 * CICFlowMeter CSV (CIC-IDS2017/2018 "MachineLearningCSV"/"TrafficLabelling"
 * with their leading-space names like " Source IP", CICFlowMeter-V3/V4
 * "Src IP"/"Tot Fwd Pkts", and the CNS2022 "improved" CIC-IDS2017 with
 * "Total Fwd Packet") to FlowRecord. Names are compared trimmed, lower-case,
 * with spaces collapsed. docs/inputs.md's "CICFlowMeter" table is the reference;
 * in short:
 *
 * Source IP/Port → origH/origP (CICFlowMeter's forward direction is the
 * first packet's sender, as Zeek's originator); Destination → resp;
 * Protocol (number) → proto; Timestamp → ts (day-first "7/7/2017 3:30",
 * "07/07/2017 03:30:00 PM", or "2017-07-07 18:08:57.763666"; read as UTC);
 * Flow Duration (µs) → duration (s); Total Fwd/Backward Packets →
 * orig/respPkts; Total Length of Fwd/Bwd Packets (payload) → orig/respBytes.
 * ICMP Type/Code columns (the improved set) give Zeek's ICMP ports.
 * conn_state is derived only where the counts make it unambiguous: TCP with
 * no backward packet and a SYN → S0; a SYN answered by one backward packet
 * carrying RST → REJ; UDP → S0 without / SF with backward packets; ICMP →
 * OTH; otherwise null. Not in the export: uid (""), service, history
 * (null), IP bytes (0). Label and the ~80 statistics columns are ignored.
 */
import type { FlowRecord } from '../../types.js';
import { type CsvFlowMapping, cell, findColumn, type RowResult } from './csv-mapping.js';
import { emptyFlow, ipProtoFromText, optionalCount, optionalNumber, optionalPort, protoFromText, requireText, requireTime, fail, zeekIcmpPorts } from './csv-values.js';

const norm = (s: string): string => s.trim().toLowerCase().replace(/\s+/g, ' ');

export function createCicflowmeterMapping(header: readonly string[]): CsvFlowMapping | null {
  const col = (...names: string[]): number => findColumn(header, names, norm);
  const src = col('Source IP', 'Src IP');
  const dst = col('Destination IP', 'Dst IP');
  const flowDuration = col('Flow Duration');
  const timestamp = col('Timestamp');
  if (src < 0 || dst < 0 || flowDuration < 0 || timestamp < 0) return null;
  const sport = col('Source Port', 'Src Port');
  const dport = col('Destination Port', 'Dst Port');
  const protocol = col('Protocol');
  const fwdPkts = col('Total Fwd Packets', 'Total Fwd Packet', 'Tot Fwd Pkts');
  const bwdPkts = col('Total Backward Packets', 'Total Bwd packets', 'Total Bwd Packets', 'Tot Bwd Pkts');
  const fwdLen = col('Total Length of Fwd Packets', 'Total Length of Fwd Packet', 'TotLen Fwd Pkts');
  const bwdLen = col('Total Length of Bwd Packets', 'Total Length of Bwd Packet', 'TotLen Bwd Pkts');
  const syn = col('SYN Flag Count', 'SYN Flag Cnt');
  const rst = col('RST Flag Count', 'RST Flag Cnt');
  const bwdRst = col('Bwd RST Flags');
  const icmpType = col('ICMP Type');
  const icmpCode = col('ICMP Code');
  return {
    format: 'cicflowmeter',
    mapRow(row): RowResult {
      const ts = requireTime('Timestamp', cell(row, timestamp));
      const origH = requireText('Source IP', cell(row, src));
      const respH = requireText('Destination IP', cell(row, dst));
      const protoText = (cell(row, protocol) ?? '').trim();
      const p = protoText === '' ? null : protoFromText(protoText);
      if (p === null && protoText !== '' && !/^\d+$/.test(protoText)) fail('Protocol', 'an IP protocol number', protoText);
      const flow = emptyFlow(ts, origH, 0, respH, 0, p?.proto ?? 'unknown_transport', ipProtoFromText(protoText, respH));
      const type = optionalInt('ICMP Type', cell(row, icmpType));
      if (p?.proto === 'icmp' && type !== null && type >= 0) {
        const code = optionalInt('ICMP Code', cell(row, icmpCode));
        const ports = zeekIcmpPorts(type, code !== null && code >= 0 ? code : 0, p.ipv6Icmp || origH.includes(':'));
        flow.origP = ports.origP;
        flow.respP = ports.respP;
      } else {
        flow.origP = optionalPort('Source Port', cell(row, sport)) ?? 0;
        flow.respP = optionalPort('Destination Port', cell(row, dport)) ?? 0;
      }
      const us = optionalNumber('Flow Duration', cell(row, flowDuration));
      flow.duration = us === null ? null : us / 1e6;
      flow.origPkts = optionalCount('Total Fwd Packets', cell(row, fwdPkts)) ?? 0;
      flow.respPkts = optionalCount('Total Backward Packets', cell(row, bwdPkts)) ?? 0;
      flow.origBytes = optionalCount('Total Length of Fwd Packets', cell(row, fwdLen));
      flow.respBytes = optionalCount('Total Length of Bwd Packets', cell(row, bwdLen));
      flow.connState = connStateFromCounts(
        flow,
        optionalCount('SYN Flag Count', cell(row, syn)),
        optionalCount('Bwd RST Flags', cell(row, bwdRst)) ?? optionalCount('RST Flag Count', cell(row, rst)),
      );
      return flow;
    },
  };
}

/** Integers that may be -1 ("not applicable" in the improved CIC-IDS2017). */
function optionalInt(column: string, value: string | undefined): number | null {
  const v = value?.trim() ?? '';
  if (v === '') return null;
  if (!/^-?\d+$/.test(v)) fail(column, 'an integer', v);
  return Number(v);
}

function connStateFromCounts(flow: FlowRecord, synCount: number | null, rstCount: number | null): string | null {
  if (flow.proto === 'icmp') return 'OTH';
  if (flow.proto === 'udp') return flow.respPkts === 0 ? 'S0' : 'SF';
  if (flow.proto !== 'tcp' || synCount === null || synCount === 0) return null;
  if (flow.respPkts === 0) return 'S0';
  if (flow.respPkts === 1 && rstCount !== null && rstCount > 0 && flow.origPkts <= 2 && (flow.origBytes ?? 0) === 0 && (flow.respBytes ?? 0) === 0) return 'REJ';
  return null;
}
