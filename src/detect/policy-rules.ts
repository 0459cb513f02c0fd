/**
 * Port-policy rules (`--rules FILE`, JSON or YAML): what a rule looks like,
 * how it is validated, and how a connection is matched against it.
 *
 * A rules file is either a list of rules or a mapping with `rules:` (and
 * optionally `include-defaults: false` to drop the shipped rules; by default
 * a file's rules are added to them, and a rule with a shipped rule's name
 * replaces it). A rule:
 *
 * ```yaml
 * - name: data_leakage          # finding kind policy.data_leakage; [a-z0-9_]+
 *   description: text
 *   severity: high              # info | low | medium | high | critical
 *   confidence: 0.8             # 0..1
 *   match:                      # every key given must hold
 *     proto: tcp                # or a list: [tcp, udp]
 *     src-port: 2012            # data sent FROM this port (number, "a-b" range, or a list)
 *     dst-port: 443             # data sent TO this port
 *     service-port: [23, 3389]  # the responder's (server's) port
 *     min-payload-bytes: 1024   # bytes that side sent over the connection
 *     max-payload-bytes: 10
 *     direction: outbound       # outbound | inbound | internal | external | any
 *     min-pps: 100              # (orig + resp packets) / duration
 *     conn-state: [SF, S1]      # Zeek conn_state
 *     established: true         # handshake completed and payload carried
 * ```
 *
 * A connection has two sides: what the originator sent (from origP to respP,
 * origBytes) and what the responder sent (from respP to origP, respBytes).
 * `src-port`, `dst-port` and the payload bounds are side conditions: a rule
 * matches when one side meets all of them (and all connection conditions
 * hold). Flow records carry per-connection payload totals, not per-packet
 * sizes, so "payload ≥ 1024 bytes" means the side sent at least that much.
 */
import { parseYamlText, readBoundedText } from '../config/parse-yaml.js';
import { DEFAULT_SETTINGS } from '../config/settings.js';
import { FlowhoundError } from '../errors.js';
import { isSeverity } from '../score/severity.js';
import type { FlowRecord, Proto, Severity } from '../types.js';
import { isPrivateAddress } from './ip-class.js';

export type Direction = 'outbound' | 'inbound' | 'internal' | 'external' | 'any';

export interface PortRange {
  lo: number;
  hi: number;
}

export interface PolicyMatch {
  proto?: Proto[];
  srcPort?: PortRange[];
  dstPort?: PortRange[];
  servicePort?: PortRange[];
  minPayloadBytes?: number;
  maxPayloadBytes?: number;
  direction?: Direction;
  minPps?: number;
  connState?: string[];
  established?: boolean;
}

export interface PolicyRule {
  name: string;
  description: string;
  severity: Severity;
  confidence: number;
  match: PolicyMatch;
}

export interface RuleSet {
  rules: PolicyRule[];
  includeDefaults: boolean;
}

/** The side of a connection that matched: who sent the data, from and to which port. */
export interface MatchedSide {
  sender: string;
  receiver: string;
  senderPort: number;
  receiverPort: number;
  payloadBytes: number;
  /** The port the finding names. */
  port: number;
  /** Whether `port` is the sender's (src) or the receiver's (dst) port. */
  portRole: 'src' | 'dst';
}

const RULE_KEYS = new Set(['name', 'description', 'severity', 'confidence', 'match']);
const MATCH_KEYS = new Set([
  'proto', 'src-port', 'dst-port', 'service-port', 'min-payload-bytes', 'max-payload-bytes', 'direction', 'min-pps', 'conn-state', 'established',
]);
const PROTOS: readonly Proto[] = ['tcp', 'udp', 'icmp', 'unknown_transport'];
const DIRECTIONS: readonly Direction[] = ['outbound', 'inbound', 'internal', 'external', 'any'];
const CONN_STATES = new Set(['S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH']);
const ESTABLISHED_STATES = new Set(['S1', 'S2', 'S3', 'SF', 'RSTO', 'RSTR']);

/** Bytes a rules file may have per allowed rule (a rule in YAML is 100-300 bytes). */
export const RULES_FILE_BYTES_PER_RULE = 1024;

/**
 * Reads and validates a rules file of at most `maxRules` rules (the
 * `policy-max-rules` setting) and `maxRules` KiB: both are checked before
 * the rules are built, the size before the file is parsed.
 */
export function loadRulesFile(path: string, maxRules: number = DEFAULT_SETTINGS.policyMaxRules): RuleSet {
  const text = readBoundedText(path, maxRules * RULES_FILE_BYTES_PER_RULE, 'RULES_INVALID', `rules file (--policy-max-rules ${maxRules} allows ${maxRules} KiB)`);
  return parseRules(text, path, maxRules);
}

