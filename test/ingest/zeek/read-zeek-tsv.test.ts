import { isFlowhoundError } from '../../../src/errors.js';
import { CHUNK_SIZES, readBytes } from './read-helper.js';

const CONN_HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2019-02-28-12-07-01',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
].join('\n');

const CONN_LINES = [
  '1517422326.539915\tCxHo3m4N8uGxrMlcl2\t10.55.100.100\t61843\t205.204.101.182\t80\ttcp\thttp\t108.985496\t719\t336\tSF\tT\tF\t20\tShADadfF\t10\t1131\t4\t508\t(empty)',
  '1517422400.000001\tCabc\t10.0.0.1\t8\t10.0.0.2\t0\ticmp\t-\t-\t-\t-\tOTH\tT\tT\t0\t-\t1\t84\t0\t0\t-',
];

const DNS_LOG = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tdns',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool',
  '1517336042.279652\tCVvreZ2AGtqjnP3nnl\t192.168.88.2\t55638\t165.227.88.15\t53\tudp\t42937\t0.069982\t6dde.dnsc.r-1x.com.\t1\tC_INTERNET\t16\tTXT\t0\tNOERROR\tF\tF\tT\tT\t0\tTXT 18 302f,1.2.3.4\t60.000000,3600.5\tT',
  '1517336043.1\tC2\t192.168.88.2\t55639\t165.227.88.15\t53\tudp\t-\t-\texample.org\t1\tC_INTERNET\t10\t-\t3\t-\tF\tF\tT\tT\t0\t(empty)\t(empty)\tF',
  '#close\t2019-02-28-12-07-02',
].join('\n');

