import { isFlowhoundError } from '../../../src/errors.js';
import { parseCsvMap } from '../../../src/ingest/csv/csv-map.js';
import { parseCsvTime } from '../../../src/ingest/csv/csv-values.js';
import { CHUNK_SIZES, readBytes } from '../zeek/read-helper.js';

const NFDUMP_HEADER = 'ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr';
const nfRow = (ts: string, sa: string, da: string, sp: string, dp: string, pr: string, flg: string, ipkt: number, ibyt: number, td = '0.000'): string =>
  `${ts},${ts},${td},${sa},${da},${sp},${dp},${pr},${flg},0,0,${ipkt},${ibyt},0,0,0,0,0,0,0,0,0,0,0.0.0.0,0.0.0.0,0,0,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,    0.000,    0.000,    0.000,127.0.0.1,0/0,1,2026-11-23 05:37:15.611`;

const NFDUMP = [
  NFDUMP_HEADER,
  nfRow('2026-11-23 05:31:57', '10.77.0.66', '10.77.0.20', '50041', '23', 'TCP', '......S.', 1, 44),
  nfRow('2026-11-23 05:31:57.250', '10.77.0.20', '10.77.0.66', '23', '50041', 'TCP', '...A.R..', 1, 40, '0.125'),
  nfRow('2026-11-23 05:36:10', '10.77.0.10', '10.77.0.20', '0', '2048', 'ICMP', '........', 3, 252),
  nfRow('2026-11-23 05:36:11', '10.77.0.10', '10.77.0.20', '0', '3.3', 'ICMP', '........', 1, 56),
  nfRow('2026-11-23 05:36:12', '10.77.0.10', '10.77.0.20', '0', '0', '47', '........', 1, 100),
  'Summary',
  'flows,bytes,packets,avg_bps,avg_pps,avg_bpp',
  '5,492,7,0,0,70',
].join('\n');

const ARGUS = [
  'StartTime,Flgs,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,TotPkts,TotBytes,State',
  '2026-11-23 05:37:13.695680,          ,man,0,0,,0,0,0,0,STA',
  '2026-11-23 05:31:47.211140, e        ,udp,10.77.0.10,45866,  <->,10.77.0.53,53,2,184,CON',
  '2026-11-23 05:31:47.211247, e        ,arp,10.77.0.11,,  who,10.77.0.53,,2,84,CON',
  '2026-11-23 05:31:57.000001, e        ,tcp,10.77.0.66,50041,   ->,10.77.0.20,23,2,114,RST',
  '2026-11-23 05:32:00.5, e        ,tcp,10.77.0.10,58704,   ->,10.77.0.20,80,12,5201,FIN',
  '2026-11-23 05:36:10.029453, e        ,icmp,10.77.0.10,0x0008,  <->,10.77.0.20,0xc142,2,196,ECO',
  '2026-11-23 05:36:11, e        ,icmp,10.77.0.10,0x0003,   ->,10.77.0.20,0x0000,1,70,URP',
].join('\n');

const ARGUS_WIDE = [
  'StartTime,LastTime,Dur,Flgs,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,SrcPkts,DstPkts,SrcBytes,DstBytes,State',
  '1795411907.211140,1795411907.211310,0.000170, e        ,udp,10.77.0.10,45866,  <->,10.77.0.53,53,1,1,98,86,CON',
  '1795411917.000001,1795411917.000101,0.000100, e        ,tcp,10.77.0.66,50041,   ->,10.77.0.20,23,1,1,60,54,RST',
  '1795411920.5,1795411921.5,1.000000, e        ,tcp,10.77.0.10,58704,   ->,fe80::1,80,6,6,600,4601,RST',
].join('\n');