/** Parses and validates rules text (JSON or YAML); `file` names it in errors. */
export function parseRules(text: string, file: string, maxRules: number = DEFAULT_SETTINGS.policyMaxRules): RuleSet {
  const data: unknown = parseYamlText(text, file, 'RULES_INVALID');
  let list: unknown;
  let includeDefaults = true;
  if (Array.isArray(data)) list = data;
  else if (data !== null && typeof data === 'object') {
    const obj = data as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      if (k !== 'rules' && k !== 'include-defaults') throw new FlowhoundError('RULES_INVALID', `${file}: unknown top-level key "${k}" (expected "rules" and optionally "include-defaults")`, { file, key: k });
    }
    if (!('rules' in obj)) throw new FlowhoundError('RULES_INVALID', `${file}: no "rules" list`, { file });
    list = obj.rules;
    if ('include-defaults' in obj) {
      if (typeof obj['include-defaults'] !== 'boolean') throw new FlowhoundError('RULES_INVALID', `${file}: include-defaults: expected true or false, got ${JSON.stringify(obj['include-defaults'])}`, { file });
      includeDefaults = obj['include-defaults'];
    }
  } else {
    throw new FlowhoundError('RULES_INVALID', `${file}: expected a list of rules or a mapping with "rules", got ${data === null ? 'nothing' : typeof data}`, { file });
  }
  if (!Array.isArray(list)) throw new FlowhoundError('RULES_INVALID', `${file}: "rules" must be a list, got ${typeof list}`, { file });
  if (list.length > maxRules) {
    throw new FlowhoundError('RULES_INVALID', `${file}: ${list.length} rules, more than the ${maxRules} allowed (--policy-max-rules)`, { file, rules: list.length, maxRules });
  }
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  list.forEach((raw, i) => {
    const rule = parseRule(raw, file, i + 1);
    if (seen.has(rule.name)) throw new FlowhoundError('RULES_INVALID', `${file}: rule ${i + 1} ("${rule.name}"): the name is used by an earlier rule`, { file, rule: rule.name, index: i + 1 });
    seen.add(rule.name);
    rules.push(rule);
  });
  return { rules, includeDefaults };
}

function parseRule(raw: unknown, file: string, index: number): PolicyRule {
  const name0 = raw !== null && typeof raw === 'object' && typeof (raw as Record<string, unknown>).name === 'string' ? ((raw as Record<string, unknown>).name as string) : null;
  const where = `${file}: rule ${index}${name0 ? ` ("${name0}")` : ''}`;
  const fail = (msg: string): never => {
    throw new FlowhoundError('RULES_INVALID', `${where}: ${msg}`, { file, rule: name0 ?? index, index });
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail(`expected a mapping, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) fail(`unknown key "${k}" (expected ${[...RULE_KEYS].join(', ')})`);
  if (typeof r.name !== 'string' || !/^[a-z0-9_]+$/.test(r.name)) fail(`name: expected lower-case letters, digits and _ (it becomes the finding kind policy.<name>), got ${JSON.stringify(r.name)}`);
  const severity = r.severity ?? 'medium';
  if (!isSeverity(severity)) fail(`severity: expected info, low, medium, high or critical, got ${JSON.stringify(r.severity)}`);
  const confidence = r.confidence ?? 0.5;
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) fail(`confidence: expected a number from 0 to 1, got ${JSON.stringify(r.confidence)}`);
  if (r.description !== undefined && typeof r.description !== 'string') fail(`description: expected text, got ${JSON.stringify(r.description)}`);
  if (r.match === null || typeof r.match !== 'object' || Array.isArray(r.match)) return fail(`match: expected a mapping of conditions, got ${JSON.stringify(r.match)}`);
  const m = r.match as Record<string, unknown>;
  if (Object.keys(m).length === 0) fail('match: no conditions (a rule must restrict something)');
  const match: PolicyMatch = {};
  for (const [k, v] of Object.entries(m)) {
    const field = `match.${k}`;
    switch (k) {
      case 'proto': {
        const list = Array.isArray(v) ? v : [v];
        for (const p of list) if (!PROTOS.includes(p as Proto)) fail(`${field}: expected tcp, udp or icmp (or a list), got ${JSON.stringify(p)}`);
        match.proto = list as Proto[];
        break;
      }
      case 'src-port':
      case 'dst-port':
      case 'service-port': {
        const ranges = parsePorts(v);
        if (typeof ranges === 'string') fail(`${field}: ${ranges}`);
        else if (k === 'src-port') match.srcPort = ranges;
        else if (k === 'dst-port') match.dstPort = ranges;
        else match.servicePort = ranges;
        break;
      }
      case 'min-payload-bytes':
      case 'max-payload-bytes':
      case 'min-pps': {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${field}: expected a number ≥ 0, got ${JSON.stringify(v)}`);
        if (k === 'min-payload-bytes') match.minPayloadBytes = v as number;
        else if (k === 'max-payload-bytes') match.maxPayloadBytes = v as number;
        else match.minPps = v as number;
        break;
      }
      case 'direction':
        if (!DIRECTIONS.includes(v as Direction)) fail(`${field}: expected ${DIRECTIONS.join(', ')}, got ${JSON.stringify(v)}`);
        match.direction = v as Direction;
        break;
      case 'conn-state': {
        const list = Array.isArray(v) ? v : [v];
        for (const s of list) if (typeof s !== 'string' || !CONN_STATES.has(s)) fail(`${field}: expected Zeek conn_state values (${[...CONN_STATES].join(' ')}), got ${JSON.stringify(s)}`);
        match.connState = list as string[];
        break;
      }
      case 'established':
        if (typeof v !== 'boolean') fail(`${field}: expected true or false, got ${JSON.stringify(v)}`);
        match.established = v as boolean;
        break;
      default:
        fail(`unknown condition "${k}" (expected ${[...MATCH_KEYS].join(', ')})`);
    }
  }
  if (match.minPayloadBytes !== undefined && match.maxPayloadBytes !== undefined && match.minPayloadBytes > match.maxPayloadBytes) {
    fail('match: min-payload-bytes is larger than max-payload-bytes, so nothing can match');
  }
  return { name: r.name as string, description: (r.description as string | undefined) ?? '', severity: severity as Severity, confidence: confidence as number, match };
}

