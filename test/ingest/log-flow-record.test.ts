/**
 * LogFlowRecord makes plain FlowRecords: equal (strictly, prototype included) to the object literal of the same
 * fields, with the keys in FlowRecord's order, and the same JSON; the log readers' records are such objects.
 */
import { LogFlowRecord } from '../../src/ingest/log-flow-record.js';
import type { FlowRecord } from '../../src/types.js';
import { readBytes } from './zeek/read-helper.js';

const LITERAL: FlowRecord = {
  ts: 1795132800.070737,
  uid: 'ClvkkcFmQWYdVgiyDD',
  origH: '10.7.135.200',
  origP: 55128,
  respH: '10.0.0.53',
  respP: 53,
  proto: 'udp',
  service: 'dns',
  duration: 0.023422,
  origBytes: 43,
  respBytes: null,
  connState: 'SF',
  history: 'Dd',
  missedBytes: 0,
  origPkts: 1,
  origIpBytes: 98,
  respPkts: 1,
  respIpBytes: 294,
  origV4: 168265672,
  respV4: 167772213,
  ipProto: 17,
};

describe('LogFlowRecord', () => {
  it('is a plain object equal to the literal, keys in the same order', () => {
    const l = LITERAL;
    const r = new LogFlowRecord(l.ts, l.uid, l.origH, l.origP, l.respH, l.respP, l.proto, l.service, l.duration, l.origBytes, l.respBytes, l.connState, l.history, l.missedBytes, l.origPkts, l.origIpBytes, l.respPkts, l.respIpBytes, l.origV4 as number, l.respV4 as number, l.ipProto as number);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(r.constructor).toBe(Object);
    expect(Object.keys(r)).toEqual(Object.keys(LITERAL));
    expect(r).toStrictEqual(LITERAL);
    expect(JSON.stringify(r)).toBe(JSON.stringify(LITERAL));
  });

  it('makes the records of the Zeek TSV and JSON readers', async () => {
    const tsv = await readBytes(
      '#separator \\x09\n#unset_field\t-\n#empty_field\t(empty)\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n1795132800.070737\tC1\t10.0.0.1\t1\t10.0.0.2\t2\tudp\n',
    );
    const json = await readBytes('{"_path":"conn","ts":1795132800.070737,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"udp"}\n');
    for (const r of [...tsv.flows, ...json.flows]) {
      expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
      expect(Object.keys(r)).toEqual(Object.keys(LITERAL));
    }
    expect(tsv.flows).toHaveLength(1);
    expect(json.flows).toStrictEqual(tsv.flows);
  });
});
