# SPDX-License-Identifier: MIT
"""bench/wire.py: IKE handshakes out of a capture, and the RFC 7296 format floor of one.

Used by bench/run. `handshakes(pcap)` groups the IKE_SA_INIT and IKE_AUTH messages of a classic
libpcap file (tcpdump -w) by the initiator's SPI, with UDP payload octets per direction (the
non-ESP marker on port 4500 counts: it is on the wire) and capture timestamps. `floor(...)` adds up
the smallest PSK exchange RFC 7296 allows for a suite, payload by payload.

    python3 bench/wire.py FILE.pcap      # one line per handshake (for checking by hand)
"""
import struct
import sys

EX_INIT, EX_AUTH = 34, 35
F_RESPONSE = 0x20


def _packets(path):
    """(time, src_port, dst_port, udp_payload) of every IPv4 UDP datagram in a pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec + frac / (1e9 if nano else 1e6)
        if linktype == 1:  # Ethernet (the veth)
            if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
                continue
            ip = pkt[14:]
        elif linktype == 113:  # Linux cooked
            if len(pkt) < 16 or pkt[14:16] != b"\x08\x00":
                continue
            ip = pkt[16:]
        elif linktype in (101, 228):  # raw IPv4
            ip = pkt
        else:
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        udp = ip[ihl:total]
        if len(udp) < 8:
            continue
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        yield t, sport, dport, udp[8:ulen]


def handshakes(path):
    """Handshakes in the order their first IKE_SA_INIT request appears. Each: dict with spi,
    sport (source port of the first request), t0 (first IKE_SA_INIT request), t_init_resp (last
    IKE_SA_INIT response), t_auth_req (first IKE_AUTH request), t_auth_resp (first IKE_AUTH
    response), sent/recv (UDP payload octets of the IKE_SA_INIT and IKE_AUTH requests/responses,
    retransmissions and COOKIE/INVALID_KE round trips included), msgs [(dir, exchange, octets)]."""
    hs = {}
    for t, sport, dport, pl in _packets(path):
        ike = pl
        if 4500 in (sport, dport):
            if pl[:4] != b"\0\0\0\0":
                continue  # ESP in UDP
            ike = pl[4:]
        if len(ike) < 28 or ike[17] >> 4 != 2:
            continue
        exch, flags = ike[18], ike[19]
        if exch not in (EX_INIT, EX_AUTH):
            continue
        spi = ike[:8].hex()
        resp = bool(flags & F_RESPONSE)
        h = hs.get(spi)
        if h is None:
            if resp or exch != EX_INIT:
                continue  # the start of this handshake is not in the capture
            h = hs[spi] = {"spi": spi, "sport": sport, "t0": t, "t_init_resp": None,
                           "t_auth_req": None, "t_auth_resp": None, "sent": 0, "recv": 0,
                           "msgs": []}
        h["msgs"].append(("<-" if resp else "->", exch, len(pl)))
        h["recv" if resp else "sent"] += len(pl)
        if exch == EX_INIT and resp:
            h["t_init_resp"] = t
        elif exch == EX_AUTH and not resp and h["t_auth_req"] is None:
            h["t_auth_req"] = t
        elif exch == EX_AUTH and resp and h["t_auth_resp"] is None:
            h["t_auth_resp"] = t
    return sorted(hs.values(), key=lambda h: h["t0"])


# ---- the format floor ------------------------------------------------------------------------
# Per suite: ENCR id, whether ENCR carries a Key Length attribute (+4), IV and ICV octets, block
# size for the padding (1: no alignment, AEAD), PRF output and preferred key octets (HMAC-SHA2-256:
# 32/32, RFC 4868), DH public value octets, and whether ESP needs an INTEG transform.
SUITES = {
    "chacha20poly1305-prfsha256-x25519": dict(keyattr=False, iv=8, icv=16, block=1, prf_out=32,
                                              prf_key=32, dh_pub=32, integ=False),
    "aes128gcm16-prfsha256-x25519": dict(keyattr=True, iv=8, icv=16, block=1, prf_out=32,
                                         prf_key=32, dh_pub=32, integ=False),
}
GEN = 4           # generic payload header (RFC 7296 §3.2)
HDR = 28          # IKE header (§3.1)
NAT_D = GEN + 4 + 20  # N(NAT_DETECTION_*_IP): SHA-1 hash (§2.23)
MARKER = 4        # non-ESP marker on UDP 4500 (RFC 3948 §2.2)


def floor(suite, idi, idr, natt, idr_in_request=False):
    """Smallest IKE_SA_INIT + IKE_AUTH for a PSK initiator with one child SA, per message and
    per direction, in UDP payload octets. idi/idr: identity data octets (FQDN length)."""
    s = SUITES[suite]
    xf = 8                                   # transform substructure without attributes (§3.3.2)
    encr = xf + (4 if s["keyattr"] else 0)   # + Key Length attribute (§3.3.5)
    sa_ike = GEN + 8 + encr + xf + xf        # one proposal, SPI size 0: ENCR, PRF, DH (AEAD: no INTEG)
    sa_esp = GEN + 8 + 4 + encr + xf + (xf if s["integ"] else 0)  # SPI 4: ENCR, [INTEG], ESN
    ke = GEN + 4 + s["dh_pub"]
    nonce = GEN + max(16, s["prf_key"] // 2)  # §2.10: >= 128 bits and >= half the PRF key size
    ts = GEN + 4 + 16                        # one IPv4 range selector (§3.13.1)
    auth = GEN + 4 + s["prf_out"]            # PSK: prf output (§2.15)
    nat = 2 * NAT_D if natt else 0

    def sk(inner):  # SK payload: IV, inner payloads, padding, Pad Length octet, ICV (§3.14)
        body = inner + 1
        pad = (-body) % s["block"]
        return GEN + s["iv"] + body + pad + s["icv"]

    init = HDR + sa_ike + ke + nonce + nat
    id_i, id_r = GEN + 4 + idi, GEN + 4 + idr
    auth_req = HDR + sk(id_i + (id_r if idr_in_request else 0) + auth + sa_esp + ts + ts)
    auth_resp = HDR + sk(id_r + auth + sa_esp + ts + ts)
    m = MARKER if natt else 0
    return {"init_req": init, "init_resp": init, "auth_req": auth_req + m,
            "auth_resp": auth_resp + m, "sent": init + auth_req + m, "recv": init + auth_resp + m}


if __name__ == "__main__":
    for h in handshakes(sys.argv[1]):
        ms = " ".join(f"{d}{'INIT' if x == EX_INIT else 'AUTH'}:{n}" for d, x, n in h["msgs"])
        print(f"{h['spi']} sport={h['sport']} sent={h['sent']} recv={h['recv']} {ms}")
