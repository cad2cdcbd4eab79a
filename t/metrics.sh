# t/metrics.sh -- sourced by the tests of the metrics endpoint (SPEC
# section 7): t/milter/test-metrics.sh and t/ldap/test-metrics.sh.
#
#	metrics_get PORT [PATH [CURL-ARGS...]]   GET http://127.0.0.1:PORT/PATH
#	    (default /metrics): the body in $METRICS_BODY (a file in
#	    $METRICS_TMP), "CODE CONTENT-TYPE" in $METRICS_STATUS; at most 5 s
#	metrics_value SERIES     the value of the sample SERIES (exactly
#	    name{labels} as exposed) in the last body, or "absent"
#	metrics_wait SERIES VALUE [SECONDS]   scrape until SERIES is VALUE
#	    (default at most 10 s); returns 1 when it never was
#	metrics_valid FILE       the text is a valid exposition: promtool
#	    check metrics when installed, else a strict parser (perl); the
#	    problems on stderr
#
# Set METRICS_TMP (a scratch folder) and METRICS_PORT before use.

# shellcheck shell=bash disable=SC2034  # variables are for the sourcing script
METRICS_BODY=""
METRICS_STATUS=""

metrics_get()
{
	local port=$1 path=${2:-/metrics}
	shift 2 2>/dev/null || shift $#
	METRICS_BODY=$METRICS_TMP/metrics.body
	METRICS_STATUS=$(curl -s --max-time 5 -o "$METRICS_BODY" \
	    -w '%{http_code} %{content_type}' "$@" \
	    "http://127.0.0.1:$port$path") || true
}

metrics_value()
{
	awk -v s="$1" '
		substr($0, 1, length(s) + 1) == s " " { print substr($0, length(s) + 2); f = 1; exit }
		END { if (!f) print "absent" }' "$METRICS_BODY"
}

metrics_wait()
{
	local series=$1 want=$2 seconds=${3:-10} i
	for i in $(seq 1 $((seconds * 10))); do
		metrics_get "$METRICS_PORT" /metrics
		[ "$(metrics_value "$series")" = "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

metrics_valid()
{
	local promtool=${PROMTOOL:-$(command -v promtool || true)}

	if [ -n "$promtool" ] && [ -x "$promtool" ]; then
		"$promtool" check metrics <"$1"
		return
	fi
	# the text format 0.0.4: HELP and TYPE once per family, before its
	# samples; names and labels as the format spells them; float values
	perl -ne '
		BEGIN { $ok = 1 }
		chomp;
		if (/^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S/) {
			$ok = 0, print STDERR "$.: HELP twice: $_\n" if $help{$1}++;
			next;
		}
		if (/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/) {
			$ok = 0, print STDERR "$.: TYPE twice or late: $_\n"
			    if $type{$1} || $seen{$1};
			$type{$1} = $2; $fam = $1; next;
		}
		if (/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? ([-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|Inf|NaN))$/) {
			my $n = $1; my $base = $n;
			$base =~ s/_(bucket|sum|count)$// if !$type{$n};
			$ok = 0, print STDERR "$.: no TYPE before: $_\n"
			    unless $type{$base} && $base eq $fam;
			$seen{$base} = 1; next;
		}
		$ok = 0; print STDERR "$.: not the text format: $_\n";
		END { exit($ok ? 0 : 1) }' "$1"
}
