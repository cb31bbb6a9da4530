#!/usr/bin/env bash
# bench/device.sh: the garage-door firmware measured on the emulated Cortex-M4 (QEMU mps2-an386),
# both images: on the general core (minimal profile + NAT-T) and on the template core (ref/tiny):
#   flash and RAM from the linker map, split into our core / crypto / libc / board / app;
#   stack high-water (painted stack); instructions per handshake (qemu -icount shift=0: one
#   instruction = 1 ns of virtual time, read through SysTick, calibrated by a known loop);
#   energy per button press from those instructions and the bytes on air, every constant below;
#   then the two side by side.
# Usage: bash bench/device.sh [general|tiny|both] [MINIKE]   (default both; MINIKE: the newest
#   build*/minike; builds the firmware into build/device). The template core has no NAT-T, so its
#   run needs UDP 500: a network namespace of its own (root). Prints a report; nothing is
#   asserted (GUIDE: measured, not asserted).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WHICH=both
case "${1:-}" in general|tiny|both) WHICH=$1; shift ;; esac
MINIKE=${1:-$(ls -t build*/minike build/*/minike 2>/dev/null | head -n1 || true)}
[ -x "$MINIKE" ] || { echo "bench/device.sh: no minike binary (build the project first)"; exit 1; }
MINIKE=$(cd "$(dirname "$MINIKE")" && pwd)/$(basename "$MINIKE")
command -v qemu-system-arm >/dev/null || { echo "bench/device.sh: qemu-system-arm missing (scripts/deps.sh)"; exit 77; }
T=$(mktemp -d); RESP_PID=; NS=
trap '[ -n "$RESP_PID" ] && kill $RESP_PID 2>/dev/null; [ -n "$NS" ] && ip netns del $NS 2>/dev/null; rm -rf "$T"' EXIT
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/0x/' > "$T/psk"

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
# run CORE: build the image, run both presses against `minike respond`, into $T/CORE.*
run() {
  local core=$1 fw
  fw=$(harness/device/build.sh --core "$core" "$ROOT/build/device" | tail -n1)
  FW_OF[$core]=$fw
  python3 harness/device/tools/mapsplit.py "${fw%.elf}.map" > "$T/$core.split"
  python3 harness/device/tools/mapsplit.py --kv "${fw%.elf}.map" > "$T/$core.kv"
  local bridge=(python3 harness/device/bridge.py --fw "$fw" --psk-file "$T/psk" --id fqdn:opener.garage.example
                --remote-id fqdn:door.garage.example --cmds OPEN,CLOSE --icount --pcap "$T/$core.pcap"
                --pcap-raw-ports --timeout 120)
  if [ "$core" = tiny ]; then
    # no NAT-T: IKE must reach the responder on UDP 500 (anywhere else it expects the non-ESP
    # marker), so both run in a namespace of their own; ESP goes as protocol 50 (--raw-esp)
    NS=mkdevb$$
    ip netns add $NS && ip netns exec $NS ip link set lo up
    ip netns exec $NS "$MINIKE" respond --listen 127.0.0.1:500 --psk-file "$T/psk" \
      --id fqdn:door.garage.example --travel 1 > "$T/$core.resp" 2>&1 &
    RESP_PID=$!
    for _ in $(seq 100); do grep -qs 'listening on' "$T/$core.resp" && break; sleep 0.05; done
    ip netns exec $NS "${bridge[@]}" --peer 127.0.0.1:500 --raw-esp > "$T/$core.log" 2>&1 ||
      { cat "$T/$core.log"; echo "bench/device.sh: the $core firmware run failed"; exit 1; }
  else
    "$MINIKE" respond --listen 127.0.0.1:0 --psk-file "$T/psk" --id fqdn:door.garage.example \
      --travel 1 > "$T/$core.resp" 2>&1 &
    RESP_PID=$!
    for _ in $(seq 100); do grep -qs 'listening on' "$T/$core.resp" && break; sleep 0.05; done
    set -- $(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (IKE) and 127\.0\.0\.1:\([0-9]*\) (NAT-T).*/\1 \2/p' "$T/$core.resp")
    "${bridge[@]}" --peer "127.0.0.1:$1" --natt-port "$2" > "$T/$core.log" 2>&1 ||
      { cat "$T/$core.log"; echo "bench/device.sh: the $core firmware run failed"; exit 1; }
  fi
  kill $RESP_PID 2>/dev/null; wait $RESP_PID 2>/dev/null || true; RESP_PID=
  [ -n "$NS" ] && ip netns del $NS; NS=
  report "$core"
}

# report CORE: the figures of one run, and $T/CORE.sum (key=value) for the comparison
report() {
python3 - "$1" "$T/$1.split" "$T/$1.kv" "$T/$1.log" "$T/$1.pcap" "${FW_OF[$1]}" "$T/$1.sum" <<'PY'
import math, re, struct, subprocess, sys
core, split, kvf, log, pcap, fw, sumf = sys.argv[1:]
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
# message ID 0 and a zero responder SPI starts a press). UDP (IKE; ESP-in-UDP on 4500) or, from
# the template-core image, ESP as IP protocol 50: then the first ESP packet of a press is the
# device's (it sends the command first) and its SPI marks the device's direction.
dg = []
with open(pcap, 'rb') as f:
    f.read(24)
    while True:
        h = f.read(16)
        if len(h) < 16: break
        n = struct.unpack('<IIII', h)[2]
        dg.append(f.read(n))
dev = dg[0][12:16] + dg[0][20:22]   # the device's socket sent the very first datagram
groups = []
for p in dg:
    if p[9] == 50:
        g = groups[-1]
        if g['dev_spi'] is None: g['dev_spi'] = p[20:24]
        g['d'].append((p[20:24] == g['dev_spi'], len(p) - 20, 20))
        continue
    tx = p[12:16] + p[20:22] == dev
    u = p[28:]
    off = 4 if len(u) >= 4 and u[:4] == b'\0\0\0\0' else 0   # IKE on 4500 has the marker
    if tx and len(u) >= off + 28 and u[off + 18] == 34 and u[off + 8:off + 16] == bytes(8) and \
            u[off + 20:off + 24] == bytes(4) and (not groups or groups[-1]['d'][-1][0] is False):
        groups.append({'dev_spi': None, 'd': []})
    groups[-1]['d'].append((tx, len(u), 28))
groups = [g['d'] for g in groups]
FRAME_PAYLOAD, FRAME_OVERHEAD, IPUDP = 102, 25 + 6, 28
def air(ln, hdr):   # hdr: IPv4 + UDP (28), or IPv4 alone for ESP as protocol 50 (20)
    l3 = ln + hdr
    return l3 + math.ceil(l3 / FRAME_PAYLOAD) * FRAME_OVERHEAD
V, F_CPU, I_CPU, CPI = 3.0, 64e6, 3.3e-3, 1.25
I_TX, I_RX, RATE = 4.8e-3, 4.6e-3, 250e3
nj_tx, nj_rx = V * I_TX / RATE * 1e9, V * I_RX / RATE * 1e9
if core == 'tiny':
    print('== minike garage-door firmware on the TEMPLATE core (ref/tiny), QEMU mps2-an386 (Cortex-M4, Thumb-2, -Os, newlib-nano)')
    print('   crypto: libsodium 1.0.18 alone (no mbedTLS: no NAT-D, no SHA-1); IKE/ESP chacha20poly1305 + prfsha256 + x25519,')
    print('   PSK; IKE on UDP 500, ESP as IP protocol 50 (the bridge carries it in UDP); X25519 public key by the ladder (--wrap)')
else:
    print('== minike garage-door firmware on the general core, QEMU mps2-an386 (Cortex-M4, Thumb-2, -Os, newlib-nano)')
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
print('   app RAM holds: %s (the IKE SA, core state) %d, mbedTLS static pool %d, link frame +'
      ' ESP buffers %d, %s %d, provisioning %d' % ('mt_ike' if core == 'tiny' else 'mk_ike', sym.get('ike', 0), sym.get('pool', 0),
      sym.get('frame', 0) + sym.get('pkt', 0), 'mt_config' if core == 'tiny' else 'mk_config',
      sym.get('cfg', 0), sym.get('prov', 0)))
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
print('  press  handshake insns  press insns  dgrams tx/rx  payload B tx/rx  air B tx/rx  CPU mJ  radio mJ  total mJ')
tot = {'hs': 0, 'cpu': 0.0, 'rad': 0.0, 'air': 0}
for d, g in zip(presses, groups):
    hi, pi = int(d['handshake_insns']), int(d['press_insns'])
    tx = [(l, h) for t, l, h in g if t]; rx = [(l, h) for t, l, h in g if not t]
    atx, arx = sum(air(l, h) for l, h in tx), sum(air(l, h) for l, h in rx)
    e_cpu = pi * CPI / F_CPU * V * I_CPU * 1e3
    e_rad = (atx * 8 * nj_tx + arx * 8 * nj_rx) * 1e-6
    tot['hs'] += hi; tot['cpu'] += e_cpu; tot['rad'] += e_rad; tot['air'] += atx + arx
    print('  %-5s  %15d  %11d  %5d/%-5d  %7d/%-7d  %5d/%-5d  %6.3f  %8.3f  %8.3f' % (
        d['press'], hi, pi, len(tx), len(rx), sum(l for l, _ in tx), sum(l for l, _ in rx), atx, arx,
        e_cpu, e_rad, e_cpu + e_rad))
np = max(len(presses), 1)
with open(sumf, 'w') as f:
    for k in ('flash_core', 'flash_crypto_libsodium', 'flash_crypto_mbedtls', 'flash_libc'):
        f.write('%s=%d\n' % (k, kv[k]))
    f.write('flash_board_app=%d\n' % (kv['flash_board'] + kv['flash_app'] + kv['flash_pad'] + kv['flash_other']))
    f.write('flash_total=%d\nram_total=%d\nike=%d\nstack=%s\n' % (kv['flash_total'], kv['ram_total'], sym.get('ike', 0), met['stack_high_water']))
    f.write('insns=%d\nair=%d\ncpu_mj=%.3f\nradio_mj=%.3f\n' % (tot['hs'] // np, tot['air'] // np, tot['cpu'] / np, tot['rad'] / np))
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
}

declare -A FW_OF
case $WHICH in
  general) run general ;;
  tiny) run tiny ;;
  both)
    run general; echo
    if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then run tiny; echo
    else echo "-- template core: not measured (its run needs root for a network namespace with UDP 500)"; fi ;;
