#!/usr/bin/env bash
# Install what minike needs on Debian 12 (as root, or with sudo). Idempotent and quiet when done.
set -euo pipefail
# One group a line (or one package a line) so that additions merge cleanly.
PKGS=(
  # build (scripts/demo.sh, scripts/test.sh)
  build-essential cmake pkg-config git
  libsodium-dev libmbedtls-dev libcriterion-dev libpcap-dev
  # clang build, libFuzzer, coverage; bench's Cortex-M size figures
  clang-14 libclang-rt-14-dev llvm-14 gcc-arm-none-eabi libnewlib-arm-none-eabi
  # the garage-door firmware on an emulated Cortex-M4 (harness/device)
  qemu-system-arm
  # bench/run: instruction counts (callgrind)
  valgrind
  # style step of scripts/test.sh
  clang-format
  cppcheck
  # captures, namespaces, processes (interop/, harness/clitests)
  tshark tcpdump iproute2 iputils-ping procps
  # strongSwan peer (interop/strongswan, interop/perl)
  strongswan-swanctl charon-systemd strongswan-pki
  libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins
  # libreswan: interop/libreswan/fetch.sh unpacks pluto with dpkg -x (the package conflicts with
  # strongSwan); these are its run-time Depends (apt-cache depends libreswan) that strongSwan does not pull
  libunbound8 libldns3 libnss3 libnss3-tools libnspr4 libcurl3-nss libevent-core-2.1-7
  libevent-pthreads-2.1-7 libldap-2.5-0 libcap-ng0 libaudit1 libpam0g libselinux1 dns-root-data
  # Perl initiator, seed corpora, key checks
  perl libcryptx-perl zip unzip openssl python3 python3-cryptography
  # interop/docker, scripts/bare-check.sh, fuzz/oss-fuzz/run-in-docker.sh
  docker.io docker-compose debootstrap
)
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
