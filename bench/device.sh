#!/usr/bin/env bash
# bench/device.sh: the garage-door firmware measured on the emulated Cortex-M4 (QEMU mps2-an386):
#   flash and RAM from the linker map, split into our core / crypto / libc / board / app;
#   stack high-water (painted stack); instructions per handshake (qemu -icount shift=0: one
#   instruction = 1 ns of virtual time, read through SysTick, calibrated by a known loop);
#   energy per button press from those instructions and the bytes on air, every constant below.
# Usage: bash bench/device.sh [MINIKE]   (default: the newest build*/minike; builds the firmware
#   into build/device). Prints a report; nothing is asserted (GUIDE: measured, not asserted).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MINIKE=${1:-$(ls -t build*/minike build/*/minike 2>/dev/null | head -n1 || true)}
[ -x "$MINIKE" ] || { echo "bench/device.sh: no minike binary (build the project first)"; exit 1; }
command -v qemu-system-arm >/dev/null || { echo "bench/device.sh: qemu-system-arm missing (scripts/deps.sh)"; exit 77; }
FW=$(harness/device/build.sh "$ROOT/build/device" | tail -n1)
MAP=${FW%.elf}.map
T=$(mktemp -d); RESP_PID=
trap '[ -n "$RESP_PID" ] && kill $RESP_PID 2>/dev/null; rm -rf "$T"' EXIT

# ---- constants (energy model) -------------------------------------------------------------------
# Source of the three currents: Nordic's nRF52840 datasheet (Product Specification) figures as
#   reproduced in a third-party table, NOT checked against Nordic's PDF here: CPU (Cortex-M4F)
#   at 64 MHz with the DC/DC regulator, about 3.2-3.3 mA at 3 V (3.3 mA used, the upper end);
#   radio RX 4.6 mA and TX at 0 dBm 4.8 mA, both for the 1 Mbps BLE PHY with DC/DC.
# Assumption: those BLE-PHY currents are applied to an IEEE 802.15.4-style radio at 250 kbit/s
#   (O-QPSK, 2.4 GHz); the chip's 802.15.4 mode may draw somewhat differently. At 250 kbit/s
#   an octet takes 4x the air time of BLE 1 Mbps, which is what makes the radio column large.
# CPI: 1.25 cycles per instruction, our assumption for this integer/multiply-heavy code from flash
#   with the cache on (the M4 executes most ALU and MUL/UMULL instructions in 1 cycle, loads 2,
#   taken branches 2-4); the figure scales linearly with it.
# Framing: RFC 4944 section 1: an 802.15.4 frame carries at most 127 octets of which up to 25
#   are MAC overhead, leaving 102; each frame also has a 6-octet PHY header (SHR 5 + PHR 1,
#   IEEE 802.15.4-2006 section 6.3). IPv4 + UDP headers (28 octets) are sent uncompressed
#   (6LoWPAN header compression would save most of them). Waiting with the receiver on
#   (idle listening), link-layer ACKs and retries are NOT counted: they depend on the network.
# Everything scales linearly, so a corrected constant rescales its column.
python3 harness/device/tools/mapsplit.py "$MAP" > "$T/split.txt"
python3 harness/device/tools/mapsplit.py --kv "$MAP" > "$T/split.kv"

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/0x/' > "$T/psk"
"$MINIKE" respond --listen 127.0.0.1:0 --psk-file "$T/psk" --id fqdn:door.garage.example \
  --travel 1 > "$T/resp.log" 2>&1 &
