# t/pkg/postfix-lines.sh -- sourced: the Postfix lines README gives, read
# as data, and the same settings read from contrib/postfix/.
#
#	postfix_block FILE MARKER     the block whose first line is MARKER
#	postfix_block_settings        (stdin: a block) its settings, one a line
#	postfix_main_settings FILE    the settings of a main.cf fragment
#	postfix_master_settings FILE  the services of a master.cf fragment
#	postfix_transport_settings FILE  the entries of a transport table
#
# A setting is printed as one normalized line (white space collapsed):
#	main NAME = VALUE
#	master SERVICE/TYPE ENTRY
#	master-o SERVICE/TYPE NAME=VALUE
#	transport PATTERN NEXTHOP
# so that README's `postconf` commands and contrib's files compare as
# sorted sets.  postfix_block_settings prints "unknown LINE" for a line of
# the block that is none of postconf -e/-M/-P, an echo into
# /etc/postfix/transport, postmap /etc/postfix/transport, postfix reload
# or a comment.

# postfix_block FILE MARKER: the lines from the one that is MARKER (after
# its indentation) to the first blank line or roff .Ed, without the
# marker's indentation.
postfix_block()
{
	awk -v m="$2" '
	!on {
		line = $0
		sub(/^[ \t]+/, "", line)
		if (line == m) {
			on = 1
			ind = length($0) - length(line)
			print line
		}
		next
	}
	/^[ \t]*$/ || /^\.Ed/ { exit }
	{ print substr($0, ind + 1) }
	' "$1"
}

# Collapse white space, trim.
postfix_norm()
{
	sed -e 's/[[:space:]][[:space:]]*/ /g' -e 's/^ //' -e 's/ $//'
}

postfix_block_settings()
{
	local line arg svc
	while IFS= read -r line; do
		case $line in
		'#'*|'postmap /etc/postfix/transport'|'postfix reload')
			;;
		"postconf -e '"*"'")
			arg=${line#"postconf -e '"}; arg=${arg%"'"}
			printf 'main %s = %s\n' "$(printf '%s' "${arg%%=*}" | postfix_norm)" \
			    "$(printf '%s' "${arg#*=}" | postfix_norm)"
			;;
		"postconf -M '"*"'")
			arg=${line#"postconf -M '"}; arg=${arg%"'"}
			printf 'master %s %s\n' "${arg%%=*}" \
			    "$(printf '%s' "${arg#*=}" | postfix_norm)"
			;;
		"postconf -P '"*"'")
			arg=${line#"postconf -P '"}; arg=${arg%"'"}
			svc=${arg%%=*}; svc=${svc%/*}	# SERVICE/TYPE
			printf 'master-o %s %s\n' "$svc" "${arg#"$svc/"}"
			;;
		"echo '"*"' >>/etc/postfix/transport")
			arg=${line#"echo '"}; arg=${arg%"' >>/etc/postfix/transport"}
			printf 'transport %s\n' "$(printf '%s' "$arg" | postfix_norm)"
			;;
		*)
			printf 'unknown %s\n' "$line"
			;;
		esac
	done
}

# The active settings of a main.cf fragment (continuation lines joined).
postfix_main_settings()
{
	awk '
	function flush() {
		if (cur == "") return
		n = index(cur, "=")
		name = substr(cur, 1, n - 1); value = substr(cur, n + 1)
		gsub(/[ \t]+/, " ", name); gsub(/^ | $/, "", name)
		gsub(/[ \t]+/, " ", value); gsub(/^ | $/, "", value)
		print "main " name " = " value
		cur = ""
	}
	/^[ \t]*#/ || /^[ \t]*$/ { flush(); next }
	/^[ \t]/ { cur = cur " " $0; next }
	{ flush(); cur = $0 }
	END { flush() }
	' "$1"
}

# The active services of a master.cf fragment and their -o options.
postfix_master_settings()
{
	awk '
	/^[ \t]*#/ || /^[ \t]*$/ { next }
	/^[^ \t]/ {
		svc = $1 "/" $2
		line = $0; gsub(/[ \t]+/, " ", line); sub(/ $/, "", line)
		print "master " svc " " line
		next
	}
	$1 == "-o" { print "master-o " svc " " $2 }
	' "$1"
}

# The active entries of a transport table.
postfix_transport_settings()
{
	awk '!/^[ \t]*#/ && NF { print "transport " $1 " " $2 }' "$1"
}
