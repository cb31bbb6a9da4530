#!/usr/bin/perl
# SPDX-License-Identifier: MIT
#
# minike-init.pl: a minimal IKEv2 initiator (RFC 7815) in Perl, rebuilt from the shape of Tero
# Kivinen's 2011 prototype ("less than a day, less than 1000 lines of perl"): IKE_SA_INIT
# (X25519, ChaCha20-Poly1305 or AES-GCM-16, PRF-HMAC-SHA2-256), NAT-D notifies, COOKIE retry,
# the move to UDP 4500 with the non-ESP marker, IKE_AUTH with a pre-shared key or a raw RSA or
# Ed25519 key (RFC 7427 signatures, or RSA PKCS#1 v1.5 with SHA-1; our key as CERT encoding 15,
# RFC 7670), verification of the responder's AUTH (PSK or its pinned public key), prf+ for the
# IKE and IPsec keys, then one ICMP echo request through ESP in UDP (tunnel mode) and a check of the decrypted echo reply. It is an independent second
# implementation for interop and differential tests of the C library; it is not hardened
# (secrets stay in Perl strings) and must never be used to protect real traffic.
#
# usage: minike-init.pl --peer ADDR --psk SECRET|--key F --peer-key F --id fqdn:NAME --tsi CIDR
#                       --tsr CIDR [--ping ADDR] [--print-keys] [-v]   (see --help)
use strict;
use warnings;
use Socket qw(:DEFAULT inet_aton inet_ntoa);
use Time::HiRes ();
use Getopt::Long qw(:config no_ignore_case);
use Crypt::PK::X25519;
use Crypt::PK::RSA;
use Crypt::PK::Ed25519;
use Crypt::AuthEnc::ChaCha20Poly1305
  qw(chacha20poly1305_encrypt_authenticate chacha20poly1305_decrypt_verify);
use Crypt::AuthEnc::GCM qw(gcm_encrypt_authenticate gcm_decrypt_verify);
use Crypt::Mac::HMAC qw(hmac);
use Crypt::Digest::SHA1 qw(sha1);
use Crypt::PRNG qw(random_bytes);

# ---- IANA numbers (RFC 7296 section 3 and the IKEv2 registries) --------------------------
use constant {
    IKE_SA_INIT => 34, IKE_AUTH => 35, CREATE_CHILD_SA => 36, INFORMATIONAL => 37,
    F_INITIATOR => 0x08, F_RESPONSE => 0x20,
    PT_SA => 33, PT_KE => 34, PT_IDI => 35, PT_IDR => 36, PT_CERT => 37, PT_CERTREQ => 38,
    PT_AUTH => 39, PT_NONCE => 40, AUTH_RSA => 1, AUTH_DS => 14, CERT_RAW_KEY => 15,
    PT_N => 41, PT_D => 42, PT_TSI => 44, PT_TSR => 45, PT_SK => 46,
    ENCR_AES_GCM_16 => 20, ENCR_CHACHA20_POLY1305 => 28, PRF_HMAC_SHA2_256 => 5,
    DH_X25519 => 31, AUTH_PSK => 2,
    N_COOKIE => 16390, N_NATD_SRC => 16388, N_NATD_DST => 16389, N_INITIAL_CONTACT => 16384,
    N_INVALID_KE => 17, N_NO_ADDITIONAL_SAS => 35, N_SIG_HASH => 16431,
};
# RFC 7427 AlgorithmIdentifier DER: sha256WithRSAEncryption (hash 2 = SHA2-256), Ed25519 (RFC
# 8420: hash 5 = Identity)
my %SIG_ALG = (rsa => [2, pack('H*', '300d06092a864886f70d01010b0500')],
               ed25519 => [5, pack('H*', '300506032b6570')]);
my %ID_TYPE = (ipv4 => 1, fqdn => 2, email => 3, rfc822 => 3, keyid => 11);
my %ENCR = (chacha => [ENCR_CHACHA20_POLY1305, 0], gcm256 => [ENCR_AES_GCM_16, 256],
            gcm128 => [ENCR_AES_GCM_16, 128]);
my %NOTIFY_NAME = (1 => 'UNSUPPORTED_CRITICAL_PAYLOAD', 4 => 'INVALID_IKE_SPI',
    5 => 'INVALID_MAJOR_VERSION', 7 => 'INVALID_SYNTAX', 9 => 'INVALID_MESSAGE_ID',
    14 => 'NO_PROPOSAL_CHOSEN', 17 => 'INVALID_KE_PAYLOAD', 24 => 'AUTHENTICATION_FAILED',
    34 => 'SINGLE_PAIR_REQUIRED', 35 => 'NO_ADDITIONAL_SAS', 36 => 'INTERNAL_ADDRESS_FAILURE',
    37 => 'FAILED_CP_REQUIRED', 38 => 'TS_UNACCEPTABLE', 39 => 'INVALID_SELECTORS',
    43 => 'TEMPORARY_FAILURE');
my $MARKER = "\0\0\0\0";    # non-ESP marker, RFC 3948 section 2.2

# ---- Init/Configuration ------------------------------------------------------------------
our %opt = (port => 500, ike => 'chacha,gcm256', esp => 'chacha,gcm256', timeout => 1,
           'max-timeout' => 10, retries => 6, 'natt-sport' => 4500, natt => 1,
           'ping-count' => 3, delete => 1, 'initial-contact' => 1, 'max-cookies' => 4,
           'sig-hash' => 1);
our($psk, $mykey, $peerkey, @ike_suites, @esp_suites, %F);
main() unless caller;    # a test may `require` this file and call the helpers

