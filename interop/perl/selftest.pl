#!/usr/bin/perl
# SPDX-License-Identifier: MIT
#
# selftest.pl: unit checks of minike-init.pl's fixed prototype helpers and primitives, no root
# and no network beyond loopback: checksum (RFC 1071 example and an IPv4 header from RFC 791
# practice), bin_to_hex layout, prf+ against RFC 7296's definition computed block by block,
# X25519 against RFC 7748 section 6.1, ChaCha20-Poly1305 against RFC 7539 section 2.8.2, and
# do_exchange's retransmission schedule against a silent UDP sink on 127.0.0.1, and the raw-key
# AUTH payloads (RSA methods 1 and 14, Ed25519) checked with python3 cryptography.
use strict;
use warnings;
use FindBin;
use Socket qw(:DEFAULT inet_aton);
use Time::HiRes qw(time);
require "$FindBin::Bin/minike-init.pl";

my($n, $fails) = (0, 0);
sub ok { my($c, $name) = @_; $n++; $fails++ unless $c; print(($c ? 'ok' : 'not ok'), " $n - $name\n"); }
sub h { return pack('H*', join('', @_)); }

# --- checksum (RFC 1071) ---
# RFC 1071 section 3 example: words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement sum),
# so the checksum is ~ddf2 = 220d.
ok(checksum(h('0001f203f4f5f6f7')) == 0x220d, 'checksum: RFC 1071 section 3 example');
# a well-known IPv4 header (checksum field b861), verifies to 0 and recomputes to b861
my $ip = h('450000730000400040110000c0a80001c0a800c7');
ok(checksum($ip) == 0xb861, 'checksum: IPv4 header example gives b861');
substr($ip, 10, 2) = pack('n', 0xb861);
ok(checksum($ip) == 0, 'checksum: header with its checksum sums to 0');
ok(checksum("\x01") == 0xfeff, 'checksum: odd length pads with a zero octet');
ok(checksum("\xff\xff\x00\x01") == 0xfffe, 'checksum: end-around carry folded');

# --- bin_to_hex (hexl layout) ---
my $dump = bin_to_hex("0123456789abcdef\x00\x01\xff");
my @dl = split /\n/, $dump;
ok(@dl == 2 && $dl[0] eq '0000: 3031 3233 3435 3637 3839 6162 6364 6566  0123456789abcdef'
   && $dl[1] =~ /^0010: 0001 ff +\.\.\.$/ && index($dl[1], '...') == index($dl[0], '0123'),
   'bin_to_hex: offset, 8 groups of 2 octets, printable column aligned') or print $dump;

# --- prf+ (RFC 7296 2.13), recomputed with the HMAC directly ---
my($k, $s) = ('K' x 32, 'seed');
my $t1 = Crypt::Mac::HMAC::hmac('SHA256', $k, "$s\x01");
my $t2 = Crypt::Mac::HMAC::hmac('SHA256', $k, "$t1$s\x02");
my $t3 = Crypt::Mac::HMAC::hmac('SHA256', $k, "$t2$s\x03");
ok(prf_plus($k, $s, 70) eq substr($t1 . $t2 . $t3, 0, 70), 'prf+: T1 | T2 | T3 with counters');

