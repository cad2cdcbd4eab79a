# t/ports.sh -- sourced by the test harnesses (t/e2e/lib.sh, t/lib/slapd.sh).
#
# free_port [EXCLUDED...]: prints a TCP port on 127.0.0.1 in 10000..31999
# (below Linux's ephemeral range) that no socket uses -- not only listeners:
# an outgoing connection's local port blocks a bind() too -- and that is
# none of the arguments.  Returns 1 when 200 tries found none.
free_port()
{
	local used port i
	used=$(ss -Htan 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
	for i in $(seq 1 200); do
		port=$((10000 + RANDOM % 22000))
		case " $* " in *" $port "*) continue ;; esac
		if ! grep -qx "$port" <<<"$used"; then
			echo "$port"
			return 0
		fi
	done
	return 1
}
