/**
 * The records that flow between flowhound's stages (Zeek conn.log and dns.log field meanings).
 *
 * Field meanings follow Zeek's conn.log and dns.log exactly, so that the
 * detectors and models cannot tell whether a record came from a capture, a
 * Zeek log or a CSV flow export. Times are seconds since the epoch as a
 * double (microsecond resolution). `null` stands for Zeek's unset field `-`.
 */

/** Transport protocol as Zeek's `proto` column spells it (ICMPv6 is `icmp` too). */
export type Proto = 'tcp' | 'udp' | 'icmp' | 'unknown_transport';

/** One connection, Zeek conn.log semantics. */
export interface FlowRecord {
  ts: number;
  uid: string;
  origH: string;
  /** Originator port; for ICMP the message type (Zeek). */
  origP: number;
  respH: string;
  /** Responder port; for ICMP the reply type of request/reply pairs, else the code (Zeek). */
  respP: number;
  proto: Proto;
  /** Zeek's `service` (e.g. "dns", "http,ssl"); null when unknown. */
  service: string | null;
  /** Seconds; null when Zeek leaves it unset (single-packet connections). */
  duration: number | null;
  /** Payload bytes sent by the originator; null when unset. */
  origBytes: number | null;
  respBytes: number | null;
  /** Zeek conn_state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH; null when unknown. */
  connState: string | null;
  /** Zeek history letters; null when unknown. */
  history: string | null;
  missedBytes: number;
  origPkts: number;
  origIpBytes: number;
  respPkts: number;
  respIpBytes: number;
  /**
   * `origH` (`respH`) as a 32-bit number, `| 0` (an Int32, as the Zeek readers' address cache and
   * the capture's flow table key it, and as HostIds and TupleCode hold it: a small integer, where
   * values from 2^31 up would be a boxed double in every record) when it is a canonical dotted
   * quad, else -1. The readers had the octets anyway, so a detector keys its integer tables by this
   * and does not parse the text again. -1 means "read the string": 255.255.255.255 is -1 as an
   * Int32 too. Every reader sets both on every record (one shape); absent on records from
   * elsewhere (tests, record messages of an older shipper), which consumers treat as -1.
   */
  origV4?: number;
  respV4?: number;
  /**
   * The IP protocol number of the connection's key (Zeek's `ip_proto`: 6 TCP, 17 UDP, 1 ICMP, 58
   * ICMPv6, 47 GRE, 132 SCTP, ...), which tells apart the transports that `proto` calls
   * `unknown_transport` (their ports are 0). Captures know it; a Zeek log has it in its `ip_proto`
   * column (Zeek 7 and later), else it is derived from `proto` (ipProtoOfProto in
   * ingest/ip-proto.ts: -1 for `unknown_transport`). Every reader sets it on every record (one
   * shape); absent on records from elsewhere (tests, record messages of an older shipper), which
   * consumers read with ipProtoOf.
   */
  ipProto?: number;
  /**
   * Zeek's `tunnel_parents`: the uids of the tunnels that carried the connection (a UDP tunnel's own
   * connection uid; an IP or GRE tunnel's uid, which Zeek logs in tunnel.log); absent (or undefined) when none.
   *
   * The optional fields below may be present with the value undefined: capture ingest sets all of
   * them on every record, so its records have one shape (one hidden class) and the detectors' reads
   * of them stay monomorphic (with absent fields, capture records came in up to six shapes).
   */
  tunnelParents?: string[] | undefined;
  /**
   * Captures only: the largest transport payload of one packet the originator
   * (responder) sent. Flow logs do not know packet sizes, so these are absent
   * there (rules then read bytes / packets).
   */
  origMaxPayload?: number | undefined;
  respMaxPayload?: number | undefined;
  /**
   * Captures only, TCP: the flags byte of the originator's first packet
   * (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20), which
   * tells a FIN, NULL, Xmas, ACK or Maimon probe apart; absent from logs.
   */
  origFirstTcpFlags?: number | undefined;
}

/** One DNS request/response pair, Zeek dns.log semantics. */
export interface DnsRecord {
  ts: number;
  uid: string;
  client: string;
  clientP: number;
  server: string;
  serverP: number;
  proto: Proto;
  transId: number | null;
  /** The query name without the trailing dot; "" when absent. */
  query: string;
  /** Numeric QTYPE (1 A, 10 NULL, 16 TXT, ...); null when unknown. */
  qtype: number | null;
  /** Zeek's qtype_name (A, NULL, TXT, ...); null when unknown. */
  qtypeName: string | null;
  rcode: number | null;
  /** Zeek's rcode_name (NOERROR, NXDOMAIN, ...); null when unknown. */
  rcodeName: string | null;
  answers: string[];
  ttls: number[];
  /** Bytes of the DNS response message when known (captures); null from logs. */
  responseBytes: number | null;
  /** The other dns.log columns, when the input had them (Zeek logs); kept for `flows --dns`. */
  zeek?: DnsLogColumns;
}

/** dns.log columns flowhound reads and writes back but does not use; null when unset. */
export interface DnsLogColumns {
  rtt: number | null;
  qclass: number | null;
  qclassName: string | null;
  AA: boolean | null;
  TC: boolean | null;
  RD: boolean | null;
  RA: boolean | null;
  Z: number | null;
  rejected: boolean | null;
  /** True when the query column was unset (`-`), not an empty name. */
  queryUnset: boolean;
}

