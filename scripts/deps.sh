#!/usr/bin/env bash
# Install what minike needs on Debian 12 (as root, or with sudo). Idempotent and quiet when done.
set -euo pipefail
PKGS=(build-essential cmake pkg-config git
      libsodium-dev libmbedtls-dev libcriterion-dev libpcap-dev
      clang-14 libclang-rt-14-dev llvm-14 gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
      tshark tcpdump iproute2 iputils-ping procps
      strongswan-swanctl charon-systemd strongswan-pki
      libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins
      perl libcryptx-perl zip unzip openssl python3 python3-cryptography valgrind)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing ${missing[*]}"
$SUDO apt-get update -qq
# wireshark-common asks a debconf question otherwise; package scripts may not start services.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
