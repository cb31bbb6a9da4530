#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bridge.py: runs the garage-door firmware in QEMU (mps2-an386, Cortex-M4) and relays its
datagrams between the board's UART0 and UDP (python3 stdlib only).

  firmware --UART0 frames--> QEMU -serial (unix socket) --> bridge --UDP--> peer (minike respond,
  strongSwan)

Why the UART: it is what a small radio module or a modem hangs off on a real remote, the MPS2
model has one that QEMU connects to a host socket without extra drivers, and it keeps the
firmware free of an IP stack (the bridge plays the radio gateway). Semihosting carries only the
console (the device's timeline), the clock and the exit code. Framing: harness/device/fw/link.h.

At boot the firmware asks for its DRBG seed (emulated hardware has no entropy: the seed is the
host's os.urandom, or with --seed N the key mk_io_drbg_init(N, 0) makes, so runs repeat) and its
provisioning (PSK, identities, selectors: what a real remote keeps in flash).

With --raw-esp (the template-core image, fw/main_tiny.c, which has no NAT-T) the device sends
ESP as ESP, IP protocol 50 (link class 50). The host has no kernel ESP and `minike respond`
reads ESP only from its UDP socket for ESP-in-UDP, so the bridge, as the gateway, carries each
such packet there as RFC 3948 ESP-in-UDP (the SPI first, no marker) and hands ESP coming back
on that socket to the device as class 50. The --pcap shows the device's side: IP protocol 50.

usage: bridge.py --fw ELF --peer ADDR[:PORT] [--natt-port N] [--raw-esp] --psk-file F --id fqdn:I
                 --remote-id fqdn:R [--tsi CIDR] [--tsr CIDR] [--inner-src IP[:PORT]]
                 [--door IP:PORT | --ping IP] [--cmds OPEN,CLOSE] [--quiet-ms N] [--seed N]
                 [--bind ADDR] [--pcap FILE] [--keys DIR] [--icount] [--timeout SEC] [--qemu PATH]
exit: the firmware's exit code (0: every press completed), 2 usage, 3 bridge/QEMU failure,
      124 timeout.
"""
import argparse
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time


ESP_CLASS = 50  # the link class of raw ESP (--raw-esp): its IP protocol number


def die(code, msg):
    print('bridge: ' + msg, file=sys.stderr)
    sys.exit(code)


def read_psk(path):
    with open(path, 'rb') as f:
        t = f.read().strip()
    if t.startswith(b'0x'):
        return bytes.fromhex(t[2:].decode())
    return t


class Pcap:
    """IPv4/UDP pcap (LINKTYPE_RAW) of what crosses the bridge; ports 500/4500 as the classes."""

    def __init__(self, path, local_ip, peer_ip, raw_ports):
        self.f = open(path + '.tmp', 'wb')
        self.path = path
        self.f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        self.local = socket.inet_aton(local_ip)
        self.peer = socket.inet_aton(peer_ip)
        self.raw = raw_ports
        self.ident = 0

    def write(self, out, sport, dport, data):
        self.write_ip(out, 17, struct.pack('!HHHH', sport, dport, 8 + len(data), 0) + data)

    def write_ip(self, out, proto, udp):
        src, dst = (self.local, self.peer) if out else (self.peer, self.local)
        self.ident = (self.ident + 1) & 0xffff
        hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), self.ident, 0, 64, proto, 0, src, dst)
        s = sum(struct.unpack('!10H', hdr))
        while s > 0xffff:
            s = (s & 0xffff) + (s >> 16)
        hdr = hdr[:10] + struct.pack('!H', ~s & 0xffff) + hdr[12:]
        pkt = hdr + udp
        t = time.time()
        self.f.write(struct.pack('<IIII', int(t), int((t % 1) * 1e6), len(pkt), len(pkt)) + pkt)
        self.f.flush()

    def write_esp(self, out, data):
        """ESP as the device sent or receives it on its radio: IPv4, protocol 50"""
        self.write_ip(out, 50, data)

    def close(self):
        self.f.close()
        os.replace(self.path + '.tmp', self.path)


def parse_keys(p):
    """The 'K' frame of fw/main.c keys_send()."""
    o = 0

    def take(n):
        nonlocal o
        v = p[o:o + n]
        o += n
        return v
    spi_i, spi_r = take(8), take(8)
    el, il, pl, ekl = take(4)
    k = {'spi_i': spi_i.hex(), 'spi_r': spi_r.hex()}
    k['SK_ei'], k['SK_er'] = take(el), take(el)
    k['SK_ai'], k['SK_ar'] = take(il), take(il)
    k['SK_d'], k['SK_pi'], k['SK_pr'] = take(pl), take(pl), take(pl)
    k['spi_out'], k['spi_in'] = struct.unpack('!II', take(8))
    k['ek_out'], k['ek_in'] = take(ekl), take(ekl)
    return k


def write_keys(d, sas, local_ip, peer_ip):
    """Key tables in the shape of minike's --keys (harness/lib/keysfile.h) for what Wireshark 4.0
    can read, and device-keys.txt with every key (ChaCha20-Poly1305 rows Wireshark cannot use,
    SK_d/SK_pi/SK_pr) for interop/charonlog.py compare."""
    os.makedirs(d, exist_ok=True)
    ike, esp, full = [], [], ['# minike device firmware keys, via harness/device/bridge.py']
    for k in sas:
        ike.append('# %s,%s: IKE transform ENCR 28 not decryptable by Wireshark 4.0' % (k['spi_i'], k['spi_r']))
        esp.append('# SPIs 0x%08x/0x%08x: ESP ENCR 28 not decryptable by Wireshark 4.0 ESP' % (k['spi_out'], k['spi_in']))
        full.append('%s,%s,%s,%s,"ChaCha20-Poly1305",%s,%s,"NONE"' % (
            k['spi_i'], k['spi_r'], k['SK_ei'].hex(), k['SK_er'].hex(), k['SK_ai'].hex(), k['SK_ar'].hex()))
        full.append('"IPv4","%s","%s","0x%08x","ChaCha20-Poly1305","0x%s","NULL",""' % (
            local_ip, peer_ip, k['spi_out'], k['ek_out'].hex()))
        full.append('"IPv4","%s","%s","0x%08x","ChaCha20-Poly1305","0x%s","NULL",""' % (
            peer_ip, local_ip, k['spi_in'], k['ek_in'].hex()))
    if sas and sas[0]['SK_d']:
        for n in ('SK_d', 'SK_pi', 'SK_pr'):
            full.append('%s = %s' % (n, sas[0][n].hex()))
    for name, lines in (('ikev2_decryption_table', ike), ('esp_sa', esp), ('device-keys.txt', full)):
        tmp = os.path.join(d, '.' + name + '.tmp')
        with open(tmp, 'w') as f:
            os.fchmod(f.fileno(), 0o600)
            f.write('\n'.join(lines) + '\n')
        os.replace(tmp, os.path.join(d, name))


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split('usage: ')[1].split('exit:')[0])
    ap.add_argument('--fw', required=True)
    ap.add_argument('--peer', required=True)
    ap.add_argument('--natt-port', type=int)
    ap.add_argument('--raw-esp', action='store_true', help='class 50: ESP, carried as ESP-in-UDP')
    ap.add_argument('--psk-file', required=True)
    ap.add_argument('--id', required=True)
    ap.add_argument('--remote-id', required=True)
    ap.add_argument('--tsi', default='10.99.20.0/24')
    ap.add_argument('--tsr', default='10.99.10.0/24')
    ap.add_argument('--inner-src', default='10.99.20.1:40000')
    ap.add_argument('--door', default='10.99.10.1:7777')
    ap.add_argument('--ping')
    ap.add_argument('--cmds', default='OPEN,CLOSE')
    ap.add_argument('--quiet-ms', type=int, default=0)
    ap.add_argument('--wait-ms', type=int, default=15000)
    ap.add_argument('--seed', type=int)
    ap.add_argument('--bind', default='')
    ap.add_argument('--pcap')
    ap.add_argument('--pcap-raw-ports', action='store_true')
    ap.add_argument('--keys')
    ap.add_argument('--icount', action='store_true', help='qemu -icount shift=0 (instruction counts)')
    ap.add_argument('--timeout', type=float, default=120)
    ap.add_argument('--qemu', default=os.environ.get('QEMU', 'qemu-system-arm'))
    a = ap.parse_args()

    if not os.path.isfile(a.fw):
        die(2, '--fw %s: no such firmware (build it with harness/device/build.sh)' % a.fw)
    if shutil.which(a.qemu) is None:
        die(3, '%s not found: install qemu-system-arm (scripts/deps.sh)' % a.qemu)
    host, _, port = a.peer.partition(':')
    ike_port = int(port) if port else 500
    natt_port = a.natt_port or (4500 if ike_port == 500 else ike_port + 1)
    peer_ip = socket.gethostbyname(host)
    try:
        psk = read_psk(a.psk_file)
    except OSError as e:
        die(2, '--psk-file %s: %s' % (a.psk_file, e.strerror))
    if not 16 <= len(psk) <= 256:
        die(2, '--psk-file: the PSK must be 16..256 octets')

    # one UDP socket per port class, as the device's radio gateway
    socks = {}
    for cls in (500, 4500):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((a.bind, 0))
        s.connect((peer_ip, ike_port if cls == 500 else natt_port))
        socks[cls] = s
    local_ip, local_port = socks[500].getsockname()
    dests = {500: ike_port, 4500: natt_port}

    src_ip, _, sport = a.inner_src.partition(':')
    conf = ['psk=' + psk.hex(), 'idi=' + a.id.replace('@', 'fqdn:', 1) if a.id.startswith('@') else 'idi=' + a.id,
            'idr=' + (a.remote_id.replace('@', 'fqdn:', 1) if a.remote_id.startswith('@') else a.remote_id),
            'tsi=' + a.tsi, 'tsr=' + a.tsr, 'src=%s:%s' % (src_ip, sport or '40000'),
            'local=%s:%d' % (local_ip, local_port), 'remote=%s:%d' % (peer_ip, ike_port),
            'force4500=%d' % (ike_port != 500), 'keys=%d' % bool(a.keys),
            'quiet_ms=%d' % a.quiet_ms, 'wait_ms=%d' % a.wait_ms]
    if a.ping:
        conf += ['mode=ping', 'dst=%s:0' % a.ping, 'cmds=PING']
    else:
        conf += ['mode=door', 'dst=' + a.door, 'cmds=' + a.cmds]
    if a.seed is not None:       # = mk_io_drbg_init(seed, 0): seed LE in key[0..8), stream 0
        seed = struct.pack('<Q', a.seed & (2**64 - 1)) + bytes(24)
    else:
        seed = os.urandom(32)

    work = tempfile.mkdtemp(prefix='mk-device.')
    sock_path = os.path.join(work, 'uart0')
    cmd = [a.qemu, '-M', 'mps2-an386', '-display', 'none', '-monitor', 'none',
           '-chardev', 'socket,id=link,path=%s,server=on,wait=on' % sock_path, '-serial', 'chardev:link',
           '-chardev', 'stdio,id=con,signal=off', '-semihosting-config', 'enable=on,target=native,chardev=con',
           '-kernel', a.fw]
    if a.icount:
        cmd += ['-icount', 'shift=0,align=off,sleep=on']
    qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    pcap = Pcap(a.pcap, local_ip, peer_ip, a.pcap_raw_ports) if a.pcap else None
    keys = []
    result = None
    deadline = time.monotonic() + a.timeout

    def stop(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    link = None
    try:
        while link is None:
            if qemu.poll() is not None:
                die(3, 'QEMU exited (%d) before the board came up' % qemu.returncode)
            if time.monotonic() > deadline:
                die(124, 'QEMU did not open its UART socket')
            try:
                link = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                link.connect(sock_path)
            except OSError:
                link = None
                time.sleep(0.05)
        buf = b''
        while result is None:
            left = deadline - time.monotonic()
            if left <= 0:
                die(124, 'timeout after %.0f s: the firmware did not finish' % a.timeout)
            r, _, _ = select.select([link] + list(socks.values()), [], [], min(left, 0.5))
            if qemu.poll() is not None and link not in r:
                break
            for s in r:
                if s is link:
                    data = link.recv(65536)
                    if not data:
                        result = result if result is not None else -1
                        break
                    buf += data
                    continue
                cls = 500 if s is socks[500] else 4500
                try:
                    d = s.recv(65535)
                except ConnectionRefusedError:
                    print('bridge: the peer refused (ICMP port unreachable): is it running?', file=sys.stderr)
                    continue
                if a.raw_esp and cls == 4500:
                    if len(d) < 8 or d[:4] == bytes(4):   # a marker: IKE, which this device never floats
                        print('bridge: non-ESP datagram on the ESP-in-UDP socket dropped', file=sys.stderr)
                        continue
                    if pcap:
                        pcap.write_esp(False, d)
                    link.sendall(struct.pack('!BHH', ord('D'), len(d) + 2, ESP_CLASS) + d)
                    continue
                if pcap:
                    pcap.write(False, dests[cls] if a.pcap_raw_ports else cls, local_port if a.pcap_raw_ports else cls, d)
                link.sendall(struct.pack('!BHH', ord('D'), len(d) + 2, cls) + d)
            while len(buf) >= 3:
                t, n = buf[0], struct.unpack('!H', buf[1:3])[0]
                if len(buf) < 3 + n:
                    break
                p, buf = buf[3:3 + n], buf[3 + n:]
                if t == ord('H'):
                    c = '\n'.join(conf).encode()
                    link.sendall(struct.pack('!BH', ord('S'), 32) + seed)
                    link.sendall(struct.pack('!BH', ord('C'), len(c)) + c)
                elif t == ord('D') and n >= 2:
                    cls = struct.unpack('!H', p[:2])[0]
                    d = p[2:]
                    if cls == ESP_CLASS and a.raw_esp:
                        try:
                            socks[4500].send(d)   # RFC 3948 §2.1: ESP-in-UDP, the SPI first
                        except OSError as e:
                            print('bridge: send to %s:%d failed: %s' % (peer_ip, natt_port, e.strerror), file=sys.stderr)
                        if pcap:
                            pcap.write_esp(True, d)
                        continue
                    s = socks.get(cls)
                    if s is None:
                        print('bridge: datagram for unknown port class %d dropped' % cls, file=sys.stderr)
                        continue
                    try:
                        s.send(d)
                    except OSError as e:
                        print('bridge: send to %s:%d failed: %s' % (peer_ip, dests[cls], e.strerror), file=sys.stderr)
                    if pcap:
                        pcap.write(True, local_port if a.pcap_raw_ports else cls, dests[cls] if a.pcap_raw_ports else cls, d)
                elif t == ord('K'):
                    keys.append(parse_keys(p))
                elif t == ord('X'):
                    result = p[0] if p else 1
        try:
            rc = qemu.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            die(124, 'QEMU did not exit after the firmware finished')
        if result is None or result < 0:
            die(3, 'the firmware stopped without its end frame (QEMU exit %d)' % rc)
        return result if result else rc
    except KeyboardInterrupt:
        return 130
    finally:
        if qemu.poll() is None:
            qemu.terminate()
            try:
                qemu.wait(timeout=3)
            except subprocess.TimeoutExpired:
                qemu.kill()
                qemu.wait()
        if pcap:
            pcap.close()
        if a.keys and keys:
            write_keys(a.keys, keys, local_ip, peer_ip)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
