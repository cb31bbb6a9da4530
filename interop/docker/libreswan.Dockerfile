# libreswan (pluto), installed normally: in its own container it does not meet strongSwan's
# packages it conflicts with. Responder of minike-libreswan.
ARG BASE=debian:bookworm
FROM ${BASE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libreswan libnss3-tools iproute2 iputils-ping tcpdump procps >/dev/null && rm -rf /var/lib/apt/lists/*
CMD ["sleep", "infinity"]