# --- X25519, RFC 7748 section 6.1 ---
my $a = Crypt::PK::X25519->new;
$a->import_key_raw(h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'), 'private');
my $b = Crypt::PK::X25519->new;
$b->import_key_raw(h('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'), 'public');
ok(unpack('H*', $a->export_key_raw('public'))
     eq '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a', 'X25519: RFC 7748 public');
ok(unpack('H*', $a->shared_secret($b))
     eq '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742', 'X25519: RFC 7748 shared');

# --- AEAD, RFC 7539 2.8.2 (key | salt layout as IKE/ESP use it) ---
my $key = h('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f') . h('07000000');
my $pt = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
my $ct = aead_encrypt([28, 0], $key, h('4041424344454647'), h('50515253c0c1c2c3c4c5c6c7'), $pt);
ok(unpack('H*', substr($ct, -16)) eq '1ae10b594f09e26a7e902ecbd0600691', 'ChaCha20-Poly1305: RFC 7539 tag');
ok(aead_decrypt([28, 0], $key, h('4041424344454647'), h('50515253c0c1c2c3c4c5c6c7'), $ct) eq $pt,
   'ChaCha20-Poly1305: decrypts');
substr($ct, 0, 1) ^= "\x01";
ok(!defined aead_decrypt([28, 0], $key, h('4041424344454647'), h('50515253c0c1c2c3c4c5c6c7'), $ct),
   'ChaCha20-Poly1305: a flipped bit fails');

# --- do_exchange: exponential backoff with a cap, counts down, then Timeout ---
socket(my $sink, PF_INET, SOCK_DGRAM, 0) or die;
bind($sink, sockaddr_in(0, inet_aton('127.0.0.1'))) or die;
my($port) = sockaddr_in(getsockname($sink));
pipe(my $rd, my $wr) or die;
my $pid = fork // die;
if (!$pid) {    # child: record arrival times, answer nothing, report the gaps on the pipe
    close($rd);
    my @t;
    my $rin = '';
    vec($rin, fileno($sink), 1) = 1;
    while (select(my $r = $rin, undef, undef, 1) > 0) { recv($sink, my $x, 4096, 0); push @t, time; }
    print $wr join(' ', map { sprintf '%.2f', $t[$_] - $t[$_ - 1] } 1 .. $#t), "\n";
    exit 0;
}
close($wr);
my $ikev2 = { ipaddr => inet_aton('127.0.0.1'), port => $port, timeout => 0.1, max_timeout => 0.4,
              retries => 5, marker => 1, spi_i => 'I' x 8, spi_r => "\0" x 8 };
main::open_socket($ikev2, undef, 0);
my $req = ike_header($ikev2, 0, 34, 8, 0, 28);
my $t0 = time;
my $r = eval { do_exchange($ikev2, $req) };
my $el = time - $t0;
ok(!defined $r && $@ =~ /^Timeout/, 'do_exchange: gives up with Timeout');
# 0.1 + 0.2 + 0.4 + 0.4 + 0.4 = 1.5 s (doubling, capped at 0.4; uncapped would be 3.1 s)
ok($el > 1.4 && $el < 2.5, sprintf('do_exchange: 5 tries, doubling to the cap, took %.2f s', $el));
waitpid($pid, 0);
chomp(my $gaps = <$rd> // '');
my @g = split ' ', $gaps;
# A loaded machine (2 cores, parallel ctest) delays a wake-up (0.27 s seen), never makes it
# early, and each timeout starts at the previous send: a gap is never short, may be up to 0.3 s
# late, the doubling shows, and the last gap stays below the uncapped 0.8 s.
my @want = (0.1, 0.2, 0.4, 0.4);
ok(@g == 4 && !grep({ $g[$_] < $want[$_] - 0.03 || $g[$_] > $want[$_] + 0.3 } 0 .. 3)
   && $g[2] > $g[0] + 0.15 && $g[3] < 0.7,
   "do_exchange: gaps between transmissions 0.1 0.2 0.4 0.4 (saw $gaps)");

# --- do_exchange: a send failure is an error, not silence ---
my $bad = { %$ikev2, hispaddr => pack_sockaddr_in(9, inet_aton('255.255.255.255')) };
socket(my $s2, PF_INET, SOCK_DGRAM, 0) or die;
$bad->{sock} = $s2;
$r = eval { do_exchange($bad, $req) };
ok(!defined $r && $@ =~ /^send: /, 'do_exchange: send failure detected (' . ($@ =~ s/\n//r) . ')');

# --- raw-key AUTH (RFC 7296 3.8 method 1, RFC 7427 method 14): layout, sign_auth/verify_auth
# round trip, and each signature checked by an independent implementation (python3 cryptography)
my $oct = 'RealMessage1' . ('N' x 32) . ('P' x 32);    # stands for RealMessage | Nonce | prf(...)
my $py = 'import sys; from cryptography.hazmat.primitives import serialization as S, hashes as H
from cryptography.hazmat.primitives.asymmetric import padding as P
k = S.load_der_public_key(bytes.fromhex(sys.argv[1])); s, m = (bytes.fromhex(a) for a in sys.argv[2:4])
k.verify(s, m) if sys.argv[4] == "-" else k.verify(s, m, P.PKCS1v15(), getattr(H, sys.argv[4])())';
my $havepy = system('/usr/bin/python3 -c "import cryptography" 2>/dev/null') == 0;
for my $c (['RSA', Crypt::PK::RSA->new->generate_key(128, 65537)],
           ['Ed25519', Crypt::PK::Ed25519->new->generate_key]) {
    my($alg, $key) = @$c;
    ($main::mykey, $main::peerkey) = ($key, $key);
    for my $hashes ({2 => 1, 5 => 1}, {}) {
        my $st = {peer_hashes => $hashes};
        my($m, $d) = eval { sign_auth($st, $oct) };
        if ($alg eq 'Ed25519' && !%$hashes) {
            ok(!defined $m && $@ =~ /hash 5/, 'sign_auth: Ed25519 without hash 5 announced fails');
            next;
        }
        my($want, $pre, $hash) = !%$hashes ? (1, '', 'SHA1') : $alg eq 'RSA'
          ? (14, h('0f300d06092a864886f70d01010b0500'), 'SHA256') : (14, h('07300506032b6570'), '-');
        ok($m == $want && substr($d, 0, length($pre)) eq $pre
           && length($d) == length($pre) + ($alg eq 'RSA' ? 128 : 64),
           "sign_auth $alg: method $want, AlgorithmIdentifier and signature length");
        ok(verify_auth($st, pack('Cx3', $m) . $d, $oct) && !verify_auth($st, pack('Cx3', $m) . $d, "$oct!"),
           "verify_auth $alg method $m: accepts the signature, rejects other octets");
        next unless $havepy;
        my $rc = system('/usr/bin/python3', '-c', $py, unpack('H*', spki($key)),
                        unpack('H*', substr($d, length($pre))), unpack('H*', $oct), $hash);
        ok($rc == 0, "python3 cryptography verifies the $alg method $m signature ($hash)");
    }
}
($main::mykey, $main::peerkey) = (undef, undef);

print "1..$n\n";
exit($fails ? 1 : 0);
