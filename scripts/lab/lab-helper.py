#!/usr/bin/python3
"""Helpers for scripts/lab/make-lab-captures.sh (run inside lab namespaces).

Subcommands:
  mkweb DIR                      write a small static site (index + 30 objects)
  mkfile PATH SIZE SEED          write SIZE deterministic pseudo-random bytes
  udp-sink PORT [--echo]         receive (and optionally echo) UDP datagrams
  ntp-server PORT                answer 48-byte NTP client packets (mode 3 -> 4)
  udp-send DST PORT RATE COUNT SIZE   send COUNT datagrams at RATE per second
  benign --seed N --duration S ...    seeded benign client activity
  beacon URL --interval S --jitter F --duration S --seed N
                                 fetch URL every S seconds (+/- F*S, uniform), as a C2
                                 implant or a monitoring check does
  echo-server PORT               TCP server that echoes what it receives
  listen-many FIRST COUNT        accept TCP on ports FIRST..FIRST+COUNT-1, echo what arrives
  hold-conns HOST FIRST COUNT --idle S --linger S
                                 open one connection to each of COUNT ports, stay idle S seconds,
                                 send a line on each, wait, close (sessions a capture picks up midstream)
  echo-client HOST PORT SIZE [--mss N]  send SIZE bytes and read the echo back
  truth SPEC.json                write fixtures/lab/<name>.truth.json with
                                 verification counts from capinfos/tshark

Only lab addresses (10.77.0.0/24) are ever contacted; the lab script passes them in.
"""

import argparse
import json
import random
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request

LAB_PREFIX = "10.77.0."


def lab_only(addr: str) -> str:
    if not addr.startswith(LAB_PREFIX):
        sys.exit(f"refusing non-lab address {addr}")
    return addr


# ---------------------------------------------------------------- files


def cmd_mkweb(a):
    import os

    rnd = random.Random(1234)
    os.makedirs(os.path.join(a.dir, "static"), exist_ok=True)
    objs = []
    for i in range(30):
        ext = ["css", "js", "png", "svg", "woff2"][i % 5]
        name = f"static/obj{i:02d}.{ext}"
        size = rnd.randint(800, 12000)
        with open(os.path.join(a.dir, name), "wb") as f:
            f.write(rnd.randbytes(size))
        objs.append(name)
    links = "\n".join(f'<link href="/{o}">' for o in objs)
    body = "<p>" + " ".join(rnd.choice(["lorem", "ipsum", "dolor", "sit", "amet"]) for _ in range(600)) + "</p>"
    for page in ["index.html", "about.html", "news.html", "contact.html", "docs.html"]:
        with open(os.path.join(a.dir, page), "w") as f:
            f.write(f"<html><head><title>{page}</title>\n{links}\n</head><body>{body}</body></html>\n")
    with open(os.path.join(a.dir, "objects.txt"), "w") as f:
        f.write("\n".join(objs) + "\n")


def cmd_mkfile(a):
    rnd = random.Random(a.seed)
    with open(a.path, "wb") as f:
        f.write(rnd.randbytes(a.size))


# ---------------------------------------------------------------- UDP services