/**
 * Exact per-second packet and byte counts to one (destination host, port,
 * proto), produced only by capture ingest. `sec` is the whole second
 * (Math.floor of the packet time).
 */
export interface PacketTick {
  sec: number;
  dst: string;
  /**
   * `dst` as an unsigned 32-bit number when it is an IPv4 address the
   * capture reader had as bytes (-1 when not, or absent: ticks from other
   * sources), so a consumer finds the host without parsing the text.
   */
  dstV4?: number;
  port: number;
  proto: Proto;
  pkts: number;
  bytes: number;
}

/**
 * One ICMP echo request or reply seen in a capture, for the ICMP tunnel
 * detector (flow logs carry only per-flow totals).
 */
export interface IcmpEcho {
  ts: number;
  src: string;
  dst: string;
  /** 8 / 0 for ICMPv4 echo request / reply, 128 / 129 for ICMPv6. */
  type: number;
  /** `src` (`dst`) as a number, as FlowRecord.origV4 has it (the Int32, -1 when not a canonical dotted quad); absent from other sources. */
  srcV4?: number;
  dstV4?: number;
  id: number;
  seq: number;
  payloadBytes: number;
  /**
   * Fingerprint of the payload's content past its first 16 bytes (where
   * Unix pings put their send time): equal for repeated payloads; 0 when
   * too little was captured; absent from sources without payload bytes
   * (ingest/flow-tracker/echo-payload-hash.ts).
   */
  payloadHash?: number;
}

/**
 * One ARP request or reply seen in a capture (RFC 826, Ethernet/IPv4 only),
 * for the ARP scan detector. Flow logs carry no ARP.
 */
export interface ArpRecord {
  ts: number;
  /** 1 request (who-has), 2 reply (is-at). */
  op: number;
  /** Sender hardware (MAC) address, lower-case colon form. */
  senderMac: string;
  senderIp: string;
  targetIp: string;
}

/**
 * What ingest yields: one batch per input chunk (never one record per await).
 * Arrays may be empty. Records inside one array are in arrival order, which
 * is close to but not strictly time order (Zeek writes a conn.log line when
 * the connection ends).
 */
export interface RecordBatch {
  flows: FlowRecord[];
  dns: DnsRecord[];
  ticks: PacketTick[];
  echoes: IcmpEcho[];
  /** ARP requests and replies (captures only; absent or empty otherwise). */
  arps?: ArpRecord[];
}

export function createRecordBatch(): RecordBatch {
  return { flows: [], dns: [], ticks: [], echoes: [] };
}

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export const SEVERITY_ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export type FindingKind =
  | 'scan.vertical'
  | 'scan.horizontal'
  | 'scan.distributed'
  | 'scan.arp'
  | 'c2.beacon'
  | 'tunnel.dns'
  | 'tunnel.icmp'
  | 'rate.spike'
  | 'baseline.deviation'
  | `policy.${string}`;

/** One finding: the JSON object written per line by `--output jsonl` (docs/detectors.md). */
export interface Finding {
  /** Stable: the same finding from the same input gets the same id. */
  id: string;
  ts: number;
  end: number;
  kind: FindingKind;
  severity: Severity;
  confidence: number;
  src: string | null;
  dst: string | null;
  port: number | null;
  proto: Proto | null;
  detector: 'rule' | 'model';
  summary: string;
  evidence: Record<string, unknown>;
  /**
   * True when this report repeats an id reported before in the run (or
   * before a `watch` restart) with grown counts: receivers merge it into
   * the finding they have. Absent on a first report.
   */
  update?: boolean;
  /**
   * True when a webhook sends this finding again because a process died
   * while the batch holding it was in flight (the receiver may have it
   * already): receivers drop it if they have the id. Absent otherwise.
   */
  redelivered?: boolean;
}

/** A warning about the input that did not stop the run (skipped line, truncated file). */
/** What an input warning is about (counted by code in the run summary). */
export type IngestWarningCode =
  | 'INVALID_LINE'
  | 'TRUNCATED_LINE'
  | 'INPUT_EMPTY'
  | 'INPUT_TRUNCATED'
  | 'INPUT_ABANDONED'
  | 'INPUT_GZIP_DAMAGED'
  | 'SKIPPED_FILE'
  | 'ZEEK_SKIPPED_LOG'
  | 'ZEEK_HEADER_WHITESPACE'
  | 'ZEEK_BAD_FIELD_NAME'
  | 'CSV_BLANK_ROWS'
  | 'CSV_SKIPPED_ROWS'
  | 'CSV_SUMMARY_MISMATCH'
  | 'PCAPNG_BAD_OPTION'
  | 'PCAP_BAD_RECORD'
  | 'PCAPNG_BAD_BLOCK'
  | 'CAPTURE_UNKNOWN_LINK_TYPE'
  | 'CAPTURE_BAD_TRANSPORT'
  | 'CAPTURE_FRAGMENTS'
  | 'CAPTURE_NOTHING_DECODED'
  | 'FLOW_CAP_REACHED';

export interface IngestWarning {
  code: IngestWarningCode;
  file: string;
  /** 1-based line for text inputs, byte offset for binary ones. */
  line?: number;
  offset?: number;
  message: string;
}
