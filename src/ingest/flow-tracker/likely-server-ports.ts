/**
 * Zeek's `likely_server_ports` as a default (full, `init-default.zeek`) Zeek
 * run fills it: the ports every loaded protocol analyzer registers with
 * `Analyzer::register_for_ports`, plus the UDP tunnel ports of the packet
 * analyzers. It decides who is the originator when a connection does not
 * start with a plain SYN (see SEMANTICS.md "Originator / responder").
 *
 * This is a hand-made approximation of the set of Zeek 9 with its base
 * scripts (`zeek -b` runs load fewer analyzers, so fewer ports count).
 */

export interface LikelyServerPorts {
  tcp: ReadonlySet<number>;
  udp: ReadonlySet<number>;
}

const TCP_PORTS = [
  21, 2811, // ftp
  22, // ssh
  23, // telnet
  25, 587, // smtp
  53, // dns
  80, 81, 631, 1080, 3128, 8000, 8080, 8888, // http
  88, // krb (tcp)
  110, // pop3
  135, // dce-rpc
  139, 445, // smb
  143, // imap
  389, 3268, // ldap
  443, 563, 585, 614, 636, 989, 990, 992, 993, 995, 5223, // ssl
  502, // modbus
  1434, 3306, // mysql
  1883, // mqtt
  3389, // rdp
  5222, 5269, // xmpp
  5432, // postgresql
  6379, // redis
  6666, 6667, 6668, 6669, // irc
  20000, // dnp3
];

const UDP_PORTS = [
  53, 137, 5353, 5355, // dns, netbios-ns, mdns, llmnr
  67, // dhcp (the server port only: replies from 67 to 68 are flipped)
  88, 750, // krb
  123, // ntp
  161, 162, // snmp
  389, // ldap (cldap)
  443, // quic / dtls
  514, // syslog
  1812, // radius
  2123, 2152, // gtp
  3544, // teredo
  4754, // gre in udp
  4789, // vxlan
  5060, // sip
  5072, // ayiya
  6081, // geneve
  20000, // dnp3
];

export const ZEEK_DEFAULT_LIKELY_SERVER_PORTS: LikelyServerPorts = {
  tcp: new Set(TCP_PORTS),
  udp: new Set(UDP_PORTS),
};
