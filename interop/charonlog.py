#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""charonlog.py: strongSwan's level-4 key log as a known-answer oracle (python3 stdlib only).

usage:
  charonlog.py dump    KEYS_LOG LIST_SAS [PCAP]            every key charon logged, per IKE SA
  charonlog.py tables  KEYS_LOG LIST_SAS OUTDIR [PCAP]     Wireshark 4.0 ikev2_decryption_table,
                                                           esp_sa, preferences, keys.txt in OUTDIR
  charonlog.py compare KEYS_LOG LIST_SAS MINIKE_KEYS_DIR [PCAP]
                                                           minike's --keys output must equal
                                                           charon's keys, byte for byte

KEYS_LOG is a charon filelog written with  ike = 4, chd = 4, cfg = 1, ike_name = yes  (label
lines "<conn|uid> LABEL => N bytes @ 0x..." followed by hex-dump lines). It carries no SPIs, so
IKE SPIs come from `swanctl --list-sas` of the same daemon (LIST_SAS, may be empty when the SA is
already gone) and, failing that, from the capture: the n-th IKE SA that logged a SKEYSEED gets the
SPIs of the n-th IKE_SA_INIT response that carries an SA payload (COOKIE and INVALID_KE_PAYLOAD
answers carry none). Child SPIs come from charon's "CHILD_SA ... established with SPIs X_i Y_o"
lines, which the key log holds (ike group, level 0).

compare: reads every file in MINIKE_KEYS_DIR; rows of the Wireshark IKEv2 table
  SPIi,SPIr,SK_ei,SK_er,"alg",SK_ai,SK_ar,"alg"
and of the ESP table
  "IPv4","src","dst","0xSPI","alg","0xKEY","alg","0xKEY"