function parsePorts(v: unknown): PortRange[] | string {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) return 'expected at least one port';
  const out: PortRange[] = [];
  for (const p of list) {
    if (typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 65535) out.push({ lo: p, hi: p });
    else if (typeof p === 'string' && /^\d+-\d+$/.test(p)) {
      const [a, b] = p.split('-').map(Number) as [number, number];
      if (a > 65535 || b > 65535 || a > b) return `expected a port range lo-hi within 0-65535, got "${p}"`;
      out.push({ lo: a, hi: b });
    } else return `expected a port 0..65535, a range "lo-hi", or a list of them, got ${JSON.stringify(p)}`;
  }
  return out;
}

function inPorts(ranges: PortRange[], port: number): boolean {
  for (const r of ranges) if (port >= r.lo && port <= r.hi) return true;
  return false;
}

export function directionOf(f: FlowRecord): Exclude<Direction, 'any'> {
  const o = isPrivateAddress(f.origH);
  const r = isPrivateAddress(f.respH);
  if (o && r) return 'internal';
  if (o) return 'outbound';
  if (r) return 'inbound';
  return 'external';
}

function hasPayload(f: FlowRecord): boolean {
  return (f.origBytes ?? 0) > 0 || (f.respBytes ?? 0) > 0;
}

/** Whether the flow completed a handshake and carried payload (not a scan probe). */
export function isEstablished(f: FlowRecord): boolean {
  if (f.proto !== 'tcp') return f.respPkts > 0 && hasPayload(f);
  if (f.connState !== null) return ESTABLISHED_STATES.has(f.connState) && hasPayload(f);
  return f.respPkts > 0 && hasPayload(f);
}

/** The side of `f` that matches `rule`, or null. */
export function matchRule(rule: PolicyRule, f: FlowRecord): MatchedSide | null {
  const m = rule.match;
  if (m.proto && !m.proto.includes(f.proto)) return null;
  if (m.servicePort && !inPorts(m.servicePort, f.respP)) return null;
  if (m.connState && (f.connState === null || !m.connState.includes(f.connState))) return null;
  if (m.established !== undefined && isEstablished(f) !== m.established) return null;
  if (m.direction && m.direction !== 'any' && directionOf(f) !== m.direction) return null;
  if (m.minPps !== undefined) {
    const pkts = f.origPkts + f.respPkts;
    const pps = f.duration && f.duration > 0 ? pkts / f.duration : pkts;
    if (pps < m.minPps) return null;
  }
  const sideCond = m.srcPort !== undefined || m.dstPort !== undefined || m.minPayloadBytes !== undefined || m.maxPayloadBytes !== undefined;
  if (!sideCond) return { sender: f.origH, receiver: f.respH, senderPort: f.origP, receiverPort: f.respP, payloadBytes: (f.origBytes ?? 0) + (f.respBytes ?? 0), port: f.respP, portRole: 'dst' };
  const orig = matchSide(m, f.origH, f.respH, f.origP, f.respP, f.origBytes ?? 0);
  if (orig) return orig;
  return matchSide(m, f.respH, f.origH, f.respP, f.origP, f.respBytes ?? 0);
}

function matchSide(m: PolicyMatch, sender: string, receiver: string, senderPort: number, receiverPort: number, payload: number): MatchedSide | null {
  if (m.srcPort && !inPorts(m.srcPort, senderPort)) return null;
  if (m.dstPort && !inPorts(m.dstPort, receiverPort)) return null;
  if (m.minPayloadBytes !== undefined && payload < m.minPayloadBytes) return null;
  if (m.maxPayloadBytes !== undefined && payload > m.maxPayloadBytes) return null;
  const portRole = m.srcPort ? 'src' : 'dst';
  return { sender, receiver, senderPort, receiverPort, payloadBytes: payload, port: portRole === 'src' ? senderPort : receiverPort, portRole };
}

/** The shipped rules overlaid with a file's rules (same name replaces). */
export function combineRules(defaults: readonly PolicyRule[], file: RuleSet | null): PolicyRule[] {
  if (file === null) return [...defaults];
  const byName = new Map<string, PolicyRule>();
  if (file.includeDefaults) for (const r of defaults) byName.set(r.name, r);
  for (const r of file.rules) byName.set(r.name, r);
  return [...byName.values()];
}