RESP_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$T/resp.log" && break; sleep 0.05; done
set -- $(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (IKE) and 127\.0\.0\.1:\([0-9]*\) (NAT-T).*/\1 \2/p' "$T/resp.log")
python3 harness/device/bridge.py --fw "$FW" --peer "127.0.0.1:$1" --natt-port "$2" --psk-file "$T/psk" \
  --id fqdn:opener.garage.example --remote-id fqdn:door.garage.example --cmds OPEN,CLOSE \
  --icount --pcap "$T/dev.pcap" --pcap-raw-ports --timeout 120 > "$T/dev.log" 2>&1 ||
  { cat "$T/dev.log"; echo "bench/device.sh: the firmware run failed"; exit 1; }

python3 - "$T/split.txt" "$T/split.kv" "$T/dev.log" "$T/dev.pcap" "$FW" <<'PY'
import math, re, struct, subprocess, sys
split, kvf, log, pcap, fw = sys.argv[1:]
kv = {}
for line in open(kvf):
    for t in line.split():
        k, v = t.split('='); kv[k] = int(v)
met = {}
presses = []
for line in open(log):
    if line.startswith('metric '):
        d = dict(t.split('=') for t in line.split()[1:])
        if 'press' in d: presses.append(d)
        else: met.update(d)
# datagrams per press and direction from the bridge's capture (a new IKE_SA_INIT request with
# message ID 0 and a zero responder SPI starts a press)
dg = []
with open(pcap, 'rb') as f:
    f.read(24)
    while True:
        h = f.read(16)
        if len(h) < 16: break
        n = struct.unpack('<IIII', h)[2]
        p = f.read(n)
        dg.append((p, len(p) - 28))
# direction: the device's socket is the source of the very first datagram
dev = dg[0][0][12:16] + dg[0][0][20:22]
groups = []
for p, ln in dg:
    tx = p[12:16] + p[20:22] == dev
    u = p[28:]
    off = 4 if len(u) >= 4 and u[:4] == b'\0\0\0\0' else 0   # IKE on 4500 has the marker
    if tx and off == 4 and len(u) >= off + 28 and u[off + 18] == 34 and u[off + 8:off + 16] == bytes(8):
        groups.append([])
    groups[-1].append((tx, ln))
FRAME_PAYLOAD, FRAME_OVERHEAD, IPUDP = 102, 25 + 6, 28
def air(ln):
    l3 = ln + IPUDP
    return l3 + math.ceil(l3 / FRAME_PAYLOAD) * FRAME_OVERHEAD
V, F_CPU, I_CPU, CPI = 3.0, 64e6, 3.3e-3, 1.25
I_TX, I_RX, RATE = 4.8e-3, 4.6e-3, 250e3
nj_tx, nj_rx = V * I_TX / RATE * 1e9, V * I_RX / RATE * 1e9
print('== minike garage-door firmware on QEMU mps2-an386 (Cortex-M4, Thumb-2, -Os, newlib-nano)')
print('   crypto: libsodium 1.0.18 (+ mbedTLS 2.28.3 for what libsodium lacks) from the Debian source packages; IKE/ESP')
print('   chacha20poly1305 + prfsha256 + x25519, PSK; core built %s' % open('harness/device/Makefile').read().split('CORE_DEFS := ')[1].split('\n')[0])
print()
print('-- flash and RAM from the linker map (%s):' % fw.replace('.elf', '.map'))
print(open(split).read(), end='')
nm = subprocess.run(['arm-none-eabi-nm', '-S', '-t', 'd', fw], capture_output=True, text=True).stdout
sym = {}
for l in nm.split('\n'):
    t = l.split()
    if len(t) == 4: sym[t[3]] = int(t[1])
print('   app RAM holds: mk_ike (the IKE SA, core state) %d, mbedTLS static pool %d, link frame +'
      ' ESP buffers %d, mk_config %d, provisioning %d' % (sym.get('ike', 0), sym.get('pool', 0),
      sym.get('frame', 0) + sym.get('pkt', 0), sym.get('cfg', 0), sym.get('prov', 0)))
mbed = sorted(k for k in sym if k.startswith('mbedtls_') and k != 'mbedtls_platform_zeroize')
print('   mbedTLS functions linked: %d (%s)' % (len(mbed), ', '.join(mbed[:8]) + (' ...' if len(mbed) > 8 else '')))
print('   flash objects the minimal image must not carry (0 = absent): libsodium Ed25519 base table %d'
      ' (crypto_scalarmult_base), SHA-512 %d, mbedTLS AES tables %d, mbedTLS bignum %d' % (
      sym.get('base.3', 0), sym.get('SHA512_Transform', 0), sym.get('FT0', 0) + sym.get('RT0', 0),
      sym.get('mbedtls_mpi_mul_mpi', 0)))
print('   Contiki-IPsec (IKEv2 with ECC, published): ~26.5 kB ROM; our core alone: %d B flash'
      % kv['flash_core'])
print()
print('-- stack (painted at reset, read after the last press): %s of %s B' % (met['stack_high_water'], met['stack_size']))
if met['mbedtls_pool_size'] == '0':
    print('-- heap: _sbrk calls %s (no heap); no mbedTLS pool linked (nothing that allocates)' % met['sbrk_calls'])
else:
    print('-- heap: _sbrk calls %s (no heap); mbedTLS pool high-water %s of %s B' % (met['sbrk_calls'], met['mbedtls_pool_max'], met['mbedtls_pool_size']))
print('-- counter calibration: %s instructions counted for a loop of %s' % (met['calib_insns'], met['calib_expected']))
print()
print('-- per press (instructions: inside the core and crypto only, not the UART polling loop)')
print('  press  handshake insns  press insns  dgrams tx/rx  UDP B tx/rx  air B tx/rx  CPU mJ  radio mJ  total mJ')
for d, g in zip(presses, groups):
    hi, pi = int(d['handshake_insns']), int(d['press_insns'])
    tx = [l for t, l in g if t]; rx = [l for t, l in g if not t]
    atx, arx = sum(air(l) for l in tx), sum(air(l) for l in rx)
    e_cpu = pi * CPI / F_CPU * V * I_CPU * 1e3
    e_rad = (atx * 8 * nj_tx + arx * 8 * nj_rx) * 1e-6
    print('  %-5s  %15d  %11d  %5d/%-5d  %5d/%-5d  %5d/%-5d  %6.3f  %8.3f  %8.3f' % (
        d['press'], hi, pi, len(tx), len(rx), sum(tx), sum(rx), atx, arx, e_cpu, e_rad, e_cpu + e_rad))
print()
print('   energy constants: CPU %.1f mA at %.1f V, %d MHz, CPI %.2f (%.2f nJ/instruction);'
      ' radio TX %.1f mA / RX %.1f mA at %d kbit/s = %.1f / %.1f nJ/bit; frames of %d B payload'
      ' + %d B overhead; IPv4+UDP %d B uncompressed; idle listening not counted.' % (
      I_CPU * 1e3, V, F_CPU / 1e6, CPI, CPI / F_CPU * V * I_CPU * 1e9, I_TX * 1e3, I_RX * 1e3,
      RATE / 1e3, nj_tx, nj_rx, FRAME_PAYLOAD, FRAME_OVERHEAD, IPUDP))
print('   sources: nRF52840 datasheet currents via a third-party table (not checked against the PDF;'
      ' BLE 1 Mbps PHY currents applied to an 802.15.4 radio: an assumption); RFC 4944 sec. 1'
      ' (102 B per 802.15.4 frame); IEEE 802.15.4-2006 sec. 6.3 (6 B PHY header).')
PY
