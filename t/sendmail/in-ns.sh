#!/bin/bash
# t/sendmail/in-ns.sh -- run a command with its own host name and its own
# /dev/log, for a private Sendmail (t/lib/sendmail.sh):
#
#	unshare --uts --mount --propagation private \
#	    in-ns.sh HOSTNAME LOG-SOCKET SCRATCH-DIR COMMAND [ARG...]
#
# Run inside fresh UTS and mount namespaces (unshare), it sets the host name
# to HOSTNAME (Sendmail sleeps 60 s at start when its name is not fully
# qualified), makes /dev/log the datagram socket LOG-SOCKET (Sendmail logs
# to syslog only; the test's reader of LOG-SOCKET is its maillog) and
# execs COMMAND, so that COMMAND keeps this script's PID.
#
# When the machine has no /dev/log (a container), /dev is replaced, in the
# namespace only, by a tmpfs under SCRATCH-DIR holding the device nodes a
# daemon uses, bind-mounted from the real /dev, and a log node.  Nothing
# outside the namespace changes.
set -eu

if [ $# -lt 4 ]; then
	echo "usage: $0 HOSTNAME LOG-SOCKET SCRATCH-DIR COMMAND [ARG...]" >&2
	exit 64
fi
host=$1 sock=$2 scratch=$3
shift 3

[ -S "$sock" ] || { echo "$0: not a socket: $sock" >&2; exit 2; }
hostname "$host"

if [ -e /dev/log ] || [ -L /dev/log ]; then
	# a socket or a symlink to one (systemd): mount over it
	mount --bind "$sock" /dev/log
else
	mkdir -p "$scratch/hostdev"
	mount --bind /dev "$scratch/hostdev"
	mount -t tmpfs -o mode=755,size=1m mailswitch-dev /dev
	for n in null zero full random urandom tty; do
		[ -e "$scratch/hostdev/$n" ] || continue
		: >"/dev/$n"
		mount --bind "$scratch/hostdev/$n" "/dev/$n"
	done
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	mkdir /dev/pts /dev/shm
	: >/dev/log
	mount --bind "$sock" /dev/log
fi

exec "$@"
