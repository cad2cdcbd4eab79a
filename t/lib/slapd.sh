# t/lib/slapd.sh -- private OpenLDAP servers for the ldap back-end tests.
#
# Source it from a bash script (set -eu):
#
#	. "$TOP/t/lib/slapd.sh"
#	slapd_init                     # temp dir; call slapd_cleanup on EXIT
#	slapd_certs                    # CA + server certs (for --tls)
#	slapd_start one [--tls good|other] [--auth] [--ldif FILE] [--syncprov]
#	    [--idletimeout SECONDS]
#	echo "${SLAPD_URI[one]} ${SLAPD_LDAPS[one]}"
#	slapd_stop one; slapd_restart one; slapd_pause one; slapd_resume one
#	slapd_modify one <changes.ldif      # ldapmodify -a as the rootdn
#	slapd_aside one COMMAND...          # one, stopped, up on a side port
#	slapd_prtotal one 5                 # one, stopped: a paged search's
#	                                    # total limit from its next start
#
# Each server: a slapd.conf-style configuration generated in its own folder
# under $SLAPD_TMP (core, cosine, inetorgperson and contrib/ldap/
# mailswitch.schema), an mdb database there loaded with slapadd before the
# start (contrib/ldap/contacts.ldif unless --ldif), rootdn
# cn=admin,dc=contoso,dc=com, and a read-only account
# cn=mailswitch,ou=system,dc=contoso,dc=com whose password is
# $SLAPD_BIND_PASSWORD.  It listens on 127.0.0.1 only (a free port, kept
# across restarts; with --tls also ldaps:// on a second one), runs in the
# foreground (-d 256: one line per operation in its slapd.log) as the user
# running the test, and is started, stopped, paused and resumed by its own
# PID.  Every wait is bounded.
#
#   --tls good   server certificate for CN=localhost, IP SAN 127.0.0.1 from
#                $SLAPD_TMP/certs/ca.pem (the CA clients trust)
#   --tls other  the same names from another CA (other-ca.pem)
#   --auth       anonymous clients may bind but read nothing
#   --idletimeout N  slapd closes a connection idle for N seconds (as
#                Active Directory's MaxConnIdleTime, or a firewall)
#   --syncprov   the syncprov overlay on the database (RFC 4533: the
#                server offers syncrepl, 1.3.6.1.4.1.4203.1.9.1.1, and
#                keeps a contextCSN, checkpointed after every write); a
#                syncrepl search is not paged: over 500 entries its
#                refresh hits the size limit below
#
# Every database maintains entryUUID, entryCSN and modifyTimestamp (mdb
# does), with an equality index on modifyTimestamp and entryCSN; the
# rootdn's password is $SLAPD_ROOT_PASSWORD (ldapmodify -D "$SLAPD_ROOT_DN",
# or slapd_modify).  A search returns at most 500 entries, a paged one
# (RFC 2696) any number.
#
# A benchmark with a bigger directory sets, before slapd_start:
#   SLAPD_MAXSIZE    the mdb database's maxsize in bytes (10485760: the
#                    test directories)
#   SLAPD_SIZELIMIT  slapd's sizelimit directive ("size.soft=500
#                    size.hard=500 size.prtotal=unlimited"; "unlimited":
#                    no 500-entry cap on any search)
#
# With SLAPD_OWNER=1 (a caller that cleans up on its own), slapd_init
# installs no trap; otherwise it installs slapd_cleanup on EXIT.

# shellcheck shell=bash disable=SC2034  # variables are for the sourcing script
SLAPD_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$SLAPD_LIB_DIR/../ports.sh"
. "$SLAPD_LIB_DIR/process.sh"
. "$SLAPD_LIB_DIR/tmpdir.sh"
. "$SLAPD_LIB_DIR/mailswitch.sh"
SLAPD_TOP=$(cd "$SLAPD_LIB_DIR/../.." && pwd)
SLAPD_SCHEMA_DIR=${SLAPD_SCHEMA_DIR:-/etc/ldap/schema}
SLAPD_MODULE_DIR=${SLAPD_MODULE_DIR:-/usr/lib/ldap}
SLAPD_BASE="dc=contoso,dc=com"
SLAPD_BIND_DN="cn=mailswitch,ou=system,dc=contoso,dc=com"
SLAPD_BIND_PASSWORD="s3cret-Pa55-for-tests"
SLAPD_ROOT_DN="cn=admin,$SLAPD_BASE"
SLAPD_MAXSIZE=${SLAPD_MAXSIZE:-10485760}
SLAPD_SIZELIMIT=${SLAPD_SIZELIMIT:-"size.soft=500 size.hard=500 size.prtotal=unlimited"}
SLAPD_ROOT_PASSWORD="admin-secret"
SLAPD_TMP=""
declare -A SLAPD_PID SLAPD_PORT SLAPD_TLSPORT SLAPD_URI SLAPD_LDAPS SLAPD_ARGS

