# contrib/bench/load.sh -- one timed SMTP load through the private Postfix
# of t/e2e/lib.sh (sourced after it) for the benchmarks that send mail
# (postfix-bench.sh, replica-bench.sh, modes-bench.sh).
#
#	bench_load LABEL COUNT LIMIT COMMAND...
#	    clear smtp-sink; run COMMAND (the load generator: load_gen smtp,
#	    smtp-source ...) under timeout LIMIT seconds, its output appended
#	    to $E2E_TMP/load.log; wait at most LIMIT seconds until COUNT
#	    messages are at smtp-sink.  T_SEND: seconds until COMMAND ended,
#	    T_DONE: until the last message arrived.  False (after saying
#	    why, with the tails of load.log and Postfix's maillog) when
#	    COMMAND failed or timed out or messages are missing; the caller
#	    then checks what arrived.
#	bench_smtp LABEL SESSIONS COUNT BASE
#	    bench_load of COUNT messages by contrib/bench's load_gen smtp
#	    ($load) over SESSIONS sessions to Postfix ($E2E_SMTP_PORT),
#	    $nrcpt recipients each from number BASE on, $limit seconds at
#	    most; exits 1 when it fails.
#
# shellcheck shell=bash disable=SC2034,SC2154  # T_SEND, T_DONE are for the caller; load, nrcpt, limit are its

T_SEND=""
T_DONE=""

# bench_now: seconds since the epoch, with nanoseconds.
bench_now()
{
	date +%s.%N
}

bench_load()
{
	local label=$1 n=$2 limit=$3 t0 t1 t2
	shift 3
	e2e_sink_clear
	t0=$(bench_now)
	if ! timeout "$limit" "$@" >>"$E2E_TMP/load.log" 2>&1; then
		echo "$(basename "$1") failed or timed out ($label):" >&2
		tail -n 5 "$E2E_TMP/load.log" >&2
		tail -n 20 "$E2E_TMP/postfix/maillog" >&2
		return 1
	fi
	t1=$(bench_now)
	if ! e2e_sink_wait "$n" "$limit"; then
		echo "only $(e2e_sink_count) of $n messages arrived ($label)" >&2
		return 1
	fi
	t2=$(bench_now)
	T_SEND=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	T_DONE=$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')
}

bench_smtp()
{
	bench_load "$1" "$3" "$limit" "$load" smtp -s "$2" -m "$3" \
	    -r "$nrcpt" -b "$4" -T "$limit" "127.0.0.1:$E2E_SMTP_PORT" || exit 1
}