(quoted or not), and lines "NAME = hex" / "NAME: hex" / "NAME,hex" for SKEYSEED, SK_d, SK_pi,
SK_pr. Each key present on both sides must be identical (exact octets, exact length); at least one
IKE SA must be compared, and its SK_ei/SK_er; ESP rows are required when charon logged child keys
for that SA. Exit 0 only then. Nothing here derives a key: both sides come from the peers' logs.
"""
import collections
import os
import re
import struct
import sys

PFX = r'<(?:[^|>]+\|)?(\d+)>'      # "<conn|uid>" or "<uid>" (responder, before a config is chosen)

IKE_LABELS = {
    'SKEYSEED': 'SKEYSEED', 'Sk_d secret': 'SK_d', 'Sk_ai secret': 'SK_ai', 'Sk_ar secret': 'SK_ar',
    'Sk_ei secret': 'SK_ei', 'Sk_er secret': 'SK_er', 'Sk_pi secret': 'SK_pi', 'Sk_pr secret': 'SK_pr',
    'shared Diffie Hellman secret': 'g^ir',
}
CHD_LABELS = {
    'encryption initiator key': 'ei', 'encryption responder key': 'er',
    'integrity initiator key': 'ai', 'integrity responder key': 'ar',
}


class IkeSa:
    def __init__(self, uid):
        self.uid = uid
        self.keys = {}            # SK_* -> bytes (last derivation wins: a retried SA has a new uid)
        self.ike_alg = ''
        self.children = []        # [{'keys': {...}, 'alg': 'ESP:...', 'spi_i':..., 'spi_o':...}]
        self.pending = None       # child keys not yet bound to an "established" line
        self.spii = self.spir = None
        self.local = self.remote = None
        self.local_is_initiator = None


def parse_log(path):
    sas = collections.OrderedDict()
    cur = None                    # (uid, target dict, name)

    def sa(uid):
        if uid not in sas:
            sas[uid] = IkeSa(uid)
        return sas[uid]
    with open(path, errors='replace') as f:
        for line in f:
            m = re.search(PFX + r' (.+?) => (\d+) bytes @', line)
            if m:
                uid, label = m.group(1), m.group(2)
                s = sa(uid)
                if label in IKE_LABELS:
                    cur = (uid, s.keys, IKE_LABELS[label])
                elif label in CHD_LABELS:
                    if s.pending is None or CHD_LABELS[label] in s.pending['keys']:
                        s.pending = {'keys': {}, 'alg': ''}
                    cur = (uid, s.pending['keys'], CHD_LABELS[label])
                else:
                    cur = None
                    continue
                cur[1][cur[2]] = b''
                continue
            m = re.search(PFX + r'\s+\d+: ((?:[0-9A-F]{2} ?)+)', line)
            if m and cur and m.group(1) == cur[0]:
                cur[1][cur[2]] += bytes.fromhex(m.group(2).replace(' ', '')[:32])
                continue
            cur = None
            m = re.search(PFX + r' selected proposal: (IKE|ESP):(\S+)', line)
            if m:
                s = sa(m.group(1))
                if m.group(2) == 'IKE':
                    s.ike_alg = m.group(3)
                else:
                    if s.pending is None:
                        s.pending = {'keys': {}, 'alg': ''}
                    s.pending['alg'] = m.group(3)
                continue
            m = re.search(PFX + r' CHILD_SA \S+ established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o', line)
            if m:
                s = sa(m.group(1))
                ch = s.pending or {'keys': {}, 'alg': ''}
                ch['spi_i'], ch['spi_o'] = m.group(2), m.group(3)
                s.children.append(ch)
                s.pending = None
                continue
            m = re.search(PFX + r' IKE_SA \S+ established between ([0-9a-f.:]+)\[[^]]*\]\.\.\.([0-9a-f.:]+)\[', line)
            if m:
                s = sa(m.group(1))
                s.local, s.remote = m.group(2), m.group(3)
    # child keys derived but never installed (e.g. a refused child) stay visible, without SPIs
    for s in sas.values():
        if s.pending and s.pending['keys']:
            s.children.append(s.pending)
            s.pending = None
    return sas


def parse_list_sas(path, sas):
    if not path or not os.path.exists(path):
        return
    uid = None
    with open(path) as f:
        for line in f:
            m = re.match(r'(\S+): #(\d+), \S+, IKEv2, ([0-9a-f]{16})_i(\*?) ([0-9a-f]{16})_r(\*?)', line)
            if m:
                uid = m.group(2)
                if uid in sas:
                    s = sas[uid]
                    s.spii, s.spir = m.group(3), m.group(5)
                    s.local_is_initiator = m.group(4) == '*'
                continue
            if uid in sas:
                s = sas[uid]
                m = re.match(r'\s+local\s+.* @ ([0-9a-f.:]+)\[', line)
                if m:
                    s.local = s.local or m.group(1)
                m = re.match(r'\s+remote\s+.* @ ([0-9a-f.:]+)\[', line)
                if m:
                    s.remote = s.remote or m.group(1)


def pcap_init_responses(path):
    """(SPIi, SPIr, initiator IP) of every IKE_SA_INIT response whose first payload is SA."""
    out = []
    if not path or not os.path.exists(path):
        return out
    sys.dont_write_bytecode = True             # no __pycache__ in the source tree
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pcapstat
    for _t, ip in pcapstat.packets(path):
        d = pcapstat.classify(ip)
        if not d or d['kind'] != 'ike' or 'exch' not in d:
            continue
        if d['exch'] == 34 and d['resp'] and d['first'] == 33:
            out.append((d['spii'], d['spir'], d['dst']))
    return out


def load(keys_log, list_sas, pcap=None):
    sas = parse_log(keys_log)
    parse_list_sas(list_sas, sas)
    with_keys = [s for s in sas.values() if 'SKEYSEED' in s.keys]
    resp = pcap_init_responses(pcap)
    if len(resp) == len(with_keys):
        for s, (spii, spir, _ini) in zip(with_keys, resp):
            if s.spii is None:
                s.spii, s.spir = spii, spir
    return with_keys


def ike_names(alg, ei_len):
    """Wireshark 4.0 names (encryption, integrity) for charon's "IKE:..." proposal string."""
    if 'AES_GCM_16' in alg:
        return 'AES-GCM-%d with 16 octet ICV [RFC5282]' % ((ei_len - 4) * 8), 'NONE [RFC4306]'
    if 'AES_CCM_8' in alg:
        return 'AES-CCM-%d with 8 octet ICV [RFC5282]' % ((ei_len - 3) * 8), 'NONE [RFC4306]'
    if 'AES_CBC' in alg and 'HMAC_SHA2_256_128' in alg:
        return 'AES-CBC-%d [RFC3602]' % (ei_len * 8), 'HMAC_SHA2_256_128 [RFC4868]'
    return None, None