describe.each(CHUNK_SIZES)('readZeekTsv at chunk size %i', (chunkSize) => {
  it('maps conn.log columns to FlowRecord with Zeek meanings (unset = null, ICMP type/code in ports)', async () => {
    const r = await readBytes(`${CONN_HEADER}\n${CONN_LINES.join('\n')}\n#close\t2019-02-28-12-07-01\n`, { chunkSize });
    expect(r.warnings).toEqual([]);
    expect(r.flows).toHaveLength(2);
    expect(r.flows[0]).toEqual({
      ts: 1517422326.539915,
      uid: 'CxHo3m4N8uGxrMlcl2',
      origH: '10.55.100.100',
      origP: 61843,
      respH: '205.204.101.182',
      respP: 80,
      proto: 'tcp',
      service: 'http',
      duration: 108.985496,
      origBytes: 719,
      respBytes: 336,
      connState: 'SF',
      history: 'ShADadfF',
      missedBytes: 20,
      origPkts: 10,
      origIpBytes: 1131,
      respPkts: 4,
      respIpBytes: 508,
      origV4: 171402340,
      respV4: -842242634,
      ipProto: 6,
    });
    expect(r.flows[1]).toMatchObject({ proto: 'icmp', origP: 8, respP: 0, service: null, duration: null, origBytes: null, respBytes: null, history: null });
  });

  it('maps dns.log to DnsRecord: sets split, TTLs as numbers, names and numbers completed, trailing dot dropped', async () => {
    const r = await readBytes(DNS_LOG, { chunkSize });
    expect(r.warnings).toEqual([]);
    expect(r.dns).toHaveLength(2);
    expect(r.dns[0]).toEqual({
      ts: 1517336042.279652,
      uid: 'CVvreZ2AGtqjnP3nnl',
      client: '192.168.88.2',
      clientP: 55638,
      server: '165.227.88.15',
      serverP: 53,
      proto: 'udp',
      transId: 42937,
      query: '6dde.dnsc.r-1x.com',
      qtype: 16,
      qtypeName: 'TXT',
      rcode: 0,
      rcodeName: 'NOERROR',
      answers: ['TXT 18 302f', '1.2.3.4'],
      ttls: [60, 3600.5],
      responseBytes: null,
      // The columns kept for writing back (flows --dns).
      zeek: { rtt: 0.069982, qclass: 1, qclassName: 'C_INTERNET', AA: false, TC: false, RD: true, RA: true, Z: 0, rejected: true, queryUnset: false },
    });
    expect(r.dns[1]).toMatchObject({ transId: null, qtype: 10, qtypeName: 'NULL', rcode: 3, rcodeName: 'NXDOMAIN', answers: [], ttls: [] });
  });

  it('reads concatenated logs with their own headers, a different separator and CRLF line ends', async () => {
    const other = CONN_HEADER.replace('#separator \\x09', '#separator \\x7c').replace(/\t/g, '|');
    const line = CONN_LINES[0]?.replace(/\t/g, '|');
    const text = `${CONN_HEADER}\n${CONN_LINES[0]}\n#close\tx\n${other}\n${line}\n${DNS_LOG}\n`.replace(/\n/g, '\r\n');
    const r = await readBytes(text, { chunkSize });
    expect(r.warnings).toEqual([]);
    expect(r.flows).toHaveLength(2);
    expect(r.flows[1]).toEqual(r.flows[0]);
    expect(r.dns).toHaveLength(2);
  });

  it('the one-character-separator fast path and the general path give the same records and messages', async () => {
    const bad = [CONN_LINES[0]?.replace('\t80\t', '\thttp\t'), CONN_LINES[0]?.replace('108.985496', '-3'), CONN_LINES[0]?.replace('\t719\t', '\t7e2\t'), 'x\ty', '1.5\tC', `${CONN_LINES[0]}\textra`];
    const body = `${[...CONN_LINES, ...bad, CONN_LINES[1]?.replace('\t0\ticmp', '\t-\ticmp')].join('\n')}\n`;
    const tab = await readBytes(`${CONN_HEADER}\n${body}`, { chunkSize, maxInvalid: 0 });
    const two = `${CONN_HEADER.replace('#separator \\x09', '#separator \\x7c\\x7c').replace(/\t/g, '||')}\n${body.replace(/\t/g, '||')}`;
    const general = await readBytes(two, { chunkSize, maxInvalid: 0 });
    expect(tab.flows).toHaveLength(2);
    expect(general.flows).toEqual(tab.flows);
    expect(general.warnings).toEqual(tab.warnings);
    expect(tab.warnings.map((w) => w.message)).toEqual([
      'test.log:11: field id.resp_p: expected a port, got "http"',
      'test.log:12: field duration: expected an interval, got "-3"',
      'test.log:13: field orig_bytes: expected a count, got "7e2"',
      'test.log:14: field ts: expected a time, got "x"',
      'test.log:15: expected 21 fields (the #fields header), got 2',
      'test.log:16: more fields than the 21 of the #fields header',
      'test.log:17: field id.orig_p/id.resp_p: unset',
    ]);
  });

  it('ignores unknown columns and tolerates missing optional ones', async () => {
    const text = [
      '#separator \\x09',
      '#path\tconn',
      '#fields\tts\tlabel\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tcommunity_id',
      '1.5\tMalicious\t1.1.1.1\t1\t2.2.2.2\t2\tudp\t1:abc',
    ].join('\n');
    const r = await readBytes(`${text}\n`, { chunkSize });
    expect(r.flows).toEqual([
      {
        ts: 1.5,
        uid: '',
        origH: '1.1.1.1',
        origP: 1,
        respH: '2.2.2.2',
        respP: 2,
        proto: 'udp',
        service: null,
        duration: null,
        origBytes: null,
        respBytes: null,
        connState: null,
        history: null,
        missedBytes: 0,
        origPkts: 0,
        origIpBytes: 0,
        respPkts: 0,
        respIpBytes: 0,
        origV4: 16843009,
        respV4: 33686018,
        ipProto: 17,
      },
    ]);
  });

  it('skips other log paths with a count, not an error', async () => {
    const http = ['#separator \\x09', '#path\thttp', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod', '1\tC\t1.1.1.1\t1\t2.2.2.2\t80\tGET', '2\tC\t1.1.1.1\t1\t2.2.2.2\t80\tGET'];
    const r = await readBytes(`${http.join('\n')}\n${CONN_HEADER}\n${CONN_LINES[0]}\n`, { chunkSize });
    expect(r.flows).toHaveLength(1);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ code: 'ZEEK_SKIPPED_LOG', line: 4 });
    expect(r.warnings[0]?.message).toContain("skipped 2 lines of Zeek log 'http'");
  });

  it('skips and reports a bad line with file, line and field, and keeps going', async () => {
    const badLine = CONN_LINES[0]?.replace('\t80\ttcp', '\thttp\ttcp');
    const r = await readBytes(`${CONN_HEADER}\n${badLine}\n${CONN_LINES[1]}\n`, { chunkSize, name: 'conn.log' });
    expect(r.flows).toHaveLength(1);
    expect(r.warnings).toEqual([{ code: 'INVALID_LINE', file: 'conn.log', line: 9, message: 'conn.log:9: field id.resp_p: expected a port, got "http"' }]);
  });

  it('stops after maxInvalid bad lines in a row with INPUT_TOO_MANY_INVALID saying where', async () => {
    const bad = Array.from({ length: 5 }, () => 'garbage\tline').join('\n');
    const run = readBytes(`${CONN_HEADER}\n${CONN_LINES[0]}\n${bad}\n${CONN_LINES[1]}\n`, { chunkSize, maxInvalid: 3, name: 'conn.log' });
    await expect(run).rejects.toMatchObject({ code: 'INPUT_TOO_MANY_INVALID', context: { file: 'conn.log', line: 12 } });
    await expect(run).rejects.toThrow(/conn\.log:12: 3 invalid lines in a row \(lines 10-12/);
  });

  it('bad lines that are not in a row do not stop the read', async () => {
    const lines = [];
    for (let i = 0; i < 10; i++) lines.push('bad', CONN_LINES[0]);
    const r = await readBytes(`${CONN_HEADER}\n${lines.join('\n')}\n`, { chunkSize, maxInvalid: 2 });
    expect(r.flows).toHaveLength(10);
    expect(r.warnings.filter((w) => w.code === 'INVALID_LINE')).toHaveLength(10);
  });

  it('reports a truncated last line without failing, and keeps a whole last line without newline', async () => {
    const cut = CONN_LINES[0]?.slice(0, 60);
    const r = await readBytes(`${CONN_HEADER}\n${CONN_LINES[1]}\n${cut}`, { chunkSize });
    expect(r.flows).toHaveLength(1);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ code: 'TRUNCATED_LINE', line: 10 });
    const whole = await readBytes(`${CONN_HEADER}\n${CONN_LINES[1]}\n${CONN_LINES[0]}`, { chunkSize });
    expect(whole.flows).toHaveLength(2);
    expect(whole.warnings).toEqual([]);
  });

  it('reads a header preceded by a TAB (Slips test10) with a warning', async () => {
    const r = await readBytes(`\t${CONN_HEADER}\n${CONN_LINES[0]}\n`, { chunkSize });
    expect(r.flows).toHaveLength(1);
    expect(r.warnings.map((w) => w.code)).toEqual(['ZEEK_HEADER_WHITESPACE']);
  });

  it('refuses data lines before any header (ZEEK_NO_HEADER) when forced to TSV', async () => {
    const err = await readBytes(`${CONN_LINES[0]}\n`, { chunkSize, format: 'zeek-tsv', name: 'conn_top.log' }).catch((e: unknown) => e);
    expect(isFlowhoundError(err) && err.code).toBe('ZEEK_NO_HEADER');
    expect((err as Error).message).toMatch(/^conn_top\.log:1: data line before any #fields header/);
  });

  it('refuses a conn header without the 5-tuple (ZEEK_BAD_HEADER)', async () => {
    const err = await readBytes('#separator \\x09\n#path\tconn\n#fields\tts\tuid\n1\tC\n', { chunkSize }).catch((e: unknown) => e);
    expect(isFlowhoundError(err) && err.code).toBe('ZEEK_BAD_HEADER');
    expect((err as Error).message).toMatch(/:3: #fields of a conn log lacks required column\(s\) id.orig_h, id.orig_p, id.resp_h, id.resp_p/);
  });
});