slapd_die()
{
	echo "FATAL: $*" >&2
	exit 2
}

# Create the temp dir (world-readable: the milter may run as nobody).
slapd_init()
{
	local cmd
	for cmd in slapd slapadd openssl ss; do
		command -v "$cmd" >/dev/null 2>&1 ||
		    [ -x "/usr/sbin/$cmd" ] || slapd_die "missing command: $cmd"
	done
	PATH=$PATH:/usr/sbin
	SLAPD_TMP=$(tmpdir_make ldap)
	if [ "${SLAPD_OWNER:-0}" != 1 ]; then
		trap slapd_cleanup EXIT
		trap 'exit 130' INT TERM
	fi
}

# Stop every server (resumed first if paused) and remove the temp dir.
slapd_cleanup()
{
	local rc=$? name
	set +e
	for name in "${!SLAPD_PID[@]}"; do
		slapd_stop "$name"
	done
	tmpdir_remove "$SLAPD_TMP" "${SLAPD_KEEP:-0}"
	return "$rc"
}

# Print a free TCP port on 127.0.0.1 that is none of the arguments, nor a
# port this library or t/e2e/lib.sh handed out.
slapd_free_port()
{
	# shellcheck disable=SC2086
	free_port "$@" ${SLAPD_PORT[*]} ${SLAPD_TLSPORT[*]} \
	    ${E2E_SMTP_PORT:-} ${E2E_SINK_PORT:-} ${E2E_MILTER_PORT:-} \
	    ${E2E_SUB_PORT:-} ${E2E_SOCKETMAP_PORT:-} ${E2E_INET_PORT:-} ||
	    slapd_die "no free port found"
}