def esp_names(alg):
    if 'AES_GCM_16' in alg:
        return 'AES-GCM with 16 octet ICV [RFC4106]', 'NULL'
    if 'AES_CBC' in alg and 'HMAC_SHA2_256_128' in alg:
        return 'AES-CBC [RFC3602]', 'HMAC-SHA-256-128 [RFC4868]'
    return None, None


def child_rows(s, ch):
    """(spi i->r, src, dst, enc key, auth key) for both directions, initiator's keys first."""
    if 'spi_i' not in ch:
        return []
    ini = s.local_is_initiator
    if ini is None:           # the established line of the responder names itself first
        ini = False
    k = ch['keys']
    if ini:
        i2r, r2i = ch['spi_o'], ch['spi_i']
        src_i, dst_i = s.local, s.remote
    else:
        i2r, r2i = ch['spi_i'], ch['spi_o']
        src_i, dst_i = s.remote, s.local
    return [(i2r, src_i, dst_i, k.get('ei', b''), k.get('ai', b'')),
            (r2i, dst_i, src_i, k.get('er', b''), k.get('ar', b''))]


def cmd_dump(sas):
    for s in sas:
        print('IKE SA #%s %s SPIi=%s SPIr=%s %s...%s' % (s.uid, s.ike_alg, s.spii, s.spir, s.local, s.remote))
        for n in ('g^ir', 'SKEYSEED', 'SK_d', 'SK_ai', 'SK_ar', 'SK_ei', 'SK_er', 'SK_pi', 'SK_pr'):
            if n in s.keys:
                print('  %-8s = %s' % (n, s.keys[n].hex()))
        for ch in s.children:
            print('  child %s SPIs %s_i %s_o' % (ch.get('alg'), ch.get('spi_i'), ch.get('spi_o')))
            for n in ('ei', 'er', 'ai', 'ar'):
                if n in ch['keys']:
                    print('    %s = %s' % (n, ch['keys'][n].hex()))


def cmd_tables(sas, outdir):
    os.makedirs(outdir, exist_ok=True)
    ike_rows, esp_rows = [], []
    for s in sas:
        k = s.keys
        enc, integ = ike_names(s.ike_alg, len(k.get('SK_ei', b'')))
        if enc and s.spii:      # buffers unquoted hex, enum fields quoted (Wireshark 4.0 UAT)
            ike_rows.append('%s,%s,%s,%s,"%s",%s,%s,"%s"' % (
                s.spii, s.spir, k['SK_ei'].hex(), k['SK_er'].hex(), enc,
                k.get('SK_ai', b'').hex(), k.get('SK_ar', b'').hex(), integ))
        for ch in s.children:
            e_alg, a_alg = esp_names(ch.get('alg', ''))
            if not e_alg:
                continue
            for spi, src, dst, ek, ak in child_rows(s, ch):
                esp_rows.append('"IPv4","%s","%s","0x%s","%s","0x%s","%s","0x%s"' % (
                    src, dst, spi, e_alg, ek.hex(), a_alg, ak.hex()))
    with open(os.path.join(outdir, 'ikev2_decryption_table'), 'w') as f:
        f.write(''.join(r + '\n' for r in ike_rows))
    with open(os.path.join(outdir, 'esp_sa'), 'w') as f:
        f.write(''.join(r + '\n' for r in esp_rows))
    with open(os.path.join(outdir, 'preferences'), 'w') as f:
        f.write('esp.enable_encryption_decode: TRUE\nesp.enable_authentication_check: TRUE\n')
    old = sys.stdout
    with open(os.path.join(outdir, 'keys.txt'), 'w') as f:
        sys.stdout = f
        print('# source: strongSwan charon level-4 key log (ike=4, chd=4)')
        cmd_dump(sas)
        sys.stdout = old
    print('%d IKE rows, %d ESP rows (ChaCha20-Poly1305 SAs have none: Wireshark 4.0 cannot decrypt them)'
          % (len(ike_rows), len(esp_rows)))


