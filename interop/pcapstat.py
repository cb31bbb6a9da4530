#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pcapstat.py: bytes on the wire of one interop capture (python3 stdlib only).

usage: pcapstat.py CAPTURE.pcap [--table]

Classifies every UDP datagram of a classic pcap (Ethernet, Linux cooked v1/v2, or raw IPv4):
  UDP 500 (either port)                 -> IKE
  UDP 4500, payload 0xff                -> NAT keepalive
  UDP 4500, first 4 octets zero         -> IKE after the non-ESP marker (RFC 3948 2.2)
  UDP 4500, otherwise                   -> ESP in UDP (RFC 3948)
"Bytes" are IPv4 total lengths (IP header + UDP header + payload): what the datagram costs on
the link, without the Ethernet framing. The first output line is the summary used by run.sh and
interop/README.md:
  setup N dgrams B bytes | other IKE N/B | ESP N/B
where "setup" is IKE_SA_INIT + IKE_AUTH in both directions (retries such as COOKIE and
INVALID_KE_PAYLOAD round trips included). Then one line per datagram.
It never decrypts anything and reads nothing but the capture.
"""
import signal
import struct
import sys

EXCH = {34: 'IKE_SA_INIT', 35: 'IKE_AUTH', 36: 'CREATE_CHILD_SA', 37: 'INFORMATIONAL'}
PAYLOAD = {33: 'SA', 34: 'KE', 35: 'IDi', 36: 'IDr', 37: 'CERT', 38: 'CERTREQ', 39: 'AUTH', 40: 'No',
           41: 'N', 42: 'D', 43: 'V', 44: 'TSi', 45: 'TSr', 46: 'SK', 47: 'CP', 48: 'EAP', 53: 'SKF'}
NOTIFY = {7: 'INVALID_SYNTAX', 14: 'NO_PROPOSAL_CHOSEN', 17: 'INVALID_KE_PAYLOAD', 24: 'AUTHENTICATION_FAILED',
          16388: 'NAT_DETECTION_SOURCE_IP', 16389: 'NAT_DETECTION_DESTINATION_IP', 16390: 'COOKIE',
          16384: 'INITIAL_CONTACT', 16404: 'MULTIPLE_AUTH_SUPPORTED', 16406: 'REDIRECT_SUPPORTED',
          16417: 'EAP_ONLY_AUTHENTICATION', 16418: 'CHILDLESS_IKEV2_SUPPORTED',
          16430: 'IKEV2_FRAGMENTATION_SUPPORTED', 16431: 'SIGNATURE_HASH_ALGORITHMS'}


def chain(ike):
    """Payload names of an IKE message, 'N(name)' for notifies; stops at SK (encrypted)."""
    out, nxt, off = [], ike[16], 28
    while nxt and off + 4 <= len(ike):
        ln = int.from_bytes(ike[off + 2:off + 4], 'big')
        name = PAYLOAD.get(nxt, 'P%d' % nxt)
        if nxt == 41 and off + 8 <= len(ike):
            nt = int.from_bytes(ike[off + 6:off + 8], 'big')
            name = 'N(%s)' % NOTIFY.get(nt, str(nt))
        out.append(name)
        if nxt == 46 or ln < 4:
            break
        nxt, off = ike[off], off + ln
    return ' '.join(out)


def packets(path):
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    else:
        raise SystemExit('%s: not a classic pcap file' % path)
    linktype = struct.unpack(end + 'I', data[20:24])[0] & 0x0fffffff
    off = 24
    while off + 16 <= len(data):
        ts, tsf, incl, _orig = struct.unpack(end + 'IIII', data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:        # Ethernet
            if len(frame) < 14 or frame[12:14] != b'\x08\x00':
                continue
            ip = frame[14:]
        elif linktype == 113:    # Linux cooked v1
            if len(frame) < 16 or frame[14:16] != b'\x08\x00':
                continue
            ip = frame[16:]
        elif linktype == 276:    # Linux cooked v2
            if len(frame) < 20 or frame[0:2] != b'\x08\x00':
                continue
            ip = frame[20:]
        elif linktype in (101, 228):   # raw IP
            ip = frame
        else:
            continue
        yield ts + tsf / 1e6, ip


def classify(ip):
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack('>H', ip[2:4])[0]
    udp = ip[ihl:tot]
    if len(udp) < 8:
        return None
    sport, dport = struct.unpack('>HH', udp[0:4])
    pl = udp[8:]
    src = '.'.join(str(b) for b in ip[12:16])
    dst = '.'.join(str(b) for b in ip[16:20])
    d = {'src': src, 'dst': dst, 'sport': sport, 'dport': dport, 'iplen': tot, 'udplen': len(pl)}
    ike = None
    if 500 in (sport, dport):
        ike = pl
    elif 4500 in (sport, dport):
        if pl == b'\xff':
            d['kind'] = 'keepalive'
            return d
        if pl[:4] == b'\x00\x00\x00\x00':
            ike = pl[4:]
        else:
            d['kind'] = 'esp'
            if len(pl) >= 8:
                d['spi'], d['seq'] = struct.unpack('>II', pl[:8])
            return d
    else:
        d['kind'] = 'other'
        return d
    d['kind'] = 'ike'
    if len(ike) >= 28:
        d['spii'] = ike[0:8].hex()
        d['spir'] = ike[8:16].hex()
        d['exch'] = ike[18]
        d['resp'] = bool(ike[19] & 0x20)
        d['msgid'] = struct.unpack('>I', ike[20:24])[0]
        d['first'] = ike[16]
        d['chain'] = chain(ike)
    return d


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)     # `pcapstat.py f | head -n1` is fine
    rows = [(t, classify(ip)) for t, ip in packets(sys.argv[1])]
    rows = [(t, d) for t, d in rows if d]
    setup = [0, 0]
    other = [0, 0]
    esp = [0, 0]
    lines = []
    t0 = rows[0][0] if rows else 0
    for t, d in rows:
        k = d['kind']
        if k == 'ike':
            ex = d.get('exch', 0)
            acc = setup if ex in (34, 35) else other
            what = '%s %s #%d [%s]' % (EXCH.get(ex, 'exch%d' % ex), 'response' if d.get('resp') else 'request',
                                       d.get('msgid', 0), d.get('chain', ''))
        elif k == 'esp':
            acc = esp
            what = 'ESP spi=%08x seq=%d' % (d.get('spi', 0), d.get('seq', 0))
        else:
            acc = other if k == 'keepalive' else [0, 0]
            what = k
        acc[0] += 1
        acc[1] += d['iplen']
        lines.append('%7.3f %s:%d > %s:%d %4d B  %s' % (t - t0, d['src'], d['sport'], d['dst'], d['dport'],
                                                      d['iplen'], what))
    print('setup %d dgrams %d bytes | other IKE %d/%d | ESP %d/%d' % (setup[0], setup[1], other[0], other[1],
                                                                     esp[0], esp[1]))
    for line in lines:
        print(line)


if __name__ == '__main__':
    main()
