#!/usr/bin/perl
# t/sendmail/syslogd.pl -- the private Sendmail's maillog (t/lib/sendmail.sh).
#
#	syslogd.pl SOCKET LOGFILE
#
# Binds the datagram socket SOCKET (mode 0666; in-ns.sh mounts it on the
# namespace's /dev/log) and appends each message received to LOGFILE, one
# line each, without its "<PRI>" prefix.  Runs until it is sent SIGTERM.
# perl-base only (Essential on Debian): Socket.
use strict;
use warnings;
use Socket;

@ARGV == 2 or die "usage: syslogd.pl SOCKET LOGFILE\n";
my ($path, $logfile) = @ARGV;

$SIG{TERM} = sub { exit 0 };
unlink $path;
socket(my $sock, PF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\n";
bind($sock, pack_sockaddr_un($path)) or die "bind $path: $!\n";
chmod 0666, $path or die "chmod $path: $!\n";
open(my $out, '>>', $logfile) or die "$logfile: $!\n";
binmode $out;
$out->autoflush(1);
while (1) {
	my $data;
	defined(recv($sock, $data, 65536, 0)) or next;
	$data =~ s/^<[0-9]{1,3}>//;
	$data =~ s/[\r\n\0]+$//;
	$data =~ s/\n/ /g;
	print $out "$data\n";
}
