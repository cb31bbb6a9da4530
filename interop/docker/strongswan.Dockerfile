# strongSwan (charon-systemd with kernel-libipsec, configured per scenario by interop/scenario-lib.sh
# in a bind-mounted work directory): the responder of minike-strongswan, minike-strongswan-rpk and
# perl-strongswan, the initiator of strongswan-minike (the same packages serve both roles).
ARG BASE=debian:bookworm
FROM ${BASE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      charon-systemd strongswan-swanctl strongswan-pki libstrongswan-standard-plugins \
      libstrongswan-extra-plugins libcharon-extra-plugins \
      iproute2 iputils-ping tcpdump procps python3 >/dev/null && rm -rf /var/lib/apt/lists/*
CMD ["sleep", "infinity"]
