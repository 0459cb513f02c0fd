/**
 * Zeek's NTP analyzer corrects the roles of a connection by the NTP mode
 * field (`ntp-analyzer.pac`): a server-mode (4) message from the originator,
 * or a client-mode (3) message from the responder, flips the connection
 * (history gets `^` after the letter of that packet, e.g. `D^`). Applies to
 * UDP with port 123 on either side.
 */
import type { DecodedPacket } from '../pcap/decoded-packet.js';
import { type FlowTable, I_ORIG_P, I_PROTO, I_RESP_P, PROTO_UDP, SLOT_I32 } from './flow-table.js';

const NTP_PORT = 123;
const MODE_CLIENT = 3;
const MODE_SERVER = 4;

export function applyNtpFlip(t: FlowTable, slot: number, fromOrig: boolean, p: DecodedPacket): void {
  if (t.i32[slot * SLOT_I32 + I_PROTO] !== PROTO_UDP || (t.i32[slot * SLOT_I32 + I_ORIG_P] !== NTP_PORT && t.i32[slot * SLOT_I32 + I_RESP_P] !== NTP_PORT)) return;
  if (p.payloadLen < 48 || p.payloadOffset >= p.capLen) return;
  const mode = p.data[p.payloadOffset]! & 7;
  if ((fromOrig && mode === MODE_SERVER) || (!fromOrig && mode === MODE_CLIENT)) t.flipRoles(slot);
}
