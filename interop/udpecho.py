#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""udpecho.py: send one UDP datagram and wait for its echo (python3 stdlib only).

usage: udpecho.py SRC_ADDR DST_ADDR:PORT TEXT [TIMEOUT_S]

Binds SRC_ADDR (an inner address, so the datagram takes the IPsec tunnel), sends TEXT, waits up to
TIMEOUT_S (default 2) for any answer and prints it. Exit 0 when the answer carries TEXT, else 1.
Used by interop/run.sh's reverse scenarios (strongSwan initiates; `minike respond --echo` echoes).
"""
import socket
import sys


def main():
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
