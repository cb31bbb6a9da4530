#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""decoy.py: leave one half-open IKE SA on a responder (python3 stdlib only).

usage: decoy.py RESPONDER_ADDR LOCAL_PORT

Sends one IKE_SA_INIT request (aes128gcm16-prfsha256-x25519, a random 32-octet KE value, a random
nonce) from LOCAL_PORT to RESPONDER_ADDR:500, waits up to 2 s for the answer, prints what came
back and never continues. strongSwan then holds a half-open IKE SA for this request, which is what
charon.cookie_threshold counts: with cookie_threshold = 1 the NEXT initiator must return a COOKIE
(RFC 7296 2.6). Used only by the "cookie" scenario, inside its own network namespace.
"""
import os
import socket
import struct
import sys


def payload(nxt, body):
    return struct.pack('>BBH', nxt, 0, 4 + len(body)) + body


def transform(last, ttype, tid, attrs=b''):
    body = struct.pack('>BBH', ttype, 0, tid) + attrs
    return struct.pack('>BBH', 0 if last else 3, 0, 4 + len(body)) + body


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    trs = (transform(False, 1, 20, struct.pack('>HH', 0x800e, 128)) +  # ENCR_AES_GCM_16, 128 bits
           transform(False, 2, 5) +                                     # PRF_HMAC_SHA2_256
           transform(True, 4, 31))                                      # Curve25519
    prop = struct.pack('>BBHBBBB', 0, 0, 8 + len(trs), 1, 1, 0, 3) + trs
    sa = payload(34, prop)
    ke = payload(40, struct.pack('>HH', 31, 0) + os.urandom(32))
    nonce = payload(0, os.urandom(32))
    body = sa + ke + nonce
    hdr = os.urandom(8) + bytes(8) + struct.pack('>BBBBII', 33, 0x20, 34, 0x08, 0, 28 + len(body))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('0.0.0.0', port))
    s.settimeout(2.0)
    s.sendto(hdr + body, (addr, 500))
    try:
        resp, _ = s.recvfrom(3000)
    except socket.timeout:
        print('decoy: no answer (fine: the request still counts as half-open if charon kept it)')
        return
    first = resp[16] if len(resp) > 16 else 0
    print('decoy: %d-octet answer, first payload %d%s' % (len(resp), first,
                                                        ' (SA: half-open IKE SA left behind)' if first == 33 else ''))


if __name__ == '__main__':
    main()