HEX = re.compile(r'^(?:0x)?([0-9a-fA-F]*)$')


def unq(x):
    x = x.strip()
    if len(x) >= 2 and x[0] == '"' and x[-1] == '"':
        x = x[1:-1]
    return x


def hexval(x):
    m = HEX.match(unq(x))
    return bytes.fromhex(m.group(1)) if m and len(m.group(1)) % 2 == 0 else None


def parse_minike(d):
    """Rows of minike's --keys directory, plus the SAs it declares undecryptable in '#' lines
    ("# SPIi,SPIr: IKE transform ... not decryptable", "# SPIs 0xOUT/0xIN: ESP ... not ...")."""
    ike, esp, named = {}, {}, {}
    declared = set()
    if not os.path.isdir(d):
        return ike, esp, named, declared
    for fn in sorted(os.listdir(d)):
        p = os.path.join(d, fn)
        if not os.path.isfile(p):
            continue
        with open(p, errors='replace') as f:
            for line in f:
                line = line.strip()
                if line.startswith('#') and 'not decryptable' in line:
                    m = re.match(r'#\s*([0-9a-fA-F]{16}),([0-9a-fA-F]{16}):', line)
                    if m:
                        declared.add((m.group(1).lower(), m.group(2).lower()))
                    m = re.match(r'#\s*SPIs 0x([0-9a-fA-F]{8})/0x([0-9a-fA-F]{8}):', line)
                    if m:
                        declared.add(m.group(1).lower())
                        declared.add(m.group(2).lower())
                    continue
                if not line or line.startswith('#'):
                    continue
                fl = [unq(x) for x in line.split(',')]
                if len(fl) == 8 and re.fullmatch(r'[0-9a-fA-F]{16}', fl[0]) and re.fullmatch(r'[0-9a-fA-F]{16}', fl[1]):
                    ike[(fl[0].lower(), fl[1].lower())] = {
                        'SK_ei': hexval(fl[2]), 'SK_er': hexval(fl[3]), 'enc': fl[4],
                        'SK_ai': hexval(fl[5]), 'SK_ar': hexval(fl[6]), 'integ': fl[7], 'file': fn}
                    continue
                if len(fl) == 8 and fl[0] in ('IPv4', 'IPv6', 'Any IP', '*'):
                    spi = fl[3].lower().replace('0x', '').rjust(8, '0')
                    esp[spi] = {'src': fl[1], 'dst': fl[2], 'ek': hexval(fl[5]), 'ak': hexval(fl[7]),
                                'enc': fl[4], 'integ': fl[6], 'file': fn}
                    continue
                m = re.match(r'^(SKEYSEED|SK_d|SK_pi|SK_pr|SK_ai|SK_ar|SK_ei|SK_er)\s*[=:,]\s*(?:0x)?([0-9a-fA-F]+)$',
                             line, re.I)
                if m:
                    name = m.group(1)
                    name = 'SKEYSEED' if name.upper() == 'SKEYSEED' else 'SK_' + name[3:].lower()
                    named[name] = bytes.fromhex(m.group(2))
    return ike, esp, named, declared


