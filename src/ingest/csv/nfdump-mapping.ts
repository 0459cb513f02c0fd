/**
 * nfdump `-o csv` (nfdump 1.6 and 1.7) to FlowRecord. docs/inputs.md's "nfdump"
 * table is the reference; in short:
 *
 * ts → ts; td → duration (s); sa/sp → origH/origP; da/dp → respH/respP;
 * pr → proto (TCP/UDP/ICMP or the number; other IP protocols become
 * unknown_transport with ports 0); ipkt/ibyt → origPkts/origIpBytes;
 * opkt/obyt → respPkts/respIpBytes (0 in NetFlow v5/v9 unidirectional
 * records). nfdump counts IP bytes (no link header), as Zeek's *_ip_bytes.
 * ICMP: nfdump writes "type.code" (1.7) or type*256+code (1.6) in dp; they
 * become Zeek's type / counterpart-or-code ports.
 * Not in the export: uid (""), service, payload bytes (orig/resp_bytes),
 * history, conn_state (null): NetFlow records are unidirectional, so a
 * record alone cannot say whether the other side answered.
 * The trailing "Summary" block (Summary / flows,bytes,packets,... / values)
 * ends the flows: its rows are neither records nor invalid lines.
 */
import { type CsvFlowMapping, cell, findColumn, type RowResult } from './csv-mapping.js';
import { emptyFlow, ipProtoFromText, fail, optionalCount, optionalNumber, protoFromText, requireText, requireTime, zeekIcmpPorts } from './csv-values.js';

export function createNfdumpMapping(header: readonly string[]): CsvFlowMapping | null {
  const col = (n: string): number => findColumn(header, [n], (s) => s.trim().toLowerCase());
  const ts = col('ts');
  const te = col('te');
  const sa = col('sa');
  const da = col('da');
  const pr = col('pr');
  if (ts < 0 || sa < 0 || da < 0 || pr < 0 || (te < 0 && col('td') < 0)) return null;
  const td = col('td');
  const sp = col('sp');
  const dp = col('dp');
  const ipkt = col('ipkt');
  const ibyt = col('ibyt');
  const opkt = col('opkt');
  const obyt = col('obyt');
  return {
    format: 'nfdump',
    isTrailer: (row) => row.length <= 2 && (row[0] ?? '').trim() === 'Summary',
    mapRow(row): RowResult {
      const t = requireTime('ts', cell(row, ts));
      const origH = requireText('sa', cell(row, sa));
      const respH = requireText('da', cell(row, da));
      const prText = requireText('pr', cell(row, pr));
      const p = protoFromText(prText);
      const flow = emptyFlow(t, origH, 0, respH, 0, p?.proto ?? 'unknown_transport', ipProtoFromText(prText, respH));
      if (p !== null && p.proto === 'icmp') {
        const { type, code } = icmpFromNfdump(cell(row, dp) ?? '0');
        const ports = zeekIcmpPorts(type, code, p.ipv6Icmp || origH.includes(':'));
        flow.origP = ports.origP;
        flow.respP = ports.respP;
      } else if (p !== null) {
        flow.origP = port('sp', cell(row, sp));
        flow.respP = port('dp', cell(row, dp));
      } else if (!/^\d+$/.test(prText)) {
        fail('pr', 'a protocol name or number', prText);
      }
      let duration = optionalNumber('td', cell(row, td));
      if (duration === null && te >= 0) duration = Math.max(0, requireTime('te', cell(row, te)) - t);
      flow.duration = duration;
      flow.origPkts = optionalCount('ipkt', cell(row, ipkt)) ?? 0;
      flow.origIpBytes = optionalCount('ibyt', cell(row, ibyt)) ?? 0;
      flow.respPkts = optionalCount('opkt', cell(row, opkt)) ?? 0;
      flow.respIpBytes = optionalCount('obyt', cell(row, obyt)) ?? 0;
      return flow;
    },
  };
}

function port(column: string, value: string | undefined): number {
  const v = (value ?? '').trim();
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) fail(column, 'a port', v);
  return Number(v);
}

/** nfdump's ICMP type/code in dp: "8.0" (1.7) or 2048 (type*256+code, 1.6). */
function icmpFromNfdump(value: string): { type: number; code: number } {
  const v = value.trim();
  const m = /^(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (m) return { type: Number(m[1]), code: Number(m[2]) };
  if (/^\d{1,5}$/.test(v)) {
    const n = Number(v);
    return { type: n >> 8, code: n & 0xff };
  }
  return fail('dp', 'an ICMP type.code', v);
}
