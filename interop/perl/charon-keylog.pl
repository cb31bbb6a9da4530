#!/usr/bin/perl
# SPDX-License-Identifier: MIT
#
# charon-keylog.pl: compare the keys an initiator printed ("name = hex" lines from
# minike-init.pl --print-keys) with strongSwan's level-4 key log (charon filelog with ike = 4,
# chd = 4). Only log lines after line FROM are read (the part one run wrote); for each label the
# last value wins. Exit 0 only if every compared key is present on both sides and equal.
#
# usage: charon-keylog.pl CHARON_KEYS_LOG FROM_LINE INITIATOR_OUTPUT
use strict;
use warnings;

my($log, $from, $out) = @ARGV;
die "usage: $0 CHARON_KEYS_LOG FROM_LINE INITIATOR_OUTPUT\n" unless defined $out;
my %label = ('shared Diffie Hellman secret' => 'g^ir', 'SKEYSEED' => 'SKEYSEED',
    'Sk_d secret' => 'SK_d', 'Sk_ei secret' => 'SK_ei', 'Sk_er secret' => 'SK_er',
    'Sk_pi secret' => 'SK_pi', 'Sk_pr secret' => 'SK_pr',
    'encryption initiator key' => 'KEYMAT_ei', 'encryption responder key' => 'KEYMAT_er');

my(%charon, $cur);
open(my $fh, '<', $log) or die "$log: $!\n";
while (my $l = <$fh>) {
    next if $. <= $from;
    if ($l =~ /\[(?:IKE|CHD)\] <[^>]*> (.+?) => \d+ bytes @/) {
        $cur = $label{$1};
        $charon{$cur} = '' if $cur;
    } elsif ($cur && $l =~ /\[(?:IKE|CHD)\] <[^>]*>\s+\d+: ((?:[0-9A-F]{2} )*[0-9A-F]{2})/) {
        (my $h = $1) =~ s/ //g;
        $charon{$cur} .= lc $h;
    } else {
        $cur = undef;
    }
}
my %mine;
open($fh, '<', $out) or die "$out: $!\n";
while (<$fh>) { $mine{$1} = $2 if /^(\S+) = ([0-9a-f]*)$/; }

my $bad = 0;
for my $k (qw(g^ir SKEYSEED SK_d SK_ei SK_er SK_pi SK_pr KEYMAT_ei KEYMAT_er)) {
    my($c, $m) = ($charon{$k}, $mine{$k});
    my $st = !defined $c ? 'MISSING in charon log' : !defined $m ? 'MISSING in initiator output'
           : $c eq $m ? 'equal' : 'DIFFERENT';
    $bad++ if $st ne 'equal';
    printf "  %-10s %s%s\n", $k, $st, $st eq 'equal' ? ' (' . length($c) / 2 . ' octets)' : '';
}
exit($bad ? 1 : 0);