def cmd_compare(sas, d):
    ike, esp, named, declared = parse_minike(d)
    ok, bad, notes = 0, [], []
    undecl = 0

    def eq(what, theirs, ours):
        nonlocal ok
        if ours is None:
            return
        if theirs == ours:
            ok += 1
            print('  equal   %-28s %d octets' % (what, len(ours)))
        else:
            bad.append(what)
            print('  DIFFER  %-28s charon %s\n          %-28s minike %s' % (what, theirs.hex() if theirs is not None else '-',
                                                                          '', ours.hex()))
    if not ike and not declared:
        print('no IKE row in %s (files: %s)' % (d, ', '.join(sorted(os.listdir(d))) if os.path.isdir(d) else 'none'))
        return 1
    compared_ike = 0
    for s in sas:
        row = ike.get((s.spii or '', s.spir or ''))
        if not row and (s.spii, s.spir) in declared:
            undecl += 1
            notes.append('minike wrote no keys for IKE SA %s_i %s_r (%s): "not decryptable by Wireshark"; '
                         'not compared' % (s.spii, s.spir, s.ike_alg))
            row = {'SK_ei': None, 'SK_er': None, 'SK_ai': None, 'SK_ar': None, 'enc': '', 'integ': ''}
        elif not row:
            notes.append('charon IKE SA #%s (%s_i %s_r) has no minike row' % (s.uid, s.spii, s.spir))
            continue
        compared_ike += 1
        print('IKE SA %s_i %s_r  %s' % (s.spii, s.spir, s.ike_alg))
        for n in ('SK_ei', 'SK_er'):
            if (row[n] is None or not row[n]) and (s.spii, s.spir) not in declared:
                bad.append(n + ' missing')
            eq(n, s.keys.get(n), row[n])
        for n in ('SK_ai', 'SK_ar'):
            if row[n]:
                eq(n, s.keys.get(n, b''), row[n])
            elif s.keys.get(n):
                bad.append(n + ' missing in minike row')
        if len(sas) == 1 or compared_ike == 1:
            for n, v in named.items():
                eq(n, s.keys.get(n), v)
        enc, integ = ike_names(s.ike_alg, len(s.keys.get('SK_ei', b'')))
        if enc and row['enc'] != enc:
            notes.append('IKE encryption name: minike "%s", Wireshark wants "%s"' % (row['enc'], enc))
        for ch in s.children:
            if 'spi_i' not in ch:
                notes.append('child keys without an installed SA (refused child), not compared')
                continue
            e_alg, _ = esp_names(ch.get('alg', ''))
            print('ESP SA %s_i %s_o  %s' % (ch['spi_i'], ch['spi_o'], ch.get('alg')))
            for spi, _src, _dst, ek, ak in child_rows(s, ch):
                r = esp.get(spi)
                if not r and spi in declared:
                    undecl += 1
                    notes.append('minike wrote no key for ESP SPI 0x%s (%s): "not decryptable by Wireshark"; '
                                 'not compared' % (spi, ch.get('alg')))
                    continue
                if not r:
                    bad.append('no minike ESP row for SPI 0x%s' % spi)
                    continue
                eq('ESP 0x%s encryption key' % spi, ek, r['ek'])
                if r['ak'] or ak:
                    eq('ESP 0x%s integrity key' % spi, ak, r['ak'] or b'')
    for n in notes:
        print('  note: ' + n)
    if compared_ike == 0:
        print('no minike IKE row matches a charon IKE SA; minike rows: %s' % ', '.join('%s_%s' % k for k in ike))
        return 1
    if bad:
        print('FAILED: ' + '; '.join(bad))
        return 1
    if ok == 0:
        print('0 keys compared: minike wrote no comparable key (%d SAs declared not decryptable)' % undecl)
        return 0 if undecl else 1
    print('%d keys byte-identical%s' % (ok, ', %d SAs not written by minike' % undecl if undecl else ''))
    return 0


def main():
    a = sys.argv[1:]
    if len(a) < 3 or a[0] not in ('dump', 'tables', 'compare'):
        raise SystemExit(__doc__)
    cmd = a[0]
    if cmd == 'dump':
        sas = load(a[1], a[2], a[3] if len(a) > 3 else None)
        cmd_dump(sas)
        return 0
    if len(a) < 4:
        raise SystemExit(__doc__)
    sas = load(a[1], a[2], a[4] if len(a) > 4 else None)
    if cmd == 'tables':
        cmd_tables(sas, a[3])
        return 0
    return cmd_compare(sas, a[3])


if __name__ == '__main__':
    sys.exit(main())
