#!/usr/bin/perl
# Sisimai, the reference bounce classifier, as the peer of `mailcheck bounce` (bench/).
#
#   perl bench/sisimai_driver.pl files FILE...   one JSON line per bounced recipient
#   perl bench/sisimai_driver.pl mbox MBOX       parse an mbox, print how many records
#
# Debian's libsisimai-perl (4.25). `delivered => 0`: only failures, delays and
# auto-replies, as mailcheck reports them.
use strict;
use warnings;
use Sisimai;
use JSON::PP;

my ($mode, @paths) = @ARGV;
my $json = JSON::PP->new->canonical->ascii;  # bytes from the wire stay valid JSON
if ($mode eq 'mbox') {
    my $records = Sisimai->make($paths[0], 'delivered' => 0) || [];
    print scalar(@$records), "\n";
    exit 0;
}
for my $path (@paths) {
    my $records = eval { Sisimai->make($path, 'delivered' => 0) } || [];
    for my $r (@$records) {
        print $json->encode({
            file => $path,
            recipient => lc($r->recipient->address // ''),
            reason => $r->reason // '',
            deliverystatus => $r->deliverystatus // '',
            diagnosticcode => $r->diagnosticcode // '',
        }), "\n";
    }
}