esac
[ -f "$T/general.sum" ] && [ -f "$T/tiny.sum" ] || exit 0
python3 - "$T/general.sum" "$T/tiny.sum" <<'PY'
import sys
g, t = ({k: v for k, v in (l.strip().split('=') for l in open(f))} for f in sys.argv[1:])
rows = [('flash: core', 'flash_core'), ('flash: libsodium', 'flash_crypto_libsodium'),
        ('flash: mbedTLS', 'flash_crypto_mbedtls'), ('flash: libc (newlib-nano, libgcc)', 'flash_libc'),
        ('flash: board + app + pad', 'flash_board_app'), ('flash total', 'flash_total'),
        ('RAM (data + bss, stack not counted)', 'ram_total'), ('sizeof(mk_ike) / sizeof(mt_ike)', 'ike'),
        ('stack high-water', 'stack'), ('instructions per handshake (mean)', 'insns'),
        ('air octets per press (both ways)', 'air'), ('energy per press: CPU mJ', 'cpu_mj'),
        ('energy per press: radio mJ', 'radio_mj')]
print('== side by side: general core (minimal + NAT-T) vs template core (ref/tiny)')
print('  %-38s %12s %12s %12s' % ('', 'general', 'template', 'difference'))
for name, k in rows:
    a, b = float(g[k]), float(t[k])
    fmt = '%12.3f' if '.' in g[k] else '%12d'
    print('  %-38s ' % name + (fmt % a) + ' ' + (fmt % b) + ' ' + (('%+12.3f' if '.' in g[k] else '%+12d') % (b - a)))
PY
