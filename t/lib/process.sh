# t/lib/process.sh -- the processes a test starts, waited for and stopped
# by their own PID.  Sourced by every harness file (t/e2e/lib.sh,
# t/lib/slapd.sh, t/lib/samba.sh, ...) and by the tests that start a
# daemon themselves.  Every wait is bounded.
#
#	cmd ... & pid=$!
#	proc_wait_up "$pid" 100 test -S "$sock" || fatal "did not start"
#	proc_wait_exit "$pid" 100 && echo "exited $PROC_STATUS"
#	proc_stop "$pid" 10 "slapd a"      # TERM, at most 10 s, KILL, reap
#
# shellcheck shell=bash

PROC_STATUS=""

# proc_alive PID: true while PID runs (false for an empty PID).
proc_alive()
{
	[ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null
}

# proc_wait_up PID TENTHS COMMAND...: poll COMMAND every 0.1 s, at most
# TENTHS times, while PID runs (an empty PID: no process to watch); true as
# soon as COMMAND succeeds, false when PID has exited or time ran out (the
# caller says what did not start).
proc_wait_up()
{
	local pid=$1 tenths=$2
	shift 2
	for _ in $(seq 1 "$tenths"); do
		"$@" && return 0
		[ -z "$pid" ] || proc_alive "$pid" || return 1
		sleep 0.1
	done
	return 1
}

# proc_gone PID TENTHS: wait (at most TENTHS tenths of a second) until PID
# is gone; false when it still runs.  For any process, a child of this
# shell or not (a Postfix master); it reaps nothing.
proc_gone()
{
	for _ in $(seq 1 "$2"); do
		proc_alive "$1" || return 0
		sleep 0.1
	done
	! proc_alive "$1"
}

# proc_wait_exit PID TENTHS: wait (bounded as proc_gone) until PID, a child
# of this shell, has exited, and reap it: true with PROC_STATUS its exit
# status (128 + N when signal N killed it); false when it still runs.
proc_wait_exit()
{
	proc_gone "$1" "$2" || return 1
	PROC_STATUS=0
	wait "$1" 2>/dev/null || PROC_STATUS=$?
	return 0
}

# proc_kill PID: SIGKILL (for one that did not stop by itself) and reap.
proc_kill()
{
	[ -n "${1:-}" ] || return 0
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# proc_stop PID [SECONDS [NAME]]: stop PID, a child of this shell: SIGCONT
# (it may be frozen), SIGTERM, at most SECONDS (default 10), then SIGKILL
# with a warning naming NAME on stderr; reap it, its exit status in
# PROC_STATUS (127 when it was reaped before).  Always true; nothing is
# sent to an empty PID or one that is already gone.
proc_stop()
{
	local pid=${1:-} secs=${2:-10} name=${3:-PID ${1:-}}
	[ -n "$pid" ] || return 0
	if proc_alive "$pid"; then
		kill -CONT "$pid" 2>/dev/null || true
		kill -TERM "$pid" 2>/dev/null || true
		if ! proc_gone "$pid" $((secs * 10)); then
			echo "warning: $name (PID $pid) ignored SIGTERM, killing" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	PROC_STATUS=0
	wait "$pid" 2>/dev/null || PROC_STATUS=$?
	return 0
}
