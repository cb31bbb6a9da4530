#!/usr/bin/env python3
"""load_flood: unauthenticated IKE_SA_INIT requests at a responder on loopback (bench/load.sh).

Each request is a well-formed RFC 7296 IKE_SA_INIT (SA: AES-GCM-16-128, PRF-HMAC-SHA2-256,
X25519; KE of group 31; a 32-octet nonce) with a fresh random SPIi and nonce, so the responder
must parse it, pick a proposal and, unless it asks for a COOKIE, do the DH work and keep state.
The flooder never answers (no cookie returned, no IKE_AUTH): every SA it causes stays half-open.

usage: load_flood.py HOST PORT RATE SECONDS MAX   (RATE 0: as fast as possible)
Prints one line: sent=N seconds=S rate=R/s answers=A (datagrams that came back). Only
loopback addresses are accepted.
"""
import ipaddress
import os
import socket
import struct
import sys
import time


def payload(next_type, body):
    return struct.pack("!BBH", next_type, 0, 4 + len(body)) + body


def transform(last, ttype, tid, attr=None):
    body = struct.pack("!BBH", ttype, 0, tid) + (attr or b"")
    return struct.pack("!BBH", 0 if last else 3, 0, 4 + len(body)) + body


def ike_sa_init():
    ts = (transform(False, 1, 20, struct.pack("!HH", 0x800E, 128))  # ENCR AES-GCM-16, 128
          + transform(False, 2, 5)                                   # PRF HMAC-SHA2-256
          + transform(True, 4, 31))                                  # DH Curve25519
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(ts), 1, 1, 0, 3) + ts
    sa = payload(34, prop)                                   # next: KE
    ke = payload(40, struct.pack("!HH", 31, 0) + os.urandom(32))  # next: Nonce
    nonce = payload(0, os.urandom(32))
    body = sa + ke + nonce
    hdr = os.urandom(8) + bytes(8) + struct.pack("!BBBBII", 33, 0x20, 34, 0x08, 0, 28 + len(body))
    return hdr + body


def main():
    host, port, rate, seconds, cap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \
        float(sys.argv[4]), int(sys.argv[5])
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("load_flood: loopback addresses only")
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    # RFC 3948 §2.2: on any port but 500 IKE carries the 4-octet zero non-ESP marker (minike
    # respond, like strongSwan on 4500, reads marker-less datagrams there as ESP)
    marker = b"" if port == 500 else bytes(4)
    tmpl = bytearray(marker + ike_sa_init())
    spi_at = len(marker)
    t0 = time.monotonic()
    end = t0 + seconds
    sent = 0
    answers = 0
    while sent < cap:
        now = time.monotonic()
        if now >= end:
            break
        if rate > 0:
            due = int((now - t0) * rate) + 1
            if sent >= due:
                time.sleep(min(0.001, end - now))
                continue
        tmpl[spi_at:spi_at + 8] = os.urandom(8)  # a new initiator SPI
        tmpl[-32:] = os.urandom(32)        # a new nonce
        try:
            s.sendto(tmpl, (host, port))
            sent += 1
        except BlockingIOError:
            time.sleep(0.0002)
        except OSError:
            pass
        # answers (COOKIE, IKE_SA_INIT responses) are read and thrown away
        try:
            while True:
                s.recv(4096)
                answers += 1
        except OSError:
            pass
    dt = time.monotonic() - t0
    print("sent=%d seconds=%.1f rate=%.0f/s answers=%d" % (sent, dt, sent / dt if dt > 0 else 0,
                                                           answers))


if __name__ == "__main__":
    main()
