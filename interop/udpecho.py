#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""udpecho.py: send one UDP datagram and wait for its echo (python3 stdlib only).

usage: udpecho.py SRC_ADDR DST_ADDR:PORT TEXT [TIMEOUT_S]
       udpecho.py --serve ADDR:PORT [SECONDS]

Binds SRC_ADDR (an inner address, so the datagram takes the IPsec tunnel), sends TEXT, waits up to
TIMEOUT_S (default 2) for any answer and prints it. Exit 0 when the answer carries TEXT, else 1.
Used by interop/run.sh's reverse scenarios (strongSwan initiates; `minike respond --echo` echoes).
--serve: a UDP echo server on ADDR:PORT (behind strongSwan, for `minike initiate --send`) that
answers every datagram with "echo: " + its payload, for at most SECONDS (default 60), then exits.
"""
import socket
import sys


def serve(where, seconds):
    import time
    host, port = where.rsplit(':', 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, int(port)))
    print('serving UDP echo on %s' % where, flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        s.settimeout(max(0.1, end - time.monotonic()))
        try:
            data, peer = s.recvfrom(4096)
        except socket.timeout:
            break
        print('echo %d octets to %s:%d' % (len(data), peer[0], peer[1]), flush=True)
        s.sendto(b'echo: ' + data, peer)
    return 0


def main():
    if sys.argv[1] == '--serve':
        return serve(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 60.0)
    src, dst, text = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
    host, port = dst.rsplit(':', 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(timeout)
    s.sendto(text, (host, int(port)))
    try:
        data, peer = s.recvfrom(2048)
    except socket.timeout:
        print('udp echo: no answer from %s within %.1f s' % (dst, timeout))
        return 1
    ok = text in data
    print('udp echo %s: %d octets from %s:%d: %r' % ('ok' if ok else 'MISMATCH', len(data), peer[0], peer[1],
                                                     data[:80]))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
