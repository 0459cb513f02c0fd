/**
 * The shipped port-policy rules (the project's brief), in the same YAML a
 * `--rules FILE` uses, so the README can show them and a user can copy them.
 *
 * - `data_leakage`: data sent from port 2012 in a packet with a payload of
 *   at least 1024 bytes, confidence 0.8 (the brief). Captures are read per
 *   packet (the connection's largest packet from that side); flow logs,
 *   which have no packet sizes, by the mean payload per packet (bytes /
 *   packets). The finding says which reading applied.
 * - `risky_port`: an established session (handshake completed and payload
 *   carried; failed attempts are scan material) to a service that should not
 *   be reachable: Telnet 23, 2012, RDP 3389, VNC 5900, SMB 445, MS-RPC 135,
 *   NetBIOS 139, Modbus 502, OPC UA 4840 (the brief's watch list).
 */
import { type PolicyRule, rulesFromData } from './policy-rules.js';

export const DEFAULT_POLICY_YAML = `# flowhound shipped port-policy rules
rules:
  - name: data_leakage
    description: data sent from source port 2012 in packets with a payload of 1024 bytes or more
    severity: high
    confidence: 0.8
    match:
      src-port: 2012
      min-packet-payload-bytes: 1024
  - name: risky_port
    description: established session to a watch-listed service port (Telnet, RDP, VNC, SMB, MS-RPC, NetBIOS, Modbus, OPC UA, 2012)
    severity: low
    confidence: 0.6
    match:
      proto: tcp
      service-port: [23, 2012, 3389, 5900, 445, 135, 139, 502, 4840]
      established: true
`;

/**
 * `DEFAULT_POLICY_YAML` as the data the YAML reader makes of it, so a run
 * does not load and run the YAML parser for the shipped rules (about 45 ms
 * of every analyze). test/detect/default-policy.test.ts checks the two agree.
 */
export const DEFAULT_POLICY_DATA = {
  rules: [
    {
      name: 'data_leakage',
      description: 'data sent from source port 2012 in packets with a payload of 1024 bytes or more',
      severity: 'high',
      confidence: 0.8,
      match: { 'src-port': 2012, 'min-packet-payload-bytes': 1024 },
    },
    {
      name: 'risky_port',
      description: 'established session to a watch-listed service port (Telnet, RDP, VNC, SMB, MS-RPC, NetBIOS, Modbus, OPC UA, 2012)',
      severity: 'low',
      confidence: 0.6,
      match: { proto: 'tcp', 'service-port': [23, 2012, 3389, 5900, 445, 135, 139, 502, 4840], established: true },
    },
  ],
};

let cached: PolicyRule[] | null = null;

export function defaultPolicyRules(): PolicyRule[] {
  // A deep copy: validation takes the data as given.
  cached ??= rulesFromData(structuredClone(DEFAULT_POLICY_DATA), '(shipped default policy)').rules;
  return cached;
}