// CIC-IDS2017 "TrafficLabelling" header (leading spaces) and its day-first minute timestamps.
const CIC_2017 = [
  'Flow ID, Source IP, Source Port, Destination IP, Destination Port, Protocol, Timestamp, Flow Duration, Total Fwd Packets, Total Backward Packets,Total Length of Fwd Packets, Total Length of Bwd Packets, SYN Flag Count, RST Flag Count, Label',
  '192.168.10.5-104.16.207.165-54865-443-6,104.16.207.165,443,192.168.10.5,54865,6,7/7/2017 3:30,3,2,0,12,0,0,0,BENIGN',
  '172.16.0.1-192.168.10.50-41249-2042-6,172.16.0.1,41249,192.168.10.50,2042,6,07/07/2017 03:30:12 PM,49,1,1,0,0,1,1,PortScan',
  '172.16.0.1-192.168.10.50-41250-53-17,172.16.0.1,41250,192.168.10.50,53,17,6/7/2017 13:05,1000000,1,0,40,0,0,0,BENIGN',
].join('\r\n');

describe('parseCsvTime', () => {
  it('reads the exporters’ formats as UTC', () => {
    expect(parseCsvTime('t', '2026-11-23 05:31:57')).toBe(Date.UTC(2026, 10, 23, 5, 31, 57) / 1000);
    expect(parseCsvTime('t', '2026/11/23 05:31:57.5')).toBe(Date.UTC(2026, 10, 23, 5, 31, 57) / 1000 + 0.5);
    expect(parseCsvTime('t', '1795411907.211140')).toBe(1795411907.21114);
    expect(parseCsvTime('t', '1795411907211')).toBe(1795411907.211);
    expect(parseCsvTime('t', '7/7/2017 3:30')).toBe(Date.UTC(2017, 6, 7, 3, 30) / 1000);
    expect(parseCsvTime('t', '6/7/2017 13:05')).toBe(Date.UTC(2017, 6, 6, 13, 5) / 1000);
    expect(parseCsvTime('t', '07/07/2017 03:30:12 PM')).toBe(Date.UTC(2017, 6, 7, 15, 30, 12) / 1000);
    expect(parseCsvTime('t', '07/07/2017 12:00:00 AM')).toBe(Date.UTC(2017, 6, 7, 0, 0, 0) / 1000);
    expect(parseCsvTime('t', 'soon')).toBeNaN();
    expect(() => parseCsvTime('StartTime', '05:31:57.211140')).toThrow(/has no date \(for Argus, run ra with -u/);
  });
});

describe('parseCsvMap', () => {
  it('parses FIELD=COLUMN pairs with units, and refuses what it cannot use', () => {
    expect(parseCsvMap('ts=start:ms,origH= Src IP,respH=dst,respP=dport')).toEqual({ ts: 'start:ms', origH: ' Src IP', respH: 'dst', respP: 'dport' });
    expect(() => parseCsvMap('ts=a,origH=b')).toThrow('--csv-map: respH must be mapped');
    expect(() => parseCsvMap('ts=a,origH=b,respH=c,bytes=d')).toThrow(/unknown field "bytes"; fields are ts, end, uid/);
    expect(() => parseCsvMap('ts=a,origH,respH=c')).toThrow('--csv-map: "origH" is not FIELD=COLUMN');
    expect(() => parseCsvMap('ts=a,ts=b,origH=b,respH=c')).toThrow('--csv-map: field ts is given twice');
  });
});

describe.each(CHUNK_SIZES)('CSV flow exports at chunk size %i', (chunkSize) => {
  it('nfdump -o csv: fields, ICMP in both encodings, other protocols, and the Summary block', async () => {
    const r = await readBytes(`${NFDUMP}\n`, { chunkSize, name: 'nf.csv' });
    expect(r.warnings).toEqual([]);
    expect(r.flows).toHaveLength(5);
    expect(r.flows[0]).toEqual({
      ts: Date.UTC(2026, 10, 23, 5, 31, 57) / 1000,
      uid: '',
      origH: '10.77.0.66',
      origP: 50041,
      respH: '10.77.0.20',
      respP: 23,
      proto: 'tcp',
      service: null,
      duration: 0,
      origBytes: null,
      respBytes: null,
      connState: null,
      history: null,
      missedBytes: 0,
      origPkts: 1,
      origIpBytes: 44,
      respPkts: 0,
      respIpBytes: 0,
      origV4: 172818498,
      respV4: 172818452,
      ipProto: 6,
    });
    expect(r.flows[1]).toMatchObject({ ts: Date.UTC(2026, 10, 23, 5, 31, 57, 250) / 1000, duration: 0.125 });
    expect(r.flows.slice(2).map((f) => [f.proto, f.origP, f.respP])).toEqual([
      ['icmp', 8, 0],
      ['icmp', 3, 3],
      ['unknown_transport', 0, 0],
    ]);
    // The protocol number of a transport other than TCP, UDP and ICMP (GRE here) is kept.
    expect(r.flows.map((f) => f.ipProto)).toEqual([6, 6, 1, 1, 47]);
  });

  it('nfdump: a Summary that disagrees with the rows is reported', async () => {
    const r = await readBytes(`${NFDUMP.replace('5,492,7', '9,492,7')}\n`, { chunkSize, name: 'nf.csv' });
    expect(r.warnings.map((w) => w.code)).toEqual(['CSV_SUMMARY_MISMATCH']);
    expect(r.warnings[0]?.message).toBe("nf.csv:7: the export's Summary says 9 flows, but it has 5 flow rows");
  });

  it('Argus default fields: states, ICMP, man and arp rows skipped and counted', async () => {
    const r = await readBytes(`${ARGUS}\n`, { chunkSize, name: 'ra.csv' });
    expect(r.flows.map((f) => [f.proto, f.origH, f.origP, f.respP, f.connState, f.origPkts, f.origIpBytes, f.respPkts])).toEqual([
      ['udp', '10.77.0.10', 45866, 53, 'SF', 2, 184, 0],
      ['tcp', '10.77.0.66', 50041, 23, 'REJ', 2, 114, 0],
      ['tcp', '10.77.0.10', 58704, 80, 'SF', 12, 5201, 0],
      ['icmp', '10.77.0.10', 8, 0, 'OTH', 2, 196, 0],
      ['icmp', '10.77.0.10', 3, 3, 'OTH', 1, 70, 0],
    ]);
    expect(r.flows[0]?.ts).toBe(Date.UTC(2026, 10, 23, 5, 31, 47) / 1000 + 0.21114);
    expect(r.flows[0]?.duration).toBeNull();
    expect(r.warnings.map((w) => w.message).sort()).toEqual(['ra.csv: skipped 1 rows: Argus management record (Proto man)', 'ra.csv: skipped 1 rows: not an IP flow (Proto arp)']);
  });

  it('Argus with per-direction counts, LastTime/Dur and epoch times', async () => {
    const r = await readBytes(`${ARGUS_WIDE}\n`, { chunkSize });
    expect(r.warnings).toEqual([]);
    expect(r.flows.map((f) => [f.ts, f.duration, f.origPkts, f.respPkts, f.origIpBytes, f.respIpBytes, f.connState])).toEqual([
      [1795411907.21114, 0.00017, 1, 1, 98, 86, 'SF'],
      [1795411917.000001, 0.0001, 1, 1, 60, 54, 'REJ'],
      [1795411920.5, 1, 6, 6, 600, 4601, null],
    ]);
    expect(r.flows[2]?.respH).toBe('fe80::1');
  });

  it('Argus with time-of-day StartTime is refused per row with the fix', async () => {
    const text = `${ARGUS.split('\n')[0]}\n05:31:47.211140, e        ,udp,10.77.0.10,45866,  <->,10.77.0.53,53,2,184,CON\n`;
    const r = await readBytes(text, { chunkSize, name: 'ra.csv' });
    expect(r.flows).toEqual([]);
    expect(r.warnings[0]?.message).toMatch(/^ra\.csv:2: column StartTime: time "05:31:47\.211140" has no date/);
  });

  it('CICFlowMeter (CIC-IDS2017 names with leading spaces, d/m/Y H:M, CRLF)', async () => {
    const r = await readBytes(`${CIC_2017}\r\n`, { chunkSize });
    expect(r.warnings).toEqual([]);
    expect(r.flows.map((f) => [f.ts, f.origH, f.origP, f.respH, f.respP, f.proto, f.duration, f.origPkts, f.respPkts, f.origBytes, f.respBytes, f.connState])).toEqual([
      [Date.UTC(2017, 6, 7, 3, 30) / 1000, '104.16.207.165', 443, '192.168.10.5', 54865, 'tcp', 0.000003, 2, 0, 12, 0, null],
      [Date.UTC(2017, 6, 7, 15, 30, 12) / 1000, '172.16.0.1', 41249, '192.168.10.50', 2042, 'tcp', 0.000049, 1, 1, 0, 0, 'REJ'],
      [Date.UTC(2017, 6, 6, 13, 5) / 1000, '172.16.0.1', 41250, '192.168.10.50', 53, 'udp', 1, 1, 0, 40, 0, 'S0'],
    ]);
  });

  it('--csv-map maps other column names, with units', async () => {
    const text = 'start_ms,src,dst,sport,dport,prot,pk\n1700000000123,10.0.0.1,10.0.0.2,1234,443,tcp,7\n';
    const r = await readBytes(text, { chunkSize, csvMap: 'ts=start_ms:ms,origH=src,respH=dst,origP=sport,respP=dport,proto=prot,origPkts=PK' });
    expect(r.flows).toEqual([expect.objectContaining({ ts: 1700000000.123, origH: '10.0.0.1', respH: '10.0.0.2', origP: 1234, respP: 443, proto: 'tcp', origPkts: 7, duration: null })]);
    const err = await readBytes(text, { chunkSize, csvMap: 'ts=begin,origH=src,respH=dst', name: 'x.csv' }).catch((e: unknown) => e);
    expect(isFlowhoundError(err) && err.code).toBe('CSV_BAD_HEADER');
    expect((err as Error).message).toMatch(/^x\.csv:1: --csv-map ts=begin: no column "begin" in the header \(columns: start_ms, src/);
  });

  it('refuses rows without a header (CSV_NO_HEADER) and unknown headers (CSV_BAD_HEADER)', async () => {
    const noHeader = await readBytes('2026-11-23 05:31:57,10.0.0.1,10.0.0.2,80\n', { chunkSize, format: 'csv', name: 'x.csv' }).catch((e: unknown) => e);
    expect(isFlowhoundError(noHeader) && noHeader.code).toBe('CSV_NO_HEADER');
    expect((noHeader as Error).message).toMatch(/^x\.csv:1: no header row: the first row \(2026-11-23 05:31:57,10\.0\.0\.1,10\.0\.0\.2,80\) looks like data/);
    const unknown = await readBytes('label,qname\n0,google.com.\n', { chunkSize, name: 'names.csv' }).catch((e: unknown) => e);
    expect(isFlowhoundError(unknown) && unknown.code).toBe('CSV_BAD_HEADER');
    expect((unknown as Error).message).toMatch(/^names\.csv:1: the header \(label,qname\) is not a known flow export/);
  });

  it('bad rows are skipped and reported with line and column; maxInvalid in a row stops; blank rows are counted', async () => {
    const lines = ARGUS_WIDE.split('\n');
    const text = [lines[0], lines[1], lines[1]?.replace('45866', 'http'), ',,,,,,,,,,,,,,', lines[2]?.replace(',tcp,', ',"tcp",'), 'a,"b', lines[3]].join('\n');
    const r = await readBytes(`${text}\n`, { chunkSize, name: 'ra.csv' });
    expect(r.flows).toHaveLength(3);
    expect(r.warnings.map((w) => w.message)).toEqual([
      'ra.csv:3: column Sport: expected a port, got "http"',
      expect.stringMatching(/^ra\.csv:6: CSV: Quote Not Closed/),
      'ra.csv: skipped 1 rows with only empty cells',
    ]);
    const many = [lines[0], ...Array.from({ length: 4 }, () => lines[1]?.replace('10.77.0.10', ''))].join('\n');
    await expect(readBytes(`${many}\n`, { chunkSize, maxInvalid: 4, name: 'ra.csv' })).rejects.toThrow(/^ra\.csv:5: 4 invalid lines in a row \(lines 2-5; --max-invalid 4\); last: column SrcAddr: empty/);
  });

  it('a cut last row is reported as truncated, not fatal', async () => {
    const r = await readBytes(`${ARGUS_WIDE}\n1795411930.5,1795411931.5,1.0, e ,tcp,10.0`, { chunkSize });
    expect(r.flows).toHaveLength(3);
    expect(r.warnings.map((w) => [w.code, w.line])).toEqual([['TRUNCATED_LINE', 5]]);
  });
});