slapd_port_open()
{
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Make a CA, a server certificate from it (CN=localhost, SAN IP:127.0.0.1
# and DNS:localhost), and the same from another CA, under $SLAPD_TMP/certs:
# ca.pem, server.pem/server.key, other-ca.pem, other.pem/other.key.
slapd_certs()
{
	local d=$SLAPD_TMP/certs ca
	mkdir -p "$d"
	printf '%s\n' "subjectAltName = IP:127.0.0.1, DNS:localhost" \
	    "basicConstraints = CA:FALSE" \
	    "keyUsage = digitalSignature, keyEncipherment" \
	    "extendedKeyUsage = serverAuth" >"$d/server.ext"
	for ca in ca other-ca; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout "$d/$ca.key" -out "$d/$ca.pem" -days 2 \
		    -subj "/CN=mailswitch test $ca" \
		    -addext "basicConstraints=critical,CA:TRUE" \
		    -addext "keyUsage=critical,keyCertSign,cRLSign" \
		    >/dev/null 2>&1 || slapd_die "openssl: cannot make $ca"
	done
	for srv in server:ca other:other-ca; do
		local name=${srv%%:*} issuer=${srv#*:}
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout "$d/$name.key" -out "$d/$name.csr" \
		    -subj "/CN=localhost" >/dev/null 2>&1 ||
		    slapd_die "openssl: cannot make the $name request"
		openssl x509 -req -in "$d/$name.csr" -CA "$d/$issuer.pem" \
		    -CAkey "$d/$issuer.key" -CAcreateserial -days 2 \
		    -extfile "$d/server.ext" -out "$d/$name.pem" \
		    >/dev/null 2>&1 ||
		    slapd_die "openssl: cannot sign the $name certificate"
	done
	chmod 644 "$d"/*.pem
}

# Write NAME's slapd.conf.  TLS: "", good or other; AUTH: 0 or 1;
# SYNCPROV: 0 or 1; IDLE: seconds of idletimeout, 0 for none.
slapd_config()
{
	local name=$1 tls=$2 auth=$3 syncprov=${4:-0} idle=${5:-0}
	local d=$SLAPD_TMP/$1 cert=""
	case $tls in
	good) cert=server ;;
	other) cert=other ;;
	esac
	{
		echo "# private slapd for mailswitch tests (t/lib/slapd.sh)"
		echo "include $SLAPD_SCHEMA_DIR/core.schema"
		echo "include $SLAPD_SCHEMA_DIR/cosine.schema"
		echo "include $SLAPD_SCHEMA_DIR/inetorgperson.schema"
		echo "include $SLAPD_TOP/contrib/ldap/mailswitch.schema"
		echo "pidfile $d/slapd.pid"
		echo "argsfile $d/slapd.args"
		echo "modulepath $SLAPD_MODULE_DIR"
		echo "moduleload back_mdb"
		[ "$idle" = 0 ] || echo "idletimeout $idle"
		if [ "$syncprov" = 1 ]; then
			[ -e "$SLAPD_MODULE_DIR/syncprov.la" ] ||
			    [ -e "$SLAPD_MODULE_DIR/syncprov.so" ] ||
			    slapd_die "no syncprov module in $SLAPD_MODULE_DIR"
			echo "moduleload syncprov"
		fi
		if [ -n "$cert" ]; then
			echo "TLSCertificateFile $SLAPD_TMP/certs/$cert.pem"
			echo "TLSCertificateKeyFile $SLAPD_TMP/certs/$cert.key"
		fi
		echo "database mdb"
		echo "maxsize $SLAPD_MAXSIZE"
		echo "suffix \"$SLAPD_BASE\""
		echo "rootdn \"$SLAPD_ROOT_DN\""
		echo "rootpw $SLAPD_ROOT_PASSWORD"
		echo "directory $d/db"
		echo "index objectClass eq"
		echo "index proxyAddresses eq"
		echo "index targetAddress eq"
		echo "index modifyTimestamp eq"
		echo "index entryCSN,entryUUID eq"
		# by default 500 entries per search (slapd's default), but no
		# limit on the total of a paged one (as Active Directory): the
		# replica's full load pages through every entry
		echo "sizelimit $SLAPD_SIZELIMIT"
		echo "access to attrs=userPassword by anonymous auth by * none"
		if [ "$auth" = 1 ]; then
			echo "access to * by users read by * none"
		else
			echo "access to * by * read"
		fi
		if [ "$syncprov" = 1 ]; then
			echo "overlay syncprov"
			echo "syncprov-checkpoint 1 1"
		fi
	} >"$d/slapd.conf"
}

# Start server NAME (see the options above); sets SLAPD_PID[NAME],
# SLAPD_PORT[NAME], SLAPD_URI[NAME] (ldap://127.0.0.1:PORT/) and, with
# --tls, SLAPD_TLSPORT[NAME] and SLAPD_LDAPS[NAME].
slapd_start()
{
	local name=$1 tls="" auth=0 syncprov=0 idle=0
	local ldif=$SLAPD_TOP/contrib/ldap/contacts.ldif
	local d=$SLAPD_TMP/$1 port tlsport="" urls try
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--tls) tls=$2; shift ;;
		--auth) auth=1 ;;
		--ldif) ldif=$2; shift ;;
		--syncprov) syncprov=1 ;;
		--idletimeout) idle=$2; shift ;;
		*) slapd_die "slapd_start: unknown option $1" ;;
		esac
		shift
	done
	mkdir -p "$d/db"
	slapd_config "$name" "$tls" "$auth" "$syncprov" "$idle"
	{
		cat "$ldif"
		printf '\n'
		printf '%s\n' "dn: ou=system,$SLAPD_BASE" \
		    "objectClass: organizationalUnit" "ou: system" ""
		printf '%s\n' "dn: $SLAPD_BIND_DN" "objectClass: person" \
		    "cn: mailswitch" "sn: mailswitch" \
		    "userPassword: $SLAPD_BIND_PASSWORD"
	} >"$d/data.ldif"
	slapadd -q -f "$d/slapd.conf" -l "$d/data.ldif" >"$d/slapadd.log" 2>&1 ||
	    slapd_die "slapadd failed: $(cat "$d/slapadd.log")"
	# a port free a moment ago may be taken by another test meanwhile:
	# new ports, at most 5 times
	for try in 1 2 3 4 5; do
		port=$(slapd_free_port)
		SLAPD_PORT[$name]=$port
		SLAPD_URI[$name]="ldap://127.0.0.1:$port/"
		urls="ldap://127.0.0.1:$port/"
		if [ -n "$tls" ]; then
			tlsport=$(slapd_free_port "$port")
			SLAPD_TLSPORT[$name]=$tlsport
			SLAPD_LDAPS[$name]="ldaps://127.0.0.1:$tlsport/"
			urls="$urls ldaps://127.0.0.1:$tlsport/"
		fi
		SLAPD_ARGS[$name]=$urls
		: >"$d/slapd.log"
		slapd_try "$name" && return 0
		grep -q "Address already in use" "$d/slapd.log" || break
	done
	slapd_fail "$name"
}

# Start the slapd of NAME on the ports it was given; wait (at most 10 s)
# until it accepts connections.  Returns 1 when it did not (stopped then).
slapd_try()
{
	local name=$1 d=$SLAPD_TMP/$1
	slapd -f "$d/slapd.conf" -h "${SLAPD_ARGS[$name]}" -d 256 \
	    >>"$d/slapd.log" 2>&1 &
	SLAPD_PID[$name]=$!
	proc_wait_up "${SLAPD_PID[$name]}" 100 slapd_listens "$name" &&
	    return 0
	slapd_stop "$name"
	return 1
}

# True when NAME accepts on its port (and on its LDAPS port, if it has one).
slapd_listens()
{
	slapd_port_open "${SLAPD_PORT[$1]}" &&
	    { [ -z "${SLAPD_TLSPORT[$1]:-}" ] ||
	    slapd_port_open "${SLAPD_TLSPORT[$1]}"; }
}

# Show why NAME did not start, and stop the test.
slapd_fail()
{
	cat "$SLAPD_TMP/$1/slapd.log" >&2
	slapd_die "slapd $1 did not start on ${SLAPD_ARGS[$1]}"
}

# Restart NAME on the same ports (after slapd_stop).
slapd_run()
{
	slapd_try "$1" || slapd_fail "$1"
}

# Stop NAME by its PID (SIGCONT first, in case it is paused; SIGTERM, at
# most 10 s, then SIGKILL).
slapd_stop()
{
	proc_stop "${SLAPD_PID[$1]:-}" 10 "slapd $1"
	SLAPD_PID[$1]=""
}

slapd_restart()
{
	slapd_stop "$1"
	slapd_run "$1"
}

# With NAME stopped: at most PRTOTAL entries in all the pages of one
# paged search ("unlimited": no limit, as slapd_start makes it), from its
# next start on.  A search over that is refused: "Size limit exceeded".
slapd_prtotal()
{
	local f=$SLAPD_TMP/$1/slapd.conf
	[ -z "${SLAPD_PID[$1]:-}" ] || slapd_die "slapd_prtotal: $1 is running"
	sed -i "s/size\.prtotal=[a-z0-9]*/size.prtotal=$2/" "$f"
	grep -q "size.prtotal=$2\$" "$f" || slapd_die "slapd_prtotal: no sizelimit line in $f"
}

# Freeze / thaw NAME: its port still accepts connections (the kernel
# completes the handshake) but nothing answers.
slapd_pause()
{
	kill -STOP "${SLAPD_PID[$1]}"
}

slapd_resume()
{
	kill -CONT "${SLAPD_PID[$1]}"
}

# Write a mailswitch configuration to FILE for the ldap back-end; the
# domains of etc/mailswitch.conf, no cache (every lookup reaches the
# server).  URIS: a list body ('"ldap://..." , "ldaps://..."'); then
# key=value pairs of the ldap group (starttls, tls_ca_file, bind_dn,
# bind_password_file, timeout, connections...), written as given.
slapd_mailswitch_conf()
{
	local file=$1 uris=$2
	shift 2
	{
		echo "# generated by t/lib/slapd.sh"
		mailswitch_conf_ldap "$SLAPD_BASE" "$uris" "$@"
		echo "  { name = \"fourthcoffee.com\"; authority = \"external_relay\"; }"
		echo ");"
	} >"$file"
}

# Apply the LDIF changes on stdin to NAME as its rootdn (ldapmodify -a:
# records without a changetype are adds); at most 10 s.  The output in
# $SLAPD_TMP/NAME/modify.log; returns ldapmodify's status.
slapd_modify()
{
	local name=$1 d=$SLAPD_TMP/$1
	timeout 10 ldapmodify -x -a -H "${SLAPD_URI[$name]}" \
	    -D "$SLAPD_ROOT_DN" -w "$SLAPD_ROOT_PASSWORD" \
	    -o nettimeout=5 >>"$d/modify.log" 2>&1
}

# With NAME stopped: start it on a new port of its own (none of its
# clients knows it), run COMMAND... with SLAPD_URI[NAME] (so slapd_modify
# NAME) pointing there, stop it again; NAME keeps its ports.  For changes
# made while the clients cannot reach the server.  Returns COMMAND's
# status.
slapd_aside()
{
	local name=$1 port=${SLAPD_PORT[$1]} args=${SLAPD_ARGS[$1]}
	local uri=${SLAPD_URI[$1]} tlsport=${SLAPD_TLSPORT[$1]:-} side rc=0
	shift
	[ -z "${SLAPD_PID[$name]:-}" ] ||
	    slapd_die "slapd_aside: $name is running"
	side=$(slapd_free_port)
	SLAPD_PORT[$name]=$side
	SLAPD_TLSPORT[$name]=""
	SLAPD_ARGS[$name]="ldap://127.0.0.1:$side/"
	SLAPD_URI[$name]="ldap://127.0.0.1:$side/"
	slapd_run "$name"
	"$@" || rc=$?
	slapd_stop "$name"
	SLAPD_PORT[$name]=$port
	SLAPD_TLSPORT[$name]=$tlsport
	SLAPD_ARGS[$name]=$args
	SLAPD_URI[$name]=$uri
	return "$rc"
}