def cmd_udp_sink(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", a.port))
    while True:
        data, peer = s.recvfrom(65535)
        if a.echo:
            s.sendto(data, peer)


def cmd_ntp_server(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", a.port))
    while True:
        data, peer = s.recvfrom(512)
        if len(data) < 48:
            continue
        now = time.time() + 2208988800
        sec, frac = int(now), int((now % 1) * 2**32)
        # LI=0 VN=4 mode=4 (server), stratum 2, poll 6, precision -20
        reply = struct.pack("!BBbb", 0x24, 2, 6, -20) + b"\x00" * 8 + b"LAB\x00"
        reply += struct.pack("!II", sec, frac) + data[40:48] + struct.pack("!IIII", sec, frac, sec, frac)
        s.sendto(reply, peer)


def ntp_query(server: str):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    now = time.time() + 2208988800
    pkt = struct.pack("!BBbb", 0x23, 0, 6, -20) + b"\x00" * 36 + struct.pack("!II", int(now), int((now % 1) * 2**32))
    s.sendto(pkt, (server, 123))
    try:
        s.recvfrom(512)
    except OSError:
        pass
    s.close()


def cmd_udp_send(a):
    lab_only(a.dst)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    interval = 1.0 / a.rate
    start = time.monotonic()
    for i in range(a.count):
        target = start + i * interval
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        msg = f"<134>lab-sensor[{i}]: reading={i % 97} status=ok ".encode()
        s.sendto(msg.ljust(a.size, b"."), (a.dst, a.port))


# ---------------------------------------------------------------- benign client

NAMES_A = [
    "www.lab.example", "intranet.lab.example", "files.lab.example", "mail.lab.example",
    "wiki.lab.example", "api.example.com", "www.example.com", "cdn.example.org",
    "updates.example.net", "www.example.org",
]
NAMES_AAAA = ["www.lab.example", "www.example.com", "cdn.example.org"]
NAMES_MX = ["lab.example", "example.com"]
NXDOMAIN = ["wwww.lab.example", "intranet.lab.exmple"]  # the odd typo a real network has
PAGES = ["index.html", "about.html", "news.html", "contact.html", "docs.html"]


def dig(server, name, qtype="A"):
    subprocess.run(
        ["dig", "+tries=1", "+time=2", "+short", f"@{server}", name, qtype],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=5,
    )


def http_get(url):
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            r.read()
    except OSError:
        pass


def page_load(web, objects, parallel=4):
    """A browser-like page load: the page, then its ~30 objects over 4 connections."""
    http_get(f"http://{web}/index.html")
    queue = list(objects)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                obj = queue.pop(0)
            http_get(f"http://{web}/{obj}")

    ts = [threading.Thread(target=worker) for _ in range(parallel)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def cmd_benign(a):
    rnd = random.Random(a.seed)
    for addr in [a.web, a.dns] + ([a.srv] if a.srv else []):
        lab_only(addr)
    objects = [f"static/obj{i:02d}.{['css', 'js', 'png', 'svg', 'woff2'][i % 5]}" for i in range(30)]
    start = time.monotonic()
    end = start + a.duration
    # one-off events at seeded offsets
    events = []
    for _ in range(a.page_loads):
        events.append((rnd.uniform(5, a.duration - 8), "pageload"))
    if a.srv:
        if a.ssh_key:
            events.append((rnd.uniform(5, a.duration - 10), "ssh"))
        if a.transfer:
            events.append((rnd.uniform(5, a.duration - 10), "nc"))
    if a.ping:
        events.append((rnd.uniform(5, a.duration - 10), "ping"))
    if a.nxdomain:
        events.append((rnd.uniform(5, a.duration - 5), "nxdomain"))
    events.sort()
    next_ntp = start + rnd.uniform(1, 8)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        elapsed = now - start
        while events and events[0][0] <= elapsed:
            _, what = events.pop(0)
            if what == "pageload":
                dig(a.dns, "www.lab.example")
                page_load(a.web, objects)
            elif what == "ssh":
                subprocess.run(
                    ["ssh", "-i", a.ssh_key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                     "-o", "BatchMode=yes", "-o", "ConnectTimeout=3", f"root@{a.srv}", "uname -a; ls /; uptime"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=15,
                )
            elif what == "nc":
                with open(a.transfer, "rb") as f:
                    subprocess.run(["nc", "-N", "-w", "3", a.srv, "9000"], stdin=f,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=15)
            elif what == "ping":
                subprocess.run(["ping", "-c", "3", "-i", "1", a.web], stdout=subprocess.DEVNULL, timeout=10)
            elif what == "nxdomain":
                dig(a.dns, rnd.choice(NXDOMAIN))
        if a.srv and now >= next_ntp:
            ntp_query(a.srv)
            next_ntp = now + 16
        r = rnd.random()
        if r < 0.55:
            dig(a.dns, rnd.choice(NAMES_A), "A")
            if rnd.random() < 0.6:
                http_get(f"http://{a.web}/{rnd.choice(PAGES)}")
        elif r < 0.7:
            dig(a.dns, rnd.choice(NAMES_AAAA), "AAAA")
        elif r < 0.78:
            dig(a.dns, rnd.choice(NAMES_MX), "MX")
        else:
            http_get(f"http://{a.web}/{rnd.choice(PAGES)}")
            for _ in range(rnd.randint(0, 3)):
                http_get(f"http://{a.web}/{rnd.choice(objects)}")
        time.sleep(min(max(0.0, end - time.monotonic()), rnd.uniform(a.min_pause, a.max_pause)))


def cmd_beacon(a):
    """A C2 implant's check-in loop (or a monitoring probe): one HTTP GET per period, uniform jitter."""
    host = a.url.split("/")[2].split(":")[0]
    lab_only(host)
    rnd = random.Random(a.seed)
    end = time.monotonic() + a.duration
    while time.monotonic() < end:
        http_get(a.url)
        pause = a.interval * (1 + rnd.uniform(-a.jitter, a.jitter))
        time.sleep(max(0.0, min(pause, end - time.monotonic())))


def cmd_echo_server(a):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", a.port))
    srv.listen(8)
    while True:
        c, _ = srv.accept()
        with c:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                c.sendall(b)


def cmd_listen_many(a):
    socks = []
    for port in range(a.first, a.first + a.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        s.listen(4)
        socks.append(s)

    def serve(srv):
        while True:
            c, _ = srv.accept()
            threading.Thread(target=echo_conn, args=(c,), daemon=True).start()

    def echo_conn(c):
        with c:
            while True:
                try:
                    b = c.recv(4096)
                except OSError:
                    return
                if not b:
                    return
                c.sendall(b)

    for srv in socks:
        threading.Thread(target=serve, args=(srv,), daemon=True).start()
    while True:
        time.sleep(3600)


def cmd_hold_conns(a):
    lab_only(a.host)
    conns = []
    for port in range(a.first, a.first + a.count):
        c = socket.create_connection((a.host, port), timeout=5)
        conns.append(c)
    time.sleep(a.idle)
    for i, c in enumerate(conns):
        c.sendall(f"status {i} ok\n".encode())
        c.recv(4096)
    time.sleep(a.linger)
    for c in conns:
        c.close()


def cmd_echo_client(a):
    lab_only(a.host)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if a.mss:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, a.mss)
    s.connect((a.host, a.port))
    data = bytes(random.Random(a.size).getrandbits(8) for _ in range(a.size))
    got = 0

    def reader():
        nonlocal got
        while got < a.size:
            b = s.recv(65536)
            if not b:
                return
            got += len(b)

    t = threading.Thread(target=reader)
    t.start()
    for i in range(0, a.size, 4096):
        s.sendall(data[i:i + 4096])
    t.join(timeout=20)
    s.close()
    print(f"echoed {got} of {a.size} bytes", file=sys.stderr)


# ---------------------------------------------------------------- verification + truth


def tshark_fields(pcap, display_filter, fields):
    cmd = ["tshark", "-n", "-r", pcap, "-T", "fields", "-E", "separator=\t"]
    if display_filter:
        cmd += ["-Y", display_filter]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def longest_rate_runs(pcap, threshold):
    """For each (dst ip, proto, dst port): the longest run of consecutive seconds with > threshold packets."""
    rows = tshark_fields(pcap, "ip", ["frame.time_epoch", "ip.dst", "ip.proto", "tcp.dstport", "udp.dstport"])
    per = {}
    for ts, dst, proto, tport, uport in rows:
        port = tport or uport or "0"
        key = f"{dst}:{port}/{ {'6': 'tcp', '17': 'udp', '1': 'icmp'}.get(proto.split(',')[0], proto) }"
        sec = int(float(ts))
        per.setdefault(key, {}).setdefault(sec, 0)
        per[key][sec] += 1
    result = {}
    for key, secs in per.items():
        best = run = 0
        prev = None
        peak = max(secs.values())
        for s in sorted(secs):
            if secs[s] > threshold:
                run = run + 1 if prev is not None and s == prev + 1 and secs.get(prev, 0) > threshold else 1
                best = max(best, run)
            prev = s
        if peak > threshold:
            result[key] = {"peakPps": peak, "longestRunSecAbove": best}
    return result


def capinfos(pcap):
    out = subprocess.run(["capinfos", "-M", "-T", "-r", "-c", "-u", "-d", "-l", pcap], capture_output=True, text=True, check=True).stdout
    parts = out.strip().split("\t")
    return {"packets": int(parts[1]), "durationSec": round(float(parts[2]), 3), "bytesInCapture": int(parts[3]) if len(parts) > 3 else None}


def cmd_truth(a):
    import datetime
    import os

    spec = json.load(open(a.spec))
    pcap = spec["path"]
    info = subprocess.run(["capinfos", "-M", "-c", "-u", "-l", "-E", pcap], capture_output=True, text=True, check=True).stdout
    verified = {"capinfos": {}}
    for line in info.splitlines():
        if ":" in line and not line.startswith("File name"):
            k, v = line.split(":", 1)
            verified["capinfos"][k.strip()] = v.strip()
    verified["fileBytes"] = os.path.getsize(pcap)
    import hashlib
    verified["sha256"] = hashlib.sha256(open(pcap, "rb").read()).hexdigest()
    verified["packets"] = len(tshark_fields(pcap, "", ["frame.number"]))
    checks = {}
    for chk in spec.get("checks", []):
        if chk.get("distinct"):
            rows = tshark_fields(pcap, chk["filter"], [chk["distinct"]])
            checks[chk["name"]] = len({r[0] for r in rows if r and r[0]})
        else:
            checks[chk["name"]] = len(tshark_fields(pcap, chk["filter"], ["frame.number"]))
        checks[chk["name"] + "Filter"] = chk["filter"] + (f" | distinct {chk['distinct']}" if chk.get("distinct") else "")
    verified["checks"] = checks
    verified["rateRunsOver20pps"] = longest_rate_runs(pcap, 20)
    verified["verifiedWith"] = "capinfos + tshark " + subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    truth = {
        "capture": os.path.basename(pcap),
        "description": spec["description"],
        "tool": spec["tool"],
        "expected": spec["expected"],
        "expectNone": spec["expectNone"],
        "hosts": spec["hosts"],
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commands": spec["commands"],
        "verified": verified,
    }
    if spec.get("notExpected"):
        truth["notExpected"] = spec["notExpected"]
    if spec.get("modelTarget") is False:
        truth["modelTarget"] = False
    if spec.get("exclusive") is True:
        truth["exclusive"] = True
    if spec.get("modelExpected"):
        truth["modelExpected"] = spec["modelExpected"]
    if "notes" in spec:
        truth["notes"] = spec["notes"]
    out = pcap[: -len(".pcap")] + ".truth.json"
    with open(out, "w") as f:
        json.dump(truth, f, indent=2)
        f.write("\n")
    print(json.dumps({"written": out, "packets": verified["packets"], "checks": checks, "rate": verified["rateRunsOver20pps"]}, indent=1))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("mkweb"); s.add_argument("dir"); s.set_defaults(fn=cmd_mkweb)
    s = sub.add_parser("mkfile"); s.add_argument("path"); s.add_argument("size", type=int); s.add_argument("seed", type=int); s.set_defaults(fn=cmd_mkfile)
    s = sub.add_parser("udp-sink"); s.add_argument("port", type=int); s.add_argument("--echo", action="store_true"); s.set_defaults(fn=cmd_udp_sink)
    s = sub.add_parser("ntp-server"); s.add_argument("port", type=int); s.set_defaults(fn=cmd_ntp_server)
    s = sub.add_parser("udp-send")
    for n, t in [("dst", str), ("port", int), ("rate", float), ("count", int), ("size", int)]:
        s.add_argument(n, type=t)
    s.set_defaults(fn=cmd_udp_send)
    s = sub.add_parser("benign")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--duration", type=float, required=True)
    s.add_argument("--web", required=True)
    s.add_argument("--dns", required=True)
    s.add_argument("--srv")
    s.add_argument("--ssh-key")
    s.add_argument("--transfer")
    s.add_argument("--ping", action="store_true")
    s.add_argument("--nxdomain", action="store_true")
    s.add_argument("--page-loads", type=int, default=1)
    s.add_argument("--min-pause", type=float, default=1.0)
    s.add_argument("--max-pause", type=float, default=5.0)
    s.set_defaults(fn=cmd_benign)
    s = sub.add_parser("beacon")
    s.add_argument("url")
    s.add_argument("--interval", type=float, required=True)
    s.add_argument("--jitter", type=float, default=0.0)
    s.add_argument("--duration", type=float, required=True)
    s.add_argument("--seed", type=int, default=1)
    s.set_defaults(fn=cmd_beacon)
    s = sub.add_parser("echo-server"); s.add_argument("port", type=int); s.set_defaults(fn=cmd_echo_server)
    s = sub.add_parser("listen-many"); s.add_argument("first", type=int); s.add_argument("count", type=int); s.set_defaults(fn=cmd_listen_many)
    s = sub.add_parser("hold-conns"); s.add_argument("host"); s.add_argument("first", type=int); s.add_argument("count", type=int)
    s.add_argument("--idle", type=float, default=5); s.add_argument("--linger", type=float, default=2); s.set_defaults(fn=cmd_hold_conns)
    s = sub.add_parser("echo-client"); s.add_argument("host"); s.add_argument("port", type=int); s.add_argument("size", type=int)
    s.add_argument("--mss", type=int, default=0); s.set_defaults(fn=cmd_echo_client)
    s = sub.add_parser("truth"); s.add_argument("spec"); s.set_defaults(fn=cmd_truth)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
