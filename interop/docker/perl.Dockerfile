# The seed's Perl initiator rebuilt (interop/perl/minike-init.pl, bind-mounted from the tree at run
# time): Perl with CryptX. Initiator of perl-strongswan.
ARG BASE=debian:bookworm
FROM ${BASE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      perl libcryptx-perl iproute2 iputils-ping tcpdump procps python3 >/dev/null && rm -rf /var/lib/apt/lists/*
CMD ["sleep", "infinity"]