sub main {
    GetOptions(\%opt, 'peer=s', 'port=i', 'local=s', 'sport=i', 'natt-sport=i', 'natt!',
        'marker!', 'psk=s', 'psk-file=s', 'key=s', 'peer-key=s', 'sig-hash!', 'send-cert!', 'id=s',
        'peer-id=s', 'tsi=s', 'tsr=s', 'ping=s',
        'ping-src=s', 'ping-count=i', 'ike=s', 'esp=s', 'spi=s', 'esp-spi=s', 'nonce=s',
        'dh-priv=s', 'print-keys', 'print-msgs', 'init-only', 'delete!', 'initial-contact!', 'send-idr',
        'timeout=f', 'max-timeout=f', 'retries=i', 'max-cookies=i', 'check-auth-req=s',
        'fault=s', 'verbose|v+', 'help|h') or usage(2);
    # test-only misbehaviour for `minike check`'s proof that each case can fail (faults.md)
    %F = map { $_ => 1 } split /,/, $opt{fault} // '';
    $opt{'sig-hash'} = 0 if $F{'no-sig-hash'};    # raw keys: no N(SIGNATURE_HASH_ALGORITHMS)
    usage(0) if $opt{help};
    my $p = defined $opt{psk} || $opt{'psk-file'};    # a PSK for each side that has no key
    die "--peer, --id, and --psk/--psk-file or --key and --peer-key are required (see --help)\n"
      unless $opt{peer} && $opt{id} && ($p || $opt{key}) && ($p || $opt{'peer-key'});
    ($mykey, $peerkey) = map { $opt{$_} ? load_key($opt{$_}) : undef } 'key', 'peer-key';
    die "--key: not a private key\n" if $mykey && !$mykey->is_private;
    $psk = $opt{psk};
    if (!defined $psk && $opt{'psk-file'}) {
        open(my $fh, '<', $opt{'psk-file'}) or die "$opt{'psk-file'}: $!\n";
        local $/;
        $psk = <$fh>;
        $psk =~ s/\r?\n\z//;
    }
    @ike_suites = map { $ENCR{$_} // die "unknown IKE cipher '$_'\n" } split /,/, $opt{ike};
    @esp_suites = map { $ENCR{$_} // die "unknown ESP cipher '$_'\n" } split /,/, $opt{esp};

    my $ikev2 = {
        ipaddr => inet_aton($opt{peer}) // die("bad peer address\n"), port => $opt{port},
        timeout => $opt{timeout}, max_timeout => $opt{'max-timeout'}, retries => $opt{retries},
        marker => ($opt{marker} || $opt{port} != 500) ? 1 : 0,
        spi_i => hex_opt('spi', 8) // generate_random(undef, 8), spi_r => "\0" x 8,
        ni => hex_opt('nonce') // generate_random(undef, 32),
        esp_spi_in => hex_opt('esp-spi', 4) // generate_random(undef, 4),
        idi => parse_id($opt{id}), idr => $opt{'peer-id'} ? parse_id($opt{'peer-id'}) : undef,
    };
    die "nonce must be 16..256 octets (RFC 7296 3.9)\n"
      if length($ikev2->{ni}) < 16 || length($ikev2->{ni}) > 256;
    $ikev2->{dh} = Crypt::PK::X25519->new;
    $ikev2->{dh}->import_key_raw(hex_opt('dh-priv', 32) // generate_random($ikev2, 32), 'private');
    @$ikev2{qw(tsi_start tsi_end)} = parse_cidr($opt{tsi} // '0.0.0.0/0');
    @$ikev2{qw(tsr_start tsr_end)} = parse_cidr($opt{tsr} // '0.0.0.0/0');
    $| = 1;

    open_socket($ikev2, $opt{local} ? inet_aton($opt{local}) // die("bad --local\n") : undef,
                $opt{sport} // 0);
    my $ok = eval { run($ikev2); 1 };
    if (!$ok) { print "FAIL: $@"; exit 1; }
    exit 0;
}

sub usage {
    print STDERR <<"EOF";
usage: $0 --peer ADDR --psk SECRET|--psk-file F --id TYPE:VALUE --tsi CIDR --tsr CIDR [options]
  --port N            responder port (500: start there, move to 4500 after NAT-D; other: use
                      the non-ESP marker from the start and stay on N)
  --local ADDR --sport N   bind address / source port for IKE_SA_INIT (default: any / ephemeral)
  --natt-sport N      source port after the move to 4500 (default 4500, 0: ephemeral)
  --no-natt           no NAT-D notifies and no move to 4500   --marker  force the marker
  --key FILE          authenticate with this RSA or Ed25519 private key (PEM/DER, PKCS#1/PKCS#8)
                      instead of the PSK: AUTH method 14 (RFC 7427) if the responder announced
                      the hash (SHA2-256 for RSA, Identity for Ed25519), else 1 (RSA, SHA-1)
  --peer-key FILE     the responder's public key (SPKI PEM/DER): it must sign its AUTH with it
                      (without it, the responder's AUTH must be PSK)
  --no-sig-hash       do not send N(SIGNATURE_HASH_ALGORITHMS) (forces RSA method 1)
  --send-cert         send our public key as CERT encoding 15 (RFC 7670); default: only if the
                      responder sent CERTREQ(15); --no-send-cert never
  --id TYPE:VALUE     our ID: fqdn:NAME, email:USER\@DOM, keyid:TEXT or keyid:0xHEX
  --peer-id TYPE:VAL  require the responder to use this ID (--send-idr: also send it as IDr)
  --ike LIST --esp LIST   proposals in order, from chacha, gcm256, gcm128 (default chacha,gcm256)
  --ping ADDR [--ping-src ADDR] [--ping-count N]   ICMP echo through the child SA
  --spi HEX --esp-spi HEX --nonce HEX --dh-priv HEX   fixed inputs (deterministic runs)
  --print-keys        print SKEYSEED, SK_*, KEYMAT as "name = hex" lines; --print-msgs the messages
  --init-only         stop after IKE_SA_INIT; --no-delete: keep the IKE SA (no Delete at the end)
  --check-auth-req HEX  decrypt another initiator's IKE_AUTH request for this same IKE_SA_INIT
                      exchange (differential tests) and check its AUTH
  --timeout S --max-timeout S --retries N   retransmission: first timeout, cap, tries
  -v                  hex dumps of every datagram (-vv: payload lists too)
EOF
    exit $_[0];
}

sub hex_opt {    # fixed value from a hex option, or undef
    my($name, $len) = @_;
    return undef unless defined $opt{$name};
    (my $h = $opt{$name}) =~ s/^0x//;
    die "--$name: want " . ($len ? "$len octets of " : '') . "hex\n"
      if $h !~ /^([0-9a-fA-F]{2})+$/ || ($len && length($h) != 2 * $len);
    return pack('H*', $h);
}

sub parse_id {
    my($s) = @_;
    my($type, $val) = $s =~ /^(\w+):(.*)$/ or die "ID '$s': want TYPE:VALUE\n";
    die "ID type '$type' unknown\n" unless $ID_TYPE{$type};
    $val = pack('H*', $1) if $type eq 'keyid' && $val =~ /^0x([0-9a-fA-F]+)$/;
    $val = inet_aton($val) if $type eq 'ipv4';
    return pack('Cx3', $ID_TYPE{$type}) . $val;    # RestOfIDPayload: type | RESERVED | data
}

sub load_key {    # PEM or DER file -> Crypt::PK::RSA or Crypt::PK::Ed25519 object
    my($file) = @_;
    die "$file: $!\n" unless -r $file;
    for my $class ('Crypt::PK::RSA', 'Crypt::PK::Ed25519') {
        my $k = eval { $class->new($file) };
        return $k if $k;
    }
    die "$file: not an RSA or Ed25519 key\n";
}

sub key_alg { return $_[0]->isa('Crypt::PK::RSA') ? 'rsa' : 'ed25519'; }

sub spki { return $_[0]->export_key_der(key_alg($_[0]) eq 'rsa' ? 'public_x509' : 'public'); }

sub parse_cidr {    # "a.b.c.d/n" -> (start, end) as 4-octet strings
    my($s) = @_;
    my($a, $n) = $s =~ m{^([\d.]+)(?:/(\d+))?$} or die "bad CIDR '$s'\n";
    $n //= 32;
    my $ip = unpack('N', inet_aton($a) // die "bad address '$a'\n");
    my $mask = $n ? (0xffffffff << (32 - $n)) & 0xffffffff : 0;
    return (pack('N', $ip & $mask), pack('N', ($ip & $mask) | (~$mask & 0xffffffff)));
}

# ---- the exchanges -----------------------------------------------------------------------
sub run {
    my($ikev2) = @_;
    ike_sa_init($ikev2);
    return if $opt{'init-only'};
    if ($opt{natt} && $ikev2->{peer_natd} && !$ikev2->{marker}) {
        # RFC 7296 2.23: move to UDP 4500; from now on IKE messages carry the non-ESP marker
        $ikev2->{port} = 4500;
        $ikev2->{marker} = 1;
        open_socket($ikev2, $ikev2->{local_ip}, $opt{'natt-sport'});
        print "moved to UDP 4500 (local port $ikev2->{local_port})\n";
    }
    ike_auth($ikev2);
    check_auth_req($ikev2, pack('H*', $opt{'check-auth-req'})) if $opt{'check-auth-req'};
    esp_ping($ikev2) if $opt{ping} && !($F{lax} && !$ikev2->{esp_encr});
    delete_ike_sa($ikev2) if $opt{delete};
}

sub ike_sa_init {
    my($ikev2) = @_;
    my $cookie;
    my $pub = $ikev2->{dh}->export_key_raw('public');
    for (my $round = 0;; $round++) {
        my @pl;
        push @pl, [PT_N, pack('CCn', 0, 0, N_COOKIE) . $cookie] if defined $cookie && !$F{'cookie-last'};
        push @pl, [PT_SA, sa_ike(\@ike_suites)], [PT_KE, pack('nn', DH_X25519, 0) . $pub],
                  [PT_NONCE, $ikev2->{ni}];
        push @pl, [PT_N, pack('CCn', 0, 0, N_COOKIE) . $cookie] if defined $cookie && $F{'cookie-last'};
        if ($opt{natt}) {
            push @pl, [PT_N, pack('CCn', 0, 0, N_NATD_SRC)
                             . natd($ikev2, $ikev2->{local_ip}, $ikev2->{local_port})];
            push @pl, [PT_N, pack('CCn', 0, 0, N_NATD_DST)
                             . natd($ikev2, $ikev2->{ipaddr}, $ikev2->{port})];
        }
        # RFC 7427 4: the hashes we can use with these keys (SHA2-256 for RSA, Identity for Ed25519)
        my %h = map { $SIG_ALG{key_alg($_)}[0] => 1 } grep { $_ } $mykey, $peerkey;
        push @pl, [PT_N, pack('CCn', 0, 0, N_SIG_HASH) . pack('n*', sort keys %h)]
          if %h && $opt{'sig-hash'};
        my $req = ike_message($ikev2, IKE_SA_INIT, F_INITIATOR, 0, @pl);
        # RFC 7296 2.21.1: an unprotected error notify (no SA payload) may be forged: note it
        # and keep waiting for the real answer; it is only reported if nothing else comes
        my $resp = do_exchange($ikev2, $req, sub {
            return 1 if $F{lax};
            my($h, @q) = eval { parse_message($_[0]) } or return 0;
            return 1 if grep { $_->[0] == PT_SA } @q or find_notify(\@q, N_COOKIE)
                     or find_notify(\@q, N_INVALID_KE);
            $ikev2->{unauth} = join(',', map { notify_str($_) } @q);
            die "fault abort-on-notify: $ikev2->{unauth}\n" if $F{'abort-on-notify'};
            print "ignoring unprotected $ikev2->{unauth}\n";
            return 0;
        });
        my($hdr, @p) = parse_message($resp);
        if (my $c = find_notify(\@p, N_COOKIE)) {
            # RFC 7296 2.6: resend the same request with N(COOKIE) as the first payload
            die "too many COOKIE round trips\n" if $round >= $opt{'max-cookies'};
            $cookie = $c;
            print "got COOKIE (", length($c), " octets), retrying IKE_SA_INIT\n";
            next;
        }
        if (my $g = find_notify(\@p, N_INVALID_KE)) {
            die "INVALID_KE_PAYLOAD: responder wants group ", unpack('n', $g),
                ", we only do X25519 (31)\n";
        }
        check_error_notifies(\@p) unless $F{lax};
        strict_check($hdr, @p) if $F{strict};
        $ikev2->{spi_r} = $hdr->{spi_r};
        $ikev2->{init_req} = $req;
        $ikev2->{init_resp} = $resp;
        my($encr, $bits, $prf, $dh);
        if ($F{lax}) {    # fault: believe whatever came back, fill in what is missing
            ($encr, $bits) = eval { parse_sa_ike(payload_body(\@p, PT_SA)) };
            ($encr, $bits) = @{$ike_suites[0]}
              unless grep { $_->[0] == ($encr // 0) && $_->[1] == ($bits // 0) } @ike_suites;
        } else {
            my($sa) = payload_body(\@p, PT_SA);
            ($encr, $bits, $prf, $dh) = parse_sa_ike($sa);
            die "responder chose PRF $prf, DH $dh: not offered\n"
              if $prf != PRF_HMAC_SHA2_256 || $dh != DH_X25519;
            die "responder chose ENCR $encr/$bits: not offered\n"
              unless grep { $_->[0] == $encr && $_->[1] == $bits } @ike_suites;
        }
        $ikev2->{encr} = [$encr, $bits];
        my $ke = $F{lax} ? substr((eval { payload_body(\@p, PT_KE) } // '') . "\0" x 36, 0, 36)
                         : payload_body(\@p, PT_KE);
        die "KE: group ", unpack('n', $ke), " length ", length($ke), "\n"
          if !$F{lax} && (unpack('n', $ke) != DH_X25519 || length($ke) != 36);
        $ikev2->{nr} = $F{lax} ? eval { payload_body(\@p, PT_NONCE) } // "\0" x 32
                               : payload_body(\@p, PT_NONCE);
        die "Nr length\n" if !$F{lax} && (length($ikev2->{nr}) < 16 || length($ikev2->{nr}) > 256);
        $ikev2->{peer_natd} = find_notify(\@p, N_NATD_SRC) ? 1 : 0;
        # RFC 7427 4: sign only with a hash the responder listed (ignored if we sent no list)
        my $sh = $opt{'sig-hash'} ? find_notify(\@p, N_SIG_HASH) // '' : '';
        $ikev2->{peer_hashes} = {map { $_ => 1 } unpack('n*', $sh)};
        $ikev2->{peer_hashes} = {} if $F{'ignore-sig-hash'};    # fault: never reads the list
        $ikev2->{certreq_raw} = grep { $_->[0] == PT_CERTREQ && ord($_->[2]) == CERT_RAW_KEY } @p;
        my $peer = Crypt::PK::X25519->new;
        $peer->import_key_raw(substr($ke, 4), 'public');
        my $gir = $ikev2->{dh}->shared_secret($peer);
        die "X25519 shared secret is all zero (RFC 8031 3.2)\n" if $gir eq "\0" x 32 && !$F{lax};
        derive_ike_keys($ikev2, $gir);
        printf "IKE_SA_INIT done: SPIr %s, %s, NAT-D %s\n", bin_to_hexstr($ikev2->{spi_r}),
            encr_name($ikev2->{encr}), $ikev2->{peer_natd} ? 'yes' : 'no';
        print_kv('IKE_SA_INIT_request', $req), print_kv('IKE_SA_INIT_response', $resp)
          if $opt{'print-msgs'};
        print_keys($ikev2, 0) if $opt{'print-keys'};
        return;
    }
}

sub ike_auth {
    my($ikev2) = @_;
    # RFC 7296 2.15: InitiatorSignedOctets = RealMessage1 | Nr | prf(SK_pi, IDi')
    my $octets = signed_octets($ikev2->{init_req}, $ikev2->{nr}, $ikev2->{sk_pi}, $ikev2->{idi});
    my($method, $authi) = $mykey ? sign_auth($ikev2, $octets) : (AUTH_PSK, psk_auth($octets));
    $ikev2->{auth_i} = $authi;
    print "our AUTH: method $method\n";
    my @inner = ([PT_IDI, $ikev2->{idi}]);
    # RFC 7670: our bare public key as CERT encoding 15 (SubjectPublicKeyInfo)
    push @inner, [PT_CERT, chr(CERT_RAW_KEY)
                  . spki($F{'cert-other'} ? Crypt::PK::Ed25519->new->generate_key : $mykey)]
      if $mykey && ($opt{'send-cert'} // $ikev2->{certreq_raw});    # fault: another key's
    push @inner, [PT_N, pack('CCn', 0, 0, N_INITIAL_CONTACT)] if $opt{'initial-contact'};
    push @inner, [PT_IDR, $ikev2->{idr}] if $ikev2->{idr} && $opt{'send-idr'};
    $authi = substr($authi, 0, -1) . chr(ord(substr($authi, -1)) ^ 1) if $F{'bad-auth'};
    push @inner, [PT_AUTH, pack('Cx3', $method) . $authi] unless $F{'no-auth-payload'};
    my $espi = $F{'esp-spi-low'} ? pack('N', 255) : $ikev2->{esp_spi_in};
    $espi .= "\0" x 4 if $F{'esp-spi-size'};
    push @inner, [PT_SA, sa_esp(\@esp_suites, $espi)],
                 [PT_TSI, $F{'bad-ts'} ? pack('Cx3', 2) . substr(ts($ikev2->{tsi_start}, $ikev2->{tsi_end}), 4)
                                       : ts($ikev2->{tsi_start}, $ikev2->{tsi_end})],
                 [PT_TSR, ts($ikev2->{tsr_start}, $ikev2->{tsr_end})] unless $F{'no-child'};
    push @inner, [250, 'crit'] if $F{'auth-critical'};    # unknown type, critical set in chain()
    my $req = encrypt_message($ikev2, IKE_AUTH, F_INITIATOR, 1, @inner);
    print_kv('IKE_AUTH_request', $req) if $opt{'print-msgs'};
    # a response whose ICV does not verify is dropped (it may be forged); keep waiting
    my $resp = do_exchange($ikev2, $req, sub {
        return 1 if $F{lax} || eval { decrypt_message($ikev2, $_[0]); 1 };
        print "dropped IKE_AUTH response: $@";
        die "fault abort-on-notify: unprotected IKE_AUTH answer\n" if $F{'abort-on-notify'};
        return 0;
    });
    if ($F{lax}) {    # fault: no check at all; a child SA from whatever is there
        my($hdr, @p) = eval { decrypt_message($ikev2, $resp) };
        my($sa) = grep { $_->[0] == PT_SA } @p;
        my $spi = $sa && length($sa->[2]) >= 12 ? substr($sa->[2], 8, 4) : pack('N', 0x01020304);
        @$ikev2{qw(esp_encr esp_spi_out)} = ([@{$esp_suites[0]}], $spi);
        derive_child_keys($ikev2);
        print "fault lax: IKE_AUTH answer taken without checks\n";
        return;
    }
    my($hdr, @p) = decrypt_message($ikev2, $resp);
    check_error_notifies(\@p);
    strict_check($hdr, @p) if $F{strict};
    my $idr = payload_body(\@p, PT_IDR);
    die "responder used another ID\n" if $ikev2->{idr} && $idr ne $ikev2->{idr};
    my $auth = payload_body(\@p, PT_AUTH);
    for (grep { $_->[0] == PT_CERT && ord($_->[2]) == CERT_RAW_KEY } @p) {    # RFC 7670
        die "responder sent a raw public key that is not the pinned one\n"
          if $peerkey && substr($_->[2], 1) ne spki($peerkey);
    }
    # RFC 7296 2.15: the responder's AUTH must verify before anything else is believed
    my $ok = verify_auth($ikev2, $auth,
                         signed_octets($ikev2->{init_resp}, $ikev2->{ni}, $ikev2->{sk_pr}, $idr));
    die "responder AUTH does not verify\n" unless $ok;
    printf "IKE SA established: responder AUTH verified (method %d, ID %s)\n", ord($auth),
        id_str($idr);
    my($sa) = grep { $_->[0] == PT_SA } @p
      or die "no child SA: ", join(',', map { notify_str($_) } @p), "\n";
    my($encr, $bits, $spi) = parse_sa_esp($sa->[2]);
    die "responder chose ESP ENCR $encr/$bits: not offered\n"
      unless grep { $_->[0] == $encr && $_->[1] == $bits } @esp_suites;
    @$ikev2{qw(esp_encr esp_spi_out)} = ([$encr, $bits], $spi);
    derive_child_keys($ikev2);
    printf "CHILD SA established: %s, SPI in %s out %s\n", encr_name($ikev2->{esp_encr}),
        bin_to_hexstr($ikev2->{esp_spi_in}), bin_to_hexstr($spi);
    print_keys($ikev2, 1) if $opt{'print-keys'};
}

# Differential tests: another initiator (the C library) ran the same IKE_SA_INIT exchange; check
# that its IKE_AUTH request decrypts with our SK_ei and carries the AUTH we would compute.
sub check_auth_req {
    my($ikev2, $msg) = @_;
    my($hdr, @p) = decrypt_message($ikev2, $msg, 'in');
    my $idi = payload_body(\@p, PT_IDI);
    my $auth = payload_body(\@p, PT_AUTH);
    my $want = psk_auth(signed_octets($ikev2->{init_req}, $ikev2->{nr}, $ikev2->{sk_pi}, $idi));
    die "other IKE_AUTH request: AUTH does not verify\n" unless ct_eq(substr($auth, 4), $want);
    printf "other IKE_AUTH request accepted: IDi %s, payloads %s\n", id_str($idi),
        join(',', map { $_->[0] } @p);
}

sub delete_ike_sa {    # RFC 7815 B.1: HDR, SK{D(IKE)} with MID 2, peer answers SK{}
    my($ikev2) = @_;
    my $req = encrypt_message($ikev2, INFORMATIONAL, F_INITIATOR, 2, [PT_D, pack('CCn', 1, 0, 0)]);
    local $ikev2->{retries} = 3;
    my $resp = eval { do_exchange($ikev2, $req) };
    print $resp && eval { decrypt_message($ikev2, $resp); 1 } ? "IKE SA deleted\n"
                                                                : "Delete not answered\n";
}

# ---- ESP in UDP: one ICMP echo request, check the reply (RFC 4303, 3948, 4106, 7634) -----
sub esp_ping {
    my($ikev2) = @_;
    my $src = inet_aton($opt{'ping-src'} // inet_ntoa(pack('N', unpack('N', $ikev2->{tsi_start}) + 1)));
    my $dst = inet_aton($opt{ping});
    my $id = unpack('n', generate_random($ikev2, 2));
    for my $seq (1 .. $opt{'ping-count'}) {
        my $data = "minike-perl ping $seq " . ('.' x 24);
        my $icmp = pack('CCnnn', 8, 0, 0, $id, $seq) . $data;
        substr($icmp, 2, 2) = pack('n', checksum($icmp));
        my $ip = pack('CCnnnCCna4a4', 0x45, 0, 20 + length($icmp), $seq, 0, 64, 1, 0, $src, $dst);
        substr($ip, 10, 2) = pack('n', checksum($ip));
        my $pkt = esp_seal($ikev2, $ip . $icmp);
        hexl_print("Sending ESP packet (ICMP echo $seq)", $pkt) if $opt{verbose};
        send($ikev2->{sock}, $pkt, 0, $ikev2->{hispaddr}) // die "send: $!\n";
        my $deadline = time_now() + $ikev2->{timeout} * 2;
        while ((my $left = $deadline - time_now()) > 0) {
            my $rin = '';
            vec($rin, fileno($ikev2->{sock}), 1) = 1;
            next unless select(my $rout = $rin, undef, undef, $left) > 0;
            defined(recv($ikev2->{sock}, my $buf, 4096, 0)) or die "recv: $!\n";
            if (substr($buf, 0, 4) eq $MARKER) { answer_request($ikev2, substr($buf, 4)); next; }
            next if length($buf) < 8;    # NAT keepalive (0xff)
            hexl_print("Received ESP packet", $buf) if $opt{verbose};
            my $inner = esp_open($ikev2, $buf) // next;
            my($vhl, $tot, $proto, $isrc, $idst) = unpack('C x n x5 C x2 a4 a4', $inner);
            next unless $vhl == 0x45 && $proto == 1 && $isrc eq $dst && $idst eq $src;
            die "inner IPv4 header checksum wrong\n" if checksum(substr($inner, 0, 20)) != 0;
            my $r = substr($inner, 20, $tot - 20);
            die "ICMP checksum wrong\n" if checksum($r) != 0;
            my($type, $code, $rid, $rseq) = unpack('CCx2nn', $r);
            next unless $type == 0 && $rid == $id && $rseq == $seq;
            die "echo reply data differs\n" if substr($r, 8) ne $data;
            printf "ESP ping OK: echo reply %d from %s (%d octets through the tunnel)\n",
                $seq, inet_ntoa($dst), length($inner);
            return 1;
        }
        print "no echo reply to $seq\n";
    }
    die "ESP ping failed: no echo reply\n";
}

sub esp_seal {
    my($ikev2, $inner) = @_;
    my $seq = ++$ikev2->{esp_seq};
    my $padlen = (4 - (length($inner) + 2) % 4) % 4;    # RFC 4303 2.4: 4-octet alignment
    my $pt = $inner . pack('C*', 1 .. $padlen) . pack('CC', $padlen, 4);    # next header 4: IPv4
    my $iv = pack('NN', 0, $seq);    # RFC 4106 3.1 / RFC 7634 2: unique per key, the counter
    my $hdr = $ikev2->{esp_spi_out} . pack('N', $seq);
    return $hdr . $iv . aead_encrypt($ikev2->{esp_encr}, $ikev2->{esp_ei}, $iv, $hdr, $pt);
}

sub esp_open {
    my($ikev2, $pkt) = @_;
    return undef if substr($pkt, 0, 4) ne $ikev2->{esp_spi_in} || length($pkt) < 8 + 8 + 16 + 2;
    my $pt = aead_decrypt($ikev2->{esp_encr}, $ikev2->{esp_er}, substr($pkt, 8, 8),
                          substr($pkt, 0, 8), substr($pkt, 16)) // do {
        print "ESP ICV mismatch, dropped\n";
        return undef;
    };
    my($padlen, $nh) = unpack('CC', substr($pt, -2));
    return undef if $nh != 4 || $padlen + 2 > length($pt);
    return substr($pt, 0, length($pt) - 2 - $padlen);
}

# RFC 7815 2.1: answer INFORMATIONAL requests with an empty SK{}, CREATE_CHILD_SA with
# N(NO_ADDITIONAL_SAS); keep no window, just echo the request's Message ID.
sub answer_request {
    my($ikev2, $msg) = @_;
    return if $F{'no-answer'};
    my($hdr, @p) = eval { decrypt_message($ikev2, $msg, 'request') };
    ($hdr, @p) = (parse_header($msg)) if !$hdr && $F{'answer-all'};    # fault: answer anything
    return unless $hdr;
    return if $hdr->{flags} & F_RESPONSE && !$F{'answer-all'};
    my @ans = $hdr->{exch} == CREATE_CHILD_SA ? ([PT_N, pack('CCn', 0, 0, N_NO_ADDITIONAL_SAS)]) : ();
    push @ans, [PT_N, pack('CCn', 0, 0, 7)] if $F{'answer-error'};    # INVALID_SYNTAX
    my $r = encrypt_message($ikev2, $hdr->{exch}, F_INITIATOR | F_RESPONSE, $hdr->{mid}, @ans);
    send($ikev2->{sock}, ($ikev2->{marker} ? $MARKER : '') . $r, 0, $ikev2->{hispaddr})
      // die "send: $!\n";
    print "answered peer request (exchange $hdr->{exch}, MID $hdr->{mid})\n";
    die "responder deleted the IKE SA\n" if grep { $_->[0] == PT_D } @p;
}

# ---- key calculation (RFC 7296 2.13-2.17) ------------------------------------------------
sub prf { return hmac('SHA256', $_[0], $_[1]); }

sub prf_plus {    # prf+(K,S) = T1 | T2 | ...; T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n)
    my($key, $seed, $len) = @_;
    my($out, $t) = ('', '');
    for (my $n = 1; length($out) < $len; $n++) {
        die "prf+: more than 255 blocks\n" if $n > 255;
        $t = prf($key, $t . $seed . chr($n));
        $out .= $t;
    }
    return substr($out, 0, $len);
}

sub encr_keylen { my($e) = @_; return ($e->[0] == ENCR_CHACHA20_POLY1305 ? 32 : $e->[1] / 8) + 4; }

sub derive_ike_keys {
    my($ikev2, $gir) = @_;
    my $nn = $ikev2->{ni} . $ikev2->{nr};
    $ikev2->{gir} = $gir;
    $ikev2->{skeyseed} = prf($nn, $gir);    # SKEYSEED = prf(Ni | Nr, g^ir)
    my $el = encr_keylen($ikev2->{encr});    # AEAD: key | salt, no SK_a*
    my $k = prf_plus($ikev2->{skeyseed}, $nn . $ikev2->{spi_i} . $ikev2->{spi_r}, 32 * 3 + 2 * $el);
    @$ikev2{qw(sk_d sk_ei sk_er sk_pi sk_pr)} = unpack("a32 a$el a$el a32 a32", $k);
    @$ikev2{qw(sk_ai sk_ar)} = ('', '');
}

sub derive_child_keys {    # KEYMAT = prf+(SK_d, Ni | Nr); initiator->responder first
    my($ikev2) = @_;
    my $el = encr_keylen($ikev2->{esp_encr});
    $ikev2->{keymat} = prf_plus($ikev2->{sk_d}, $ikev2->{ni} . $ikev2->{nr}, 2 * $el);
    @$ikev2{qw(esp_ei esp_er)} = unpack("a$el a$el", $ikev2->{keymat});
}

sub signed_octets {    # RFC 7296 2.15: RealMessage | Nonce | prf(SK_p, ID')
    my($real_msg, $nonce, $sk_p, $id_rest) = @_;
    return $real_msg . $nonce . prf($sk_p, $id_rest);
}

sub psk_auth {    # AUTH = prf(prf(PSK, "Key Pad for IKEv2"), <SignedOctets>)
    die "no PSK configured\n" unless defined $psk;
    return prf(prf($psk, 'Key Pad for IKEv2'), $_[0]);
}

sub sign_auth {    # -> (method, AUTH data) for our private key
    my($ikev2, $octets) = @_;
    my($hash, $alg) = @{$SIG_ALG{key_alg($mykey)}};
    # RFC 7427 3: length | AlgorithmIdentifier | signature (fault any-hash: even unannounced)
    if ($ikev2->{peer_hashes}{$hash} || $F{'any-hash'}) {
        my @h = $hash == 2 ? ('SHA256', 'v1.5') : ();
        return (AUTH_DS, chr(length($alg)) . $alg . $mykey->sign_message($octets, @h));
    }
    die "responder did not announce hash 5 (Identity): Ed25519 needs RFC 7427/8420\n" if $hash != 2;
    return (AUTH_RSA, $mykey->sign_message($octets, 'SHA1', 'v1.5'));    # RFC 7296 3.8 method 1
}

sub verify_auth {    # responder AUTH payload: PSK, or a signature by the pinned key
    my($ikev2, $auth, $octets) = @_;
    my($method, $data) = (ord($auth), substr($auth, 4));
    if (!$peerkey) {
        die "responder AUTH method $method, want PSK (2)\n" if $method != AUTH_PSK;
        return ct_eq($data, psk_auth($octets));
    }
    my($hash, $alg) = @{$SIG_ALG{key_alg($peerkey)}};
    if ($method == AUTH_RSA && $hash == 2 && !$ikev2->{peer_hashes}{2}) {
        return $peerkey->verify_message($data, $octets, 'SHA1', 'v1.5');
    }
    die "responder AUTH method $method, want ", ($ikev2->{peer_hashes}{$hash} ? 14 : 1), "\n"
      if $method != AUTH_DS;
    my $len = ord($data);
    die "responder signature algorithm ", unpack('H*', substr($data, 1, $len)), ", want ",
        unpack('H*', $alg), "\n" if substr($data, 1, $len) ne $alg;
    my @h = $hash == 2 ? ('SHA256', 'v1.5') : ();    # Ed25519 (RFC 8420): no pre-hash
    return $peerkey->verify_message(substr($data, 1 + $len), $octets, @h);
}

sub natd {    # NAT_DETECTION_*_IP = SHA-1(SPIi | SPIr | IP | port), RFC 7296 2.23
    my($ikev2, $ip, $port) = @_;
    return sha1($ikev2->{spi_i} . $ikev2->{spi_r} . $ip . pack('n', $port));
}

sub print_keys {    # "name = hex": IKE SA keys after IKE_SA_INIT, child keys after IKE_AUTH
    my($ikev2, $child) = @_;
    my @k = $child ? qw(AUTH_i ESP_SPI_in ESP_SPI_out KEYMAT KEYMAT_ei KEYMAT_er)
                   : qw(SPIi SPIr Ni Nr g^ir SKEYSEED SK_d SK_ai SK_ar SK_ei SK_er SK_pi SK_pr);
    my %f = (SPIi => 'spi_i', SPIr => 'spi_r', 'g^ir' => 'gir', AUTH_i => 'auth_i',
             ESP_SPI_in => 'esp_spi_in', ESP_SPI_out => 'esp_spi_out', KEYMAT_ei => 'esp_ei',
             KEYMAT_er => 'esp_er');
    print_kv($_, $ikev2->{$f{$_} // lc $_}) for @k;
}

sub print_kv { printf "%s = %s\n", $_[0], bin_to_hexstr($_[1]); }

# ---- IKE_SA_INIT / IKE_AUTH packet generation --------------------------------------------
sub chain {    # [type, body], ... -> (first type, payloads with generic headers)
    my @pl = @_;
    my $out = '';
    for my $i (0 .. $#pl) {
        my $next = $i < $#pl ? $pl[$i + 1][0] : 0;
        $out .= pack('CCn', $next, $pl[$i][0] == 250 ? 0x80 : 0, 4 + length($pl[$i][1])) . $pl[$i][1];
    }
    return (@pl ? $pl[0][0] : 0, $out);
}

sub ike_header {
    my($ikev2, $next, $exch, $flags, $mid, $len) = @_;
    return $ikev2->{spi_i} . $ikev2->{spi_r} . pack('CCCCNN', $next, 0x20, $exch, $flags, $mid, $len);
}

sub ike_message {
    my($ikev2, $exch, $flags, $mid, @pl) = @_;
    my($first, $body) = chain(@pl);
    return ike_header($ikev2, $first, $exch, $flags, $mid, 28 + length($body)) . $body;
}

sub encrypt_message {    # HDR, SK{inner}; AEAD (RFC 5282): AAD = HDR | SK header, no padding
    my($ikev2, $exch, $flags, $mid, @inner) = @_;
    my($first, $body) = chain(@inner);
    my $pt = $body . "\0";    # Pad Length 0 (a stream/AEAD cipher needs no padding)
    my $iv = generate_random($ikev2, 8);
    my $sklen = 4 + 8 + length($pt) + 16;
    my $aad = ike_header($ikev2, PT_SK, $exch, $flags, $mid, 28 + $sklen)
            . pack('CCn', $first, 0, $sklen);
    return $aad . $iv . aead_encrypt($ikev2->{encr}, $ikev2->{sk_ei}, $iv, $aad, $pt);
}

sub transform {
    my($last, $type, $id, $bits) = @_;
    my $attr = $bits ? pack('nn', 0x800e, $bits) : '';    # Key Length (AF=1, type 14)
    return pack('CCnCCn', $last ? 0 : 3, 0, 8 + length($attr), $type, 0, $id) . $attr;
}

sub proposal {
    my($last, $num, $proto, $spi, @t) = @_;
    my $body = join('', map { transform($_ == $#t, @{$t[$_]}) } 0 .. $#t);
    return pack('CCnCCCC', $last ? 0 : 2, 0, 8 + length($spi) + length($body), $num, $proto,
                length($spi), scalar(@t)) . $spi . $body;
}

sub sa_ike {    # one proposal per cipher: ENCR, PRF, DH (no INTEG with AEAD)
    my($suites) = @_;
    return join('', map {
        proposal($_ == $#$suites, $_ + 1, 1, '', [1, @{$suites->[$_]}], [2, PRF_HMAC_SHA2_256],
                 [4, DH_X25519])
    } 0 .. $#$suites);
}

sub sa_esp {    # ESP proposals carry our inbound SPI; ENCR + ESN "no"
    my($suites, $spi) = @_;
    return join('', map {
        proposal($_ == $#$suites, $_ + 1, 3, $spi, [1, @{$suites->[$_]}], [5, 0])
    } 0 .. $#$suites);
}

sub ts {    # one IPv4 range selector, any protocol, all ports
    my($start, $end) = @_;
    return pack('Cx3', 1) . pack('CCnnn', 7, 0, 16, 0, 65535) . $start . $end;
}

# ---- Payload parsing ---------------------------------------------------------------------
sub parse_header {
    my($msg) = @_;
    die "short message\n" if length($msg) < 28;
    my %h;
    @h{qw(spi_i spi_r next ver exch flags mid len)} = unpack('a8 a8 C C C C N N', $msg);
    die "IKE version $h{ver}\n" if ($h{ver} >> 4) != 2 && !$F{lax};
    die "IKE length $h{len} != datagram ", length($msg), "\n" if $h{len} != length($msg) && !$F{lax};
    return \%h;
}

sub parse_payloads {    # -> ([type, critical, body], ...); SK must be last
    my($next, $data) = @_;
    my @p;
    while ($next) {
        last if $F{lax} && (length($data) < 4 || unpack('x2n', $data) < 4 || unpack('x2n', $data) > length($data));
        die "truncated payload chain\n" if length($data) < 4;
        my($n, $c, $len) = unpack('CCn', $data);
        die "payload length $len\n" if $len < 4 || $len > length($data);
        push @p, [$next, $c >> 7, substr($data, 4, $len - 4)];
        die "unsupported critical payload $next\n"
          if ($c & 0x80) && !grep({ $next == $_ } 33 .. 48) && !$F{lax};
        $data = substr($data, $len);
        if ($next == PT_SK) { $p[-1][3] = $n; last; }
        $next = $n;
    }
    die "trailing octets after the payload chain\n" if length($data) && !$F{lax};
    print "  payloads: ", join(' ', map { $_->[0] == PT_N ? notify_str($_) : $_->[0] } @p), "\n"
      if ($opt{verbose} // 0) > 1;
    return @p;
}

sub parse_message {
    my($msg) = @_;
    my $h = parse_header($msg);
    return ($h, parse_payloads($h->{next}, substr($msg, 28)));
}

sub decrypt_message {    # verify the ICV over HDR | SK header, then parse the inner chain
    my($ikev2, $msg, $dir) = @_;
    my($h, @p) = parse_message($msg);
    die "SPIs do not match this IKE SA\n"
      if $h->{spi_i} ne $ikev2->{spi_i} || $h->{spi_r} ne $ikev2->{spi_r};
    my $sk = $p[-1];
    die "no SK payload: " . join(',', map { notify_str($_) } @p) . "\n"
      unless $sk && $sk->[0] == PT_SK && @p == 1;
    my $skoff = length($msg) - length($sk->[2]) - 4;
    die "SK payload too short\n" if length($sk->[2]) < 8 + 16 + 1;
    my $key = ($dir // '') eq 'in' ? $ikev2->{sk_ei} : $ikev2->{sk_er};
    my $pt = aead_decrypt($ikev2->{encr}, $key, substr($sk->[2], 0, 8), substr($msg, 0, $skoff + 4),
                          substr($sk->[2], 8)) // die "SK ICV mismatch\n";
    my $padlen = ord(substr($pt, -1));
    die "SK padding\n" if $padlen + 1 > length($pt);
    die "fault strict: padding $padlen\n" if $padlen && $F{strict};
    return ($h, parse_payloads($sk->[3], substr($pt, 0, length($pt) - 1 - $padlen)));
}

# Fault `strict`: a picky initiator that refuses anything it did not expect, even what RFC 7296
# allows (minor version, reserved flags, unknown payloads and notifies, a nonce other than 32
# octets, transforms out of order, padding, narrowed selectors, transport mode).
sub strict_check {
    my($h, @p) = @_;
    die "fault strict: version $h->{ver} flags $h->{flags}\n" if $h->{ver} != 0x20 || $h->{flags} != F_RESPONSE;
    for my $pl (@p) {
        my $pt = $pl->[0];
        die "fault strict: payload $pt\n" unless grep { $pt == $_ } 33, 34, 36, 39, 40, 41, 44, 45;
        next unless $pt == PT_N;
        my $t = unpack('x2n', $pl->[2]);
        die "fault strict: notify $t\n" unless grep { $t == $_ } N_NATD_SRC, N_NATD_DST;
    }
    for (grep { $_->[0] == PT_NONCE } @p) { die "fault strict: nonce length\n" if length($_->[2]) != 32; }
    for (grep { $_->[0] == PT_SA } @p) {
        my($t, @seen) = (substr($_->[2], 8 + ord(substr($_->[2], 6, 1))));
        while (length($t) >= 8) { push @seen, ord(substr($t, 4, 1)); $t = substr($t, unpack('x2n', $t)); }
        die "fault strict: transform order @seen\n" if join(',', @seen) ne join(',', sort { $a <=> $b } @seen);
        die "fault strict: proposal number\n" if ord(substr($_->[2], 4, 1)) != 1;
    }
    for (grep { $_->[0] == PT_TSI || $_->[0] == PT_TSR } @p) {
        die "fault strict: narrowed selector\n" if substr($_->[2], 4 + 8 + 4, 4) eq substr($_->[2], 4 + 8, 4)
                                                    || unpack('x4 x2 x2 n', $_->[2]) != 0;
    }
}

sub payload_body {
    my($p, $type) = @_;
    my($x) = grep { $_->[0] == $type } @$p;
    die "payload $type missing\n" unless $x;
    return $x->[2];
}

sub find_notify {
    my($p, $type) = @_;
    for (@$p) {
        return substr($_->[2], 4 + ord(substr($_->[2], 1, 1)))
          if $_->[0] == PT_N && unpack('x2n', $_->[2]) == $type;
    }
    return undef;
}

sub notify_str {
    my($p) = @_;
    return $p->[0] unless $p->[0] == PT_N;
    my $t = unpack('x2n', $p->[2]);
    return 'N(' . ($NOTIFY_NAME{$t} // $t) . ')';
}

sub check_error_notifies {    # RFC 7296 3.10.1: types below 16384 are errors
    my($p) = @_;
    for (@$p) {
        next unless $_->[0] == PT_N;
        my $t = unpack('x2n', $_->[2]);
        die "responder sent " . notify_str($_) . "\n" if $t < 16384;
    }
}

sub parse_sa {    # the single proposal of a response -> (proto, spi, {type => [id, bits]})
    my($sa) = @_;
    my($last, $plen, $num, $proto, $spisize, $nt) = unpack('C x n C C C C', $sa);
    die "SA: more than one proposal in a response\n" if $last != 0 || $plen != length($sa);
    my $spi = substr($sa, 8, $spisize);
    my $t = substr($sa, 8 + $spisize);
    my %tr;
    for (1 .. $nt) {
        my($tlast, $tlen, $type, $id) = unpack('C x n C x n', $t);
        my $bits = 0;
        my $attrs = substr($t, 8, $tlen - 8);
        while (length($attrs) >= 4) {
            my($at, $av) = unpack('nn', $attrs);
            $bits = $av if $at == 0x800e;
            $attrs = substr($attrs, ($at & 0x8000) ? 4 : 4 + $av);
        }
        die "SA: two transforms of type $type\n" if $tr{$type};
        $tr{$type} = [$id, $bits];
        $t = substr($t, $tlen);
    }
    return ($proto, $spi, \%tr);
}

sub parse_sa_ike {
    my($proto, $spi, $tr) = parse_sa($_[0]);
    die "SA: protocol $proto, not IKE\n" if $proto != 1;
    die "SA: INTEG with an AEAD cipher\n" if $tr->{3} && $tr->{3}[0];
    return (@{$tr->{1} // [0, 0]}, ($tr->{2} // [0])->[0], ($tr->{4} // [0])->[0]);
}

sub parse_sa_esp {
    my($proto, $spi, $tr) = parse_sa($_[0]);
    die "child SA: protocol $proto or SPI size wrong\n" if $proto != 3 || length($spi) != 4;
    die "child SA: ESN chosen\n" if $tr->{5} && $tr->{5}[0];
    return (@{$tr->{1} // [0, 0]}, $spi);
}

sub id_str {
    my($id) = @_;
    my %n = reverse %ID_TYPE;
    my $t = ord($id);
    my $d = substr($id, 4);
    return ($t == 3 ? 'email' : $n{$t} // $t) . ':' . ($d =~ /^[[:print:]]*$/ ? $d : '0x' . unpack('H*', $d));
}

sub encr_name { my($e) = @_; return $e->[0] == ENCR_CHACHA20_POLY1305 ? 'CHACHA20_POLY1305' : "AES_GCM_16_$e->[1]"; }

# ---- AEAD: nonce = salt (last 4 octets of the key) | 8-octet IV, 16-octet ICV ------------
sub aead_encrypt {
    my($encr, $key, $iv, $aad, $pt) = @_;
    my($k, $salt) = (substr($key, 0, -4), substr($key, -4));
    my($ct, $tag) = $encr->[0] == ENCR_CHACHA20_POLY1305
      ? chacha20poly1305_encrypt_authenticate($k, $salt . $iv, $aad, $pt)
      : gcm_encrypt_authenticate('AES', $k, $salt . $iv, $aad, $pt);
    return $ct . $tag;
}

sub aead_decrypt {
    my($encr, $key, $iv, $aad, $data) = @_;
    return undef if length($data) < 16;
    my($k, $salt) = (substr($key, 0, -4), substr($key, -4));
    my($ct, $tag) = (substr($data, 0, -16), substr($data, -16));
    return $encr->[0] == ENCR_CHACHA20_POLY1305
      ? chacha20poly1305_decrypt_verify($k, $salt . $iv, $aad, $ct, $tag)
      : gcm_decrypt_verify('AES', $k, $salt . $iv, $aad, $ct, $tag);
}

sub ct_eq {    # constant-time compare of two equal-length strings
    my($a, $b) = @_;
    return 0 if length($a) != length($b);
    my $d = 0;
    $d |= ord(substr($a, $_, 1)) ^ ord(substr($b, $_, 1)) for 0 .. length($a) - 1;
    return $d == 0;
}

# ---- Utility/debug: the prototype's helpers, fixed ---------------------------------------
sub open_socket {    # one UDP socket for the life of the SA (per port), connected to the peer
    my($ikev2, $local, $sport) = @_;
    close($ikev2->{sock}) if $ikev2->{sock};
    socket(my $sock, PF_INET, SOCK_DGRAM, getprotobyname('udp')) || die "socket: $!\n";
    my $laddr = $local // INADDR_ANY;
    if (!bind($sock, sockaddr_in($sport, $laddr))) {
        die "bind port $sport: $!\n" unless $sport == 4500 && $opt{'natt-sport'} == 4500;
        bind($sock, sockaddr_in(0, $laddr)) || die "bind: $!\n";    # 4500 taken: ephemeral
    }
    $ikev2->{hispaddr} = sockaddr_in($ikev2->{port}, $ikev2->{ipaddr});
    connect($sock, $ikev2->{hispaddr}) || die "connect: $!\n";
    @$ikev2{qw(local_port local_ip)} = sockaddr_in(getsockname($sock));
    $ikev2->{sock} = $sock;
}

sub time_now { return Time::HiRes::time(); }

#####
# Send the request and wait for the matching response, retransmitting with exponential backoff
# $response = do_exchange($ikev2, $request [, $accept])   ($accept->($msg): 0 = keep waiting)
sub do_exchange {
    my($ikev2, $request, $accept) = @_;
    my $req = parse_header($request);
    local $ikev2->{retries} = 1 if $F{'no-retransmit'};
    my $packet = ($ikev2->{marker} ? $MARKER : '') . $request;
    my $timeout = $ikev2->{timeout};
    my $sock = $ikev2->{sock};
    for (my $count = $ikev2->{retries}; $count > 0; $count--) {
        hexl_print("Sending packet" . ($count < $ikev2->{retries} ? ' (retransmission)' : ''),
                   $packet) if $opt{verbose};
        # a pending ICMP error (ECONNREFUSED) is unauthenticated: note it, keep trying
        defined(send($sock, $packet, 0, $ikev2->{hispaddr})) or $!{ECONNREFUSED}
          or die "send: $!\n";
        my $deadline = time_now() + $timeout;
        while ((my $left = $deadline - time_now()) > 0) {
            my $rin = '';
            vec($rin, fileno($sock), 1) = 1;
            my $nfound = select(my $rout = $rin, undef, undef, $left);
            die "select: $!\n" if $nfound < 0 && !$!{EINTR};
            next if $nfound <= 0;
            my $buf;
            if (!defined(recv($sock, $buf, 4096, 0))) {
                die "recv: $!\n" unless $!{ECONNREFUSED};
                print "ICMP: peer port unreachable (unauthenticated: ignored)\n";
                next;
            }
            if ($ikev2->{marker}) {
                next if substr($buf, 0, 4) ne $MARKER;    # ESP or keepalive: not for us here
                $buf = substr($buf, 4);
            }
            hexl_print("Received packet", $buf) if $opt{verbose};
            my $h = eval { parse_header($buf) };
            die "fault strict: unparseable datagram\n" if !$h && $F{strict};
            next unless $h;
            my $match = $h->{spi_i} eq $req->{spi_i} && ($h->{flags} & F_RESPONSE)
                     && $h->{exch} == $req->{exch} && $h->{mid} == $req->{mid};
            die "fault strict: unexpected datagram\n" if !$match && $F{strict};
            next unless $match || $F{lax};
            next if $accept && !$accept->($buf);
            if ($F{'retx-answered'}) {    # fault: send the answered request once more
                Time::HiRes::sleep(0.2);
                send($sock, $packet, 0, $ikev2->{hispaddr});
            }
            return $buf;
        }
        $timeout *= 2 unless $F{'no-backoff'};    # RFC 7296 2.4: retransmission times MUST increase exponentially
        $count = 2 if $F{'retx-forever'};    # fault: never give up
        $timeout = $ikev2->{max_timeout} if $timeout > $ikev2->{max_timeout};
    }
    die "Timeout: no response after $ikev2->{retries} transmissions"
      . ($ikev2->{unauth} ? " (only an unprotected $ikev2->{unauth})" : '') . "\n";
}

#####
# Get a random string of the given length from a cryptographic source (Fortuna seeded from the
# OS, Crypt::PRNG)
# $str = generate_random($ikev2, $length)
sub generate_random {
    my($ikev2, $length) = @_;
    return random_bytes($length);
}

#####
# IP checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words
# $checksum = checksum($packet);
sub checksum {
    my($packet) = @_;
    my $chk = 0;
    my $len = length($packet);
    $chk += $_ for unpack('n*', substr($packet, 0, $len & ~1));
    $chk += ord(substr($packet, -1, 1)) << 8 if $len % 2;    # odd octet: pad with a zero octet
    $chk = ($chk >> 16) + ($chk & 0xffff) while $chk >> 16;
    return ~$chk & 0xffff;
}

#####
# hexl_print: a title line, then the hexl-style dump
sub hexl_print {
    my($txt, $value) = @_;
    print($txt, " (", length($value), " octets)\n", bin_to_hex($value));
}

#####
# bin_to_hex: "0010: 0011 2233 4455 6677 8899 aabb ccdd eeff  ................" lines
sub bin_to_hex {
    my($data, $indent) = @_;
    my($len, $i, $j, $ret, $c);
    $indent //= '';
    $len = length($data);
    $ret = '';
    for ($i = 0; $i < $len; $i += 16) {
        $ret .= $indent . sprintf("%04x:", $i);
        for ($j = 0; $j < 16; $j++) {
            $ret .= " " if ($j & 1) == 0;
            $ret .= $i + $j < $len ? sprintf("%02x", ord(substr($data, $i + $j, 1))) : "  ";
        }
        $ret .= "  ";
        for ($j = 0; $j < 16 && $i + $j < $len; $j++) {
            $c = substr($data, $i + $j, 1);
            $ret .= ($c =~ /[[:print:]]/ && ord($c) < 127) ? $c : '.';
        }
        $ret .= "\n";
    }
    return $ret;
}

sub bin_to_hexstr { return unpack('H*', $_[0]); }
