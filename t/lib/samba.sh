# t/lib/samba.sh -- a real Samba Active Directory domain controller for the
# tests, as t/lib/slapd.sh is a real slapd.
#
# Source it from a bash script (set -eu).  Samba's ports are fixed (88,
# 389, 464, 636, 3268, 3269), so the DC and every client of it run in a
# private network namespace that has only loopback, and a private mount
# namespace in which /etc/hosts (and /etc/krb5.conf) are the test's own:
# the script re-executes itself in them first thing.
#
#	. "$TOP/t/lib/samba.sh"
#	samba_enter_ns "$0" "$@"       # unshare -n -m; returns in the copy
#	samba_init                     # temp dir, hosts, krb5.conf; trap
#	samba_setup                    # a provisioned DC from the template
#	samba_start; samba_stop; samba_restart; samba_freeze; samba_thaw
#	samba_modify <changes.ldif      # ldapmodify over LDAPS as Administrator
#	samba_search FILTER [ATTR...]   # ldapsearch over LDAPS as the bind account
#	samba_contact_add "Jo Doe" SMTP:jo@contoso.com SMTP:jo@fourthcoffee.com
#	samba_contact_target / _rename / _move / _delete ...
#	samba_admin_limit MaxConnIdleTime 5       # DC stopped; read at start
#	samba_option "ldap server require strong auth" VALUE   # DC stopped
#	samba_grant_tombstones                    # DC stopped: the bind
#	                                          # account reads CN=Deleted Objects
#	samba_snapshot NAME; samba_restore NAME   # DC stopped: a DB restore
#	samba_new_invocation                      # DC stopped: a new invocationId
#	samba_contacts_add NAME LOCAL COUNT       # "NAME K": LOCALK@sales...
#	samba_offline_contacts NAME LOCAL COUNT   # the same, DC stopped, on the DB
#	samba_rootdse ATTRIBUTE                   # e.g. highestCommittedUSN
#	samba_mailswitch_conf FILE URIS [KEY=VALUE...]
#
# The domain: realm CONTOSO.COM, NetBIOS domain CONTOSO, base
# DC=contoso,DC=com -- the SPEC's example organisation, so that the
# configurations, addresses and base of the slapd tests apply unchanged;
# nothing outside the namespaces ever resolves or reaches these names.
# The DC is dc1.contoso.com (127.0.0.1 in the private /etc/hosts), with
# the schema extended by Exchange's targetAddress (1.2.840.113556.1.2.352,
# Unicode string, single-valued, a mayContain of mailRecipient, in the
# global catalog's partial attribute set, as is proxyAddresses), and:
#
#   OU=Contacts   2,000 contacts "Contact NNNN" (N = 0..1999): proxyAddresses
#                 SMTP:userN@contoso.com, smtp:uN@contoso.com,
#                 X500:/o=FourthCoffee/ou=Exchange/cn=Recipients/cn=userN;
#                 targetAddress SMTP:userN@fourthcoffee.com
#                 "Bob Lee": SMTP:bob@contoso.com, smtp:Bob.Lee@Contoso.com,
#                 X500:/o=FourthCoffee/ou=Exchange/cn=Recipients/cn=bob ->
#                 SMTP:bob@fourthcoffee.com
#                 "Big List": SMTP:big@contoso.com and smtp:bigK@contoso.com
#                 (K = 1..1599): 1,600 values -> SMTP:big@fourthcoffee.com
#                 "Dave Jones", "Erin Jones": Exchange 2010-style, the
#                 primary SMTP address is the external one, which is the
#                 target too: SMTP:dave@fourthcoffee.example,
#                 smtp:dave@contoso.com; SMTP:erin@fourthcoffee.example,
#                 smtp:erin.jones@contoso.com
#   OU=Moved      empty (a contact is moved there)
#   CN=Users      the mailbox user "Carol Diaz" (a user, no target):
#                 SMTP:Carol.Diaz@sales.contoso.com,
#                 smtp:carol@sales.contoso.com, smtp:cdiaz@contoso.com
#   OU=Service Accounts   the ordinary bind account CN=mailswitch
#                 (UPN mailswitch@contoso.com, password never expires, no
#                 rights of its own: Authenticated Users read the rest)
#
# SAMBA_RECIPIENTS (2,005) is the number of entries with a proxy or target
# address.  Provisioning and loading take 10-20 s, so the result is kept
# as a template under $SAMBA_CACHE (default /var/cache/mailswitch-tests/
# samba; one folder per version of what makes it and of Samba, built
# under a lock) and each test copies it (a second or less): the template
# holds no path of its own (smb.conf is written per copy).  SAMBA_NO_CACHE=1
# provisions into the test's temp dir instead.  Per test: a CA and a
# certificate for dc1.contoso.com, contoso.com and IP 127.0.0.1
# ($SAMBA_CA), the bind password in $SAMBA_BIND_PWFILE (0600) and a keytab
# of the bind account ($SAMBA_KEYTAB, 0600, principal $SAMBA_PRINCIPAL,
# exported with samba-tool domain exportkeytab) for GSSAPI binds.
#
# The DC runs as `samba -F -M single` (one process: SIGSTOP freezes all of
# it) with `server services = ldap, cldap, kdc`, netbios disabled, bound
# to 127.0.0.1, logging under its folder only (log/log.samba); its
# ldap/ and GC/ service principal names, which Samba's dnsupdate service
# would register, are added at provisioning.  It is started, stopped,
# frozen and thawed by its PID, and ends itself after $SAMBA_MAX_RUNTIME
# seconds (default 1800) should its test die without cleaning up.  Every
# wait is bounded.  With SAMBA_OWNER=1 (a caller that cleans up on its
# own) samba_init installs no trap.  Needs root, samba, samba-dsdb-modules,
# python3-samba, ldb-tools, ldap-utils, openssl, iproute2, util-linux.

# shellcheck shell=bash disable=SC2034  # variables are for the sourcing script
SAMBA_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$SAMBA_LIB_DIR/process.sh"
. "$SAMBA_LIB_DIR/tmpdir.sh"
. "$SAMBA_LIB_DIR/mailswitch.sh"
SAMBA_REALM=CONTOSO.COM
SAMBA_DOMAIN=CONTOSO
SAMBA_DNS_DOMAIN=contoso.com
SAMBA_HOST=dc1.contoso.com
SAMBA_BASE="DC=contoso,DC=com"
SAMBA_CONFIG_NC="CN=Configuration,$SAMBA_BASE"
SAMBA_SCHEMA_NC="CN=Schema,$SAMBA_CONFIG_NC"
SAMBA_ADMIN_DN="CN=Administrator,CN=Users,$SAMBA_BASE"
SAMBA_ADMIN_PASSWORD="Adm1n-Pa55-for-tests"
SAMBA_BIND_DN="CN=mailswitch,OU=Service Accounts,$SAMBA_BASE"
SAMBA_BIND_UPN="mailswitch@contoso.com"
SAMBA_BIND_PASSWORD="B1nd-Pa55-for-tests"
SAMBA_PRINCIPAL="mailswitch@CONTOSO.COM"
SAMBA_CONTACTS=2000
SAMBA_BIG_VALUES=1600
SAMBA_RECIPIENTS=$((SAMBA_CONTACTS + 5))
SAMBA_QUERY_POLICY="CN=Default Query Policy,CN=Query-Policies,CN=Directory Service,CN=Windows NT,CN=Services,$SAMBA_CONFIG_NC"
SAMBA_CACHE=${SAMBA_CACHE:-/var/cache/mailswitch-tests/samba}
SAMBA_MAX_RUNTIME=${SAMBA_MAX_RUNTIME:-1800}
SAMBA_TMP=""
SAMBA_DC=""
SAMBA_PID=""
SAMBA_CA=""
SAMBA_BIND_PWFILE=""
SAMBA_KEYTAB=""
SAMBA_START_MS=""

samba_die()
{
	echo "FATAL: $*" >&2
	exit 2
}

samba_ms()
{
	date +%s%3N
}

# First thing in a test script: re-execute SCRIPT ARGS... in a new network
# namespace (only loopback, brought up) and a new mount namespace with
# private propagation; returns only in that copy.  Refuses a namespace
# that has any interface but lo.
samba_enter_ns()
{
	local script=$1
	shift
	if [ "${SAMBA_IN_NS:-}" != 1 ]; then
		[ "$(id -u)" -eq 0 ] ||
		    samba_die "must run as root (namespaces, Samba's ports)"
		command -v unshare >/dev/null 2>&1 ||
		    samba_die "missing command: unshare (util-linux)"
		SAMBA_IN_NS=1 exec unshare --net --mount --propagation private \
		    -- "$BASH" "$script" "$@"
	fi
	PATH=$PATH:/usr/sbin:/sbin
	ip link set lo up || samba_die "cannot bring lo up"
	[ "$(ip -o link show | awk -F': ' '$2 != "lo"' | wc -l)" -eq 0 ] ||
	    samba_die "not in a private network namespace: $(ip -o link show)"
}

# Check the commands, make the temp dir ($SAMBA_TMP, or $1 when given)
# and put the test's /etc/hosts (dc1.contoso.com, contoso.com and the
# machine's name on 127.0.0.1) and krb5.conf (realm CONTOSO.COM, KDC
# dc1.contoso.com, no DNS, no reverse lookups) in place: bind mounts, seen
# only in this mount namespace; KRB5_CONFIG and KRB5CCNAME (a cache of the
# test's own) are exported too.
samba_init()
{
	local cmd
	[ "${SAMBA_IN_NS:-}" = 1 ] || samba_die "samba_init before samba_enter_ns"
	for cmd in samba samba-tool ldbadd ldbmodify ldbsearch ldapsearch \
	    ldapmodify openssl ip mount flock sha256sum iconv base64; do
		command -v "$cmd" >/dev/null 2>&1 ||
		    samba_die "missing command: $cmd"
	done
	if [ -n "${1:-}" ]; then
		SAMBA_TMP=$1
		mkdir -p "$SAMBA_TMP"
	else
		SAMBA_TMP=$(tmpdir_make samba)
	fi
	chmod 755 "$SAMBA_TMP"
	if [ "${SAMBA_OWNER:-0}" != 1 ]; then
		trap samba_cleanup EXIT
		trap 'exit 130' INT TERM
	fi
	SAMBA_DC=$SAMBA_TMP/dc
	printf '%s\n' "127.0.0.1	$SAMBA_HOST dc1 $SAMBA_DNS_DOMAIN localhost $(hostname)" \
	    "::1	localhost ip6-localhost ip6-loopback" >"$SAMBA_TMP/hosts"
	mount --bind "$SAMBA_TMP/hosts" /etc/hosts ||
	    samba_die "cannot bind-mount the test's /etc/hosts"
	cat >"$SAMBA_TMP/krb5.conf" <<EOF
# the test's own (t/lib/samba.sh)
[libdefaults]
	default_realm = $SAMBA_REALM
	dns_lookup_realm = false
	dns_lookup_kdc = false
	rdns = false
	dns_canonicalize_hostname = false
[realms]
	$SAMBA_REALM = {
		kdc = $SAMBA_HOST
		admin_server = $SAMBA_HOST
	}
[domain_realm]
	.$SAMBA_DNS_DOMAIN = $SAMBA_REALM
	$SAMBA_DNS_DOMAIN = $SAMBA_REALM
EOF
	chmod 644 "$SAMBA_TMP/krb5.conf"
	if [ -f /etc/krb5.conf ]; then
		mount --bind "$SAMBA_TMP/krb5.conf" /etc/krb5.conf ||
		    samba_die "cannot bind-mount the test's /etc/krb5.conf"
	fi
	export KRB5_CONFIG=$SAMBA_TMP/krb5.conf
	export KRB5CCNAME=FILE:$SAMBA_TMP/krb5cc
	# ldapsearch / ldapmodify of this library trust the test's CA only
	export LDAPTLS_CACERT=$SAMBA_TMP/certs/ca.pem
	export LDAPTLS_REQCERT=demand
}

# Stop the DC (thawed first) and remove the temp dir (SAMBA_KEEP=1 keeps
# it).  The bind mounts end with the mount namespace.
samba_cleanup()
{
	local rc=$?
	set +e
	samba_stop
	tmpdir_remove "$SAMBA_TMP" "${SAMBA_KEEP:-0}"
	return "$rc"
}

# Write DIR/etc/smb.conf for the DC in DIR (every path under DIR; the
# certificates of samba_certs when $SAMBA_TMP/certs has them).
samba_write_conf()
{
	local d=$1 c=$SAMBA_TMP/certs
	mkdir -p "$d/etc" "$d/log" "$d/run" "$d/cache" "$d/state"
	{
		echo "# the test's DC (t/lib/samba.sh)"
		echo "[global]"
		echo "	netbios name = DC1"
		echo "	workgroup = $SAMBA_DOMAIN"
		echo "	realm = $SAMBA_REALM"
		echo "	server role = active directory domain controller"
		echo "	server services = ldap, cldap, kdc"
		echo "	disable netbios = yes"
		echo "	interfaces = 127.0.0.1"
		echo "	bind interfaces only = yes"
		echo "	private dir = $d/private"
		echo "	binddns dir = $d/bind-dns"
		echo "	lock directory = $d"
		echo "	state directory = $d/state"
		echo "	cache directory = $d/cache"
		echo "	pid directory = $d/run"
		echo "	ncalrpc dir = $d/run/ncalrpc"
		echo "	log file = $d/log/log.samba"
		echo "	max log size = 0"
		echo "	logging = file"
		echo "	log level = ${SAMBA_LOG_LEVEL:-1}"
		echo "	idmap_ldb:use rfc2307 = yes"
		if [ -f "$c/dc.pem" ]; then
			echo "	tls enabled = yes"
			echo "	tls keyfile = $c/dc.key"
			echo "	tls certfile = $c/dc.pem"
			echo "	tls cafile = $c/ca.pem"
		fi
	} >"$d/etc/smb.conf"
}

# The template's key: what makes it (the functions and values that
# provision and load it) and Samba's version; comments do not count.
samba_template_key()
{
	{
		declare -f samba_provision samba_data_ldif samba_spn_ldif \
		    samba_schema_attr_ldif samba_schema_class_ldif \
		    samba_write_conf
		echo "$SAMBA_REALM $SAMBA_DOMAIN $SAMBA_HOST $SAMBA_BASE" \
		    "$SAMBA_ADMIN_PASSWORD $SAMBA_BIND_PASSWORD" \
		    "$SAMBA_CONTACTS $SAMBA_BIG_VALUES"
		samba -V
	} | sha256sum | cut -c1-12
}

# Print an LDIF of the test data (see the top of this file) for ldbadd.
samba_data_ldif()
{
	local pw
	pw=$(printf '"%s"' "$SAMBA_BIND_PASSWORD" | iconv -t UTF-16LE | base64 -w0)
	awk -v base="$SAMBA_BASE" -v n="$SAMBA_CONTACTS" \
	    -v big="$SAMBA_BIG_VALUES" -v pw="$pw" 'BEGIN {
		x500 = "X500:/o=FourthCoffee/ou=Exchange/cn=Recipients/cn="
		split("Contacts,Moved,Service Accounts", ous, ",")
		for (k = 1; k <= 3; k++)
			printf "dn: OU=%s,%s\nobjectClass: organizationalUnit\n\n",
			    ous[k], base
		for (i = 0; i < n; i++) {
			printf "dn: CN=Contact %04d,OU=Contacts,%s\n", i, base
			print "objectClass: contact"
			printf "displayName: Contact %d\n", i
			printf "proxyAddresses: SMTP:user%d@contoso.com\n", i
			printf "proxyAddresses: smtp:u%d@contoso.com\n", i
			printf "proxyAddresses: %suser%d\n", x500, i
			printf "targetAddress: SMTP:user%d@fourthcoffee.com\n\n", i
		}
		printf "dn: CN=Bob Lee,OU=Contacts,%s\nobjectClass: contact\n", base
		print "proxyAddresses: SMTP:bob@contoso.com"
		print "proxyAddresses: smtp:Bob.Lee@Contoso.com"
		printf "proxyAddresses: %sbob\n", x500
		print "targetAddress: SMTP:bob@fourthcoffee.com\n"
		printf "dn: CN=Big List,OU=Contacts,%s\nobjectClass: contact\n", base
		print "proxyAddresses: SMTP:big@contoso.com"
		for (k = 1; k < big; k++)
			printf "proxyAddresses: smtp:big%d@contoso.com\n", k
		print "targetAddress: SMTP:big@fourthcoffee.com\n"
		split("dave:dave,erin:erin.jones", ex, ",")
		split("Dave Jones,Erin Jones", exn, ",")
		for (k = 1; k <= 2; k++) {
			split(ex[k], p, ":")
			printf "dn: CN=%s,OU=Contacts,%s\nobjectClass: contact\n",
			    exn[k], base
			printf "proxyAddresses: SMTP:%s@fourthcoffee.example\n", p[1]
			printf "proxyAddresses: smtp:%s@contoso.com\n", p[2]
			printf "targetAddress: SMTP:%s@fourthcoffee.example\n\n", p[1]
		}
		printf "dn: CN=Carol Diaz,CN=Users,%s\nobjectClass: user\n", base
		print "sAMAccountName: carol"
		print "proxyAddresses: SMTP:Carol.Diaz@sales.contoso.com"
		print "proxyAddresses: smtp:carol@sales.contoso.com"
		print "proxyAddresses: smtp:cdiaz@contoso.com\n"
		printf "dn: CN=mailswitch,OU=Service Accounts,%s\n", base
		print "objectClass: user"
		print "sAMAccountName: mailswitch"
		print "userPrincipalName: mailswitch@contoso.com"
		print "description: read-only account of mailswitch (tests)"
		# NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD
		print "userAccountControl: 66048"
		printf "unicodePwd:: %s\n\n", pw
	}'
}

# The schema extension, in two steps (a second process sees the first's
# attribute): targetAddress; then mailRecipient may contain it, and both
# addresses go to the global catalog.
samba_schema_attr_ldif()
{
	cat <<EOF
dn: CN=ms-Exch-Target-Address,$SAMBA_SCHEMA_NC
objectClass: top
objectClass: attributeSchema
cn: ms-Exch-Target-Address
lDAPDisplayName: targetAddress
attributeID: 1.2.840.113556.1.2.352
attributeSyntax: 2.5.5.12
oMSyntax: 64
isSingleValued: TRUE
searchFlags: 1
rangeLower: 1
rangeUpper: 1123
isMemberOfPartialAttributeSet: TRUE
EOF
}

samba_schema_class_ldif()
{
	cat <<EOF
dn: CN=Mail-Recipient,$SAMBA_SCHEMA_NC
changetype: modify
add: mayContain
mayContain: targetAddress

dn: CN=Proxy-Addresses,$SAMBA_SCHEMA_NC
changetype: modify
replace: isMemberOfPartialAttributeSet
isMemberOfPartialAttributeSet: TRUE
EOF
}

# The SPNs of the DC's LDAP service and global catalog, which samba's
# dnsupdate service would register (private/spn_update_list), for GSSAPI
# binds to ldap/dc1.contoso.com: that service does not run here.
samba_spn_ldif()
{
	local h=$SAMBA_HOST spn
	echo "dn: CN=DC1,OU=Domain Controllers,$SAMBA_BASE"
	echo "changetype: modify"
	echo "add: servicePrincipalName"
	for spn in "ldap/$h" "ldap/$h/$SAMBA_DOMAIN" "ldap/$h/$SAMBA_DNS_DOMAIN" \
	    "GC/$h/$SAMBA_DNS_DOMAIN" "ldap/DC1" "HOST/$h/$SAMBA_DOMAIN" \
	    "HOST/$h/$SAMBA_DNS_DOMAIN" "RestrictedKrbHost/DC1" \
	    "RestrictedKrbHost/$h" "ldap/$h/DomainDnsZones.$SAMBA_DNS_DOMAIN" \
	    "ldap/$h/ForestDnsZones.$SAMBA_DNS_DOMAIN"; do
		echo "servicePrincipalName: $spn"
	done
}

# Provision a DC into the empty folder DIR, extend the schema, load the
# data (ldbadd on sam.ldb, no server running) and export the bind
# account's keytab to DIR/mailswitch.keytab.  Prints the durations.
samba_provision()
{
	local d=$1 t0 t1 t2 schema="--option=dsdb:schema update allowed=true"
	mkdir -p "$d"
	: >"$d/empty.conf"
	t0=$(samba_ms)
	samba-tool domain provision -s "$d/empty.conf" \
	    --realm="$SAMBA_REALM" --domain="$SAMBA_DOMAIN" \
	    --server-role=dc --use-rfc2307 --host-name=dc1 \
	    --host-ip=127.0.0.1 --adminpass="$SAMBA_ADMIN_PASSWORD" \
	    --targetdir="$d" --option="interfaces=127.0.0.1" \
	    --option="bind interfaces only=yes" \
	    --option="server services = ldap, cldap, kdc" \
	    --option="disable netbios = yes" >"$d/provision.log" 2>&1 ||
	    samba_die "samba-tool domain provision failed: $(tail -n 20 "$d/provision.log")"
	t1=$(samba_ms)
	samba_schema_attr_ldif >"$d/schema1.ldif"
	samba_schema_class_ldif >"$d/schema2.ldif"
	samba_data_ldif >"$d/data.ldif"
	samba_spn_ldif >"$d/spn.ldif"
	{
		ldbadd -H "$d/private/sam.ldb" "$schema" "$d/schema1.ldif" &&
		ldbmodify -H "$d/private/sam.ldb" "$schema" "$d/schema2.ldif" &&
		ldbadd -H "$d/private/sam.ldb" "$d/data.ldif" &&
		ldbmodify -H "$d/private/sam.ldb" "$d/spn.ldif"
	} >"$d/load.log" 2>&1 ||
	    samba_die "loading the data failed: $(tail -n 20 "$d/load.log")"
	t2=$(samba_ms)
	rm -rf "$d/msg.sock" "$d/msg.lock" "$d/empty.conf" "$d/data.ldif"
	(SAMBA_TMP=/nonexistent samba_write_conf "$d")
	samba-tool domain exportkeytab "$d/mailswitch.keytab" \
	    --principal=mailswitch -s "$d/etc/smb.conf" >>"$d/load.log" 2>&1 ||
	    samba_die "exportkeytab failed: $(tail -n 5 "$d/load.log")"
	rm -f "$d/etc/smb.conf"
	echo "samba: provisioned in $((t1 - t0)) ms, schema and data" \
	    "($SAMBA_RECIPIENTS recipients) loaded in $((t2 - t1)) ms" >&2
	printf 'provision_ms=%s\nload_ms=%s\n' $((t1 - t0)) $((t2 - t1)) \
	    >"$d/timings"
}

# Print the folder of a provisioned and loaded template: the cached one
# (made under a lock when missing; those of other versions of this file or
# of Samba go when unused for two days), or, with
# SAMBA_NO_CACHE=1 or an unwritable cache, one in $SAMBA_TMP.
samba_template()
{
	local key dir old
	if [ "${SAMBA_NO_CACHE:-0}" = 1 ] ||
	    ! mkdir -p "$SAMBA_CACHE" 2>/dev/null || [ ! -w "$SAMBA_CACHE" ]; then
		dir=$SAMBA_TMP/template
		[ -f "$dir/.complete" ] || { samba_provision "$dir" && : >"$dir/.complete"; }
		echo "$dir"
		return 0
	fi
	key=$(samba_template_key)
	dir=$SAMBA_CACHE/template-$key
	(
		flock -w 300 9 || samba_die "cannot lock $SAMBA_CACHE/.lock"
		if [ ! -f "$dir/.complete" ]; then
			rm -rf "$dir.new"
			samba_provision "$dir.new"
			: >"$dir.new/.complete"
			mv "$dir.new" "$dir"
		fi
		touch "$dir/.complete"
		# other versions' templates, unused for two days
		for old in "$SAMBA_CACHE"/template-*; do
			if [ "$old" != "$dir" ] && [ -n "$(find "$old/.complete" \
			    -mtime +1 2>/dev/null)" ]; then
				rm -rf "$old"
			fi
		done
	) 9>"$SAMBA_CACHE/.lock" || exit $?
	echo "$dir"
}

# A CA and the DC's certificate from it under $SAMBA_TMP/certs: ca.pem,
# dc.pem / dc.key (mode 0600, as Samba requires): CN=dc1.contoso.com,
# subjectAltName DNS:dc1.contoso.com, DNS:contoso.com, IP:127.0.0.1.
samba_certs()
{
	local d=$SAMBA_TMP/certs
	mkdir -p "$d"
	printf '%s\n' \
	    "subjectAltName = DNS:$SAMBA_HOST, DNS:$SAMBA_DNS_DOMAIN, IP:127.0.0.1" \
	    "basicConstraints = CA:FALSE" \
	    "keyUsage = digitalSignature, keyEncipherment" \
	    "extendedKeyUsage = serverAuth" >"$d/dc.ext"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
	    -subj "/CN=mailswitch test AD CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    >/dev/null 2>&1 || samba_die "openssl: cannot make the CA"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/dc.key" -out "$d/dc.csr" -subj "/CN=$SAMBA_HOST" \
	    >/dev/null 2>&1 || samba_die "openssl: cannot make the request"
	openssl x509 -req -in "$d/dc.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
	    -CAcreateserial -days 2 -extfile "$d/dc.ext" -out "$d/dc.pem" \
	    >/dev/null 2>&1 || samba_die "openssl: cannot sign the certificate"
	chmod 600 "$d/dc.key" "$d/ca.key"
	chmod 644 "$d/ca.pem" "$d/dc.pem"
}

# Make the test's DC in $SAMBA_DC from the template (a copy), with its
# smb.conf and certificates; the bind password file and keytab (0600).
# Prints how long the copy took.
samba_setup()
{
	local tpl t0
	tpl=$(samba_template) || samba_die "no template of the DC"
	t0=$(samba_ms)
	rm -rf "$SAMBA_DC"
	cp -a "$tpl" "$SAMBA_DC"
	echo "samba: template copied in $(($(samba_ms) - t0)) ms" >&2
	samba_certs
	samba_write_conf "$SAMBA_DC"
	SAMBA_CA=$SAMBA_TMP/certs/ca.pem
	SAMBA_BIND_PWFILE=$SAMBA_TMP/bind.pw
	printf '%s\n' "$SAMBA_BIND_PASSWORD" >"$SAMBA_BIND_PWFILE"
	chmod 600 "$SAMBA_BIND_PWFILE"
	SAMBA_KEYTAB=$SAMBA_TMP/mailswitch.keytab
	cp "$SAMBA_DC/mailswitch.keytab" "$SAMBA_KEYTAB"
	chmod 600 "$SAMBA_KEYTAB"
}

# True when the DC answers a rootDSE search on URI (at most 2 s).
samba_answers()
{
	timeout 3 ldapsearch -x -LLL -H "$1" -o nettimeout=2 -l 2 \
	    -b "" -s base dsServiceName >/dev/null 2>&1
}

# Start the DC; wait (at most 60 s) until LDAP (389) and LDAPS (636)
# answer and the KDC (88) accepts; the time it took in SAMBA_START_MS.
samba_start()
{
	local i t0
	[ -z "$SAMBA_PID" ] || samba_die "samba_start: the DC is running"
	t0=$(samba_ms)
	samba -F -M single --no-process-group \
	    --maximum-runtime="$SAMBA_MAX_RUNTIME" \
	    -s "$SAMBA_DC/etc/smb.conf" -l "$SAMBA_DC/log" \
	    >>"$SAMBA_DC/log/stdout.log" 2>&1 &
	SAMBA_PID=$!
	for i in $(seq 1 600); do
		if samba_answers ldap://127.0.0.1/ &&
		    samba_answers ldaps://127.0.0.1/ &&
		    (exec 3<>/dev/tcp/127.0.0.1/88) 2>/dev/null; then
			SAMBA_START_MS=$(($(samba_ms) - t0))
			echo "samba: DC up in $SAMBA_START_MS ms (PID $SAMBA_PID)" >&2
			return 0
		fi
		kill -0 "$SAMBA_PID" 2>/dev/null || break
		[ $(($(samba_ms) - t0)) -lt 60000 ] || break
		sleep 0.1
	done
	tail -n 40 "$SAMBA_DC/log/stdout.log" "$SAMBA_DC/log/log.samba" >&2
	samba_stop
	samba_die "the DC did not answer within 60 s"
}

# Stop the DC by its PID: SIGCONT (it may be frozen), SIGTERM, at most
# 15 s, then SIGKILL.
samba_stop()
{
	proc_stop "$SAMBA_PID" 15 samba
	SAMBA_PID=""
}

samba_restart()
{
	samba_stop
	samba_start
}

# Freeze / thaw the whole DC (one process): its ports still complete TCP
# handshakes, nothing answers.
samba_freeze()
{
	kill -STOP "$SAMBA_PID"
}

samba_thaw()
{
	kill -CONT "$SAMBA_PID"
}

# Apply the LDIF changes on stdin over LDAPS as Administrator (ldapmodify
# -a: records without a changetype are adds); at most 20 s.  Output in
# $SAMBA_TMP/modify.log; returns ldapmodify's status.  With
# SAMBA_MODIFY_AS=bind, as the bind account (which may change nothing).
samba_modify()
{
	local dn=$SAMBA_ADMIN_DN pw=$SAMBA_ADMIN_PASSWORD
	if [ "${SAMBA_MODIFY_AS:-admin}" = bind ]; then
		dn=$SAMBA_BIND_DN pw=$SAMBA_BIND_PASSWORD
	fi
	timeout 20 ldapmodify -x -a -H ldaps://127.0.0.1/ -D "$dn" -w "$pw" \
	    -o nettimeout=5 >>"$SAMBA_TMP/modify.log" 2>&1
}

# Add contact CN in OU=Contacts (or OU=$SAMBA_OU): TARGET (e.g.
# SMTP:jo@fourthcoffee.com) and the proxy addresses that follow.
samba_contact_add()
{
	local cn=$1 target=$2 v
	shift 2
	{
		echo "dn: CN=$cn,OU=${SAMBA_OU:-Contacts},$SAMBA_BASE"
		echo "objectClass: contact"
		for v in "$@"; do
			echo "proxyAddresses: $v"
		done
		echo "targetAddress: $target"
	} | samba_modify
}

# Replace the target of contact CN (in OU=Contacts, or OU=$SAMBA_OU).
samba_contact_target()
{
	printf '%s\n' "dn: CN=$1,OU=${SAMBA_OU:-Contacts},$SAMBA_BASE" \
	    "changetype: modify" "replace: targetAddress" \
	    "targetAddress: $2" | samba_modify
}

# Rename contact CN to NEWCN in its OU (modrdn).
samba_contact_rename()
{
	printf '%s\n' "dn: CN=$1,OU=${SAMBA_OU:-Contacts},$SAMBA_BASE" \
	    "changetype: modrdn" "newrdn: CN=$2" "deleteoldrdn: 1" |
	    samba_modify
}

# Move contact CN from OU FROM to OU TO (modrdn with newSuperior).
samba_contact_move()
{
	printf '%s\n' "dn: CN=$1,OU=$2,$SAMBA_BASE" "changetype: modrdn" \
	    "newrdn: CN=$1" "deleteoldrdn: 1" \
	    "newsuperior: OU=$3,$SAMBA_BASE" | samba_modify
}

# Delete contact CN (in OU=Contacts, or OU=$SAMBA_OU): a tombstone.
samba_contact_delete()
{
	printf '%s\n' "dn: CN=$1,OU=${SAMBA_OU:-Contacts},$SAMBA_BASE" \
	    "changetype: delete" | samba_modify
}

# ldapsearch ARGS... as the bind account over LDAPS, base DC=contoso,DC=com
# unless ARGS give -b, LDIF without line wrapping; at most 20 s.
samba_search()
{
	timeout 20 ldapsearch -x -LLL -o ldif-wrap=no -o nettimeout=5 \
	    -H ldaps://127.0.0.1/ -D "$SAMBA_BIND_UPN" \
	    -w "$SAMBA_BIND_PASSWORD" -b "$SAMBA_BASE" "$@"
}

# Print the value of ATTRIBUTE of the rootDSE (anonymous, over ldap://).
samba_rootdse()
{
	timeout 10 ldapsearch -x -LLL -H ldap://127.0.0.1/ -o nettimeout=5 \
	    -o ldif-wrap=no -b "" -s base "$1" | sed -n "s/^$1: //p"
}

# With the DC stopped: set the LDAP policy value NAME (lDAPAdminLimits of
# the Default Query Policy, e.g. MaxConnIdleTime) to VALUE.  Samba reads
# it when it starts.
samba_admin_limit()
{
	local name=$1 value=$2 old
	[ -z "$SAMBA_PID" ] || samba_die "samba_admin_limit: stop the DC first"
	old=$(ldbsearch -H "$SAMBA_DC/private/sam.ldb" -b "$SAMBA_QUERY_POLICY" \
	    -s base lDAPAdminLimits | sed -n "s/^lDAPAdminLimits: \($name=.*\)/\1/p")
	{
		echo "dn: $SAMBA_QUERY_POLICY"
		echo "changetype: modify"
		if [ -n "$old" ]; then
			echo "delete: lDAPAdminLimits"
			echo "lDAPAdminLimits: $old"
			echo "-"
		fi
		echo "add: lDAPAdminLimits"
		echo "lDAPAdminLimits: $name=$value"
	} >"$SAMBA_TMP/limit.ldif"
	ldbmodify -H "$SAMBA_DC/private/sam.ldb" "$SAMBA_TMP/limit.ldif" \
	    >>"$SAMBA_TMP/modify.log" 2>&1 ||
	    samba_die "cannot set $name: $(tail -n 3 "$SAMBA_TMP/modify.log")"
}

# With the DC stopped: set the smb.conf option NAME to VALUE in [global]
# (the copy's own smb.conf; read at start), e.g.
# samba_option "ldap server require strong auth" allow_sasl_over_tls.
samba_option()
{
	[ -z "$SAMBA_PID" ] || samba_die "samba_option: stop the DC first"
	printf '\t%s = %s\n' "$1" "$2" >>"$SAMBA_DC/etc/smb.conf"
}

# With the DC stopped: let the bind account read the tombstones of the
# domain (CN=Deleted Objects): List Contents and Read Property on that
# container, which only SYSTEM and the Administrators have by default --
# what README tells an AD administrator to grant (dsacls /takeownership,
# then /G ACCOUNT:LCRP).  Its security descriptor is read and written
# with ldb tools on the database itself (they need the Show Deleted
# control to see the container at all).
samba_grant_tombstones()
{
	local db=$SAMBA_DC/private/sam.ldb dn="CN=Deleted Objects,$SAMBA_BASE"
	local sid sd
	[ -z "$SAMBA_PID" ] || samba_die "samba_grant_tombstones: stop the DC first"
	sid=$(ldbsearch -H "$db" -b "$SAMBA_BIND_DN" -s base objectSid |
	    sed -n 's/^objectSid: //p')
	# the descriptor as SDDL, its LDIF continuation lines joined
	sd=$(ldbsearch -H "$db" --controls=show_deleted:1 -b "$dn" -s base \
	    nTSecurityDescriptor | awk '
		/^nTSecurityDescriptor: / { s = substr($0, 23); on = 1; next }
		on && /^ / { s = s substr($0, 2); next }
		{ on = 0 }
		END { print s }')
	case $sid:$sd in
	S-1-5-*:*")S:"*) ;;
	*) samba_die "cannot read the SID or the SDDL of $dn: '$sid' '$sd'" ;;
	esac
	printf '%s\n' "dn: $dn" "changetype: modify" \
	    "replace: nTSecurityDescriptor" \
	    "nTSecurityDescriptor: ${sd%%S:*}(A;;LCRP;;;$sid)S:${sd#*S:}" \
	    >"$SAMBA_TMP/tombstones.ldif"
	ldbmodify -H "$db" --controls=show_deleted:1 \
	    "$SAMBA_TMP/tombstones.ldif" >>"$SAMBA_TMP/modify.log" 2>&1 ||
	    samba_die "cannot grant the tombstones: $(tail -n 3 "$SAMBA_TMP/modify.log")"
}

# With the DC stopped: give it a new invocationId (of its NTDS Settings
# object), as a restore from a backup by the book does -- the DC then
# counts as another copy of the database, whose USNs mean nothing next
# to the old one's.
samba_new_invocation()
{
	local db=$SAMBA_DC/private/sam.ldb ntds guid
	[ -z "$SAMBA_PID" ] || samba_die "samba_new_invocation: stop the DC first"
	ntds=$(ldbsearch -H "$db" -b "CN=Configuration,$SAMBA_BASE" \
	    '(objectClass=nTDSDSA)' dn | sed -n 's/^dn: //p')
	guid=$(python3 -c 'import base64, uuid
print(base64.b64encode(uuid.uuid4().bytes_le).decode())')
	[ -n "$ntds" ] && [ -n "$guid" ] ||
	    samba_die "samba_new_invocation: no NTDS Settings object"
	printf '%s\n' "dn: $ntds" "changetype: modify" "replace: invocationId" \
	    "invocationId:: $guid" >"$SAMBA_TMP/invocation.ldif"
	ldbmodify -H "$db" "$SAMBA_TMP/invocation.ldif" \
	    >>"$SAMBA_TMP/modify.log" 2>&1 ||
	    samba_die "cannot set the invocationId: $(tail -n 3 "$SAMBA_TMP/modify.log")"
}

# Print the LDIF of COUNT contacts "NAME K" (K = 1 .. COUNT) in
# OU=Contacts: proxy address SMTP:LOCALK@sales.contoso.com, target
# SMTP:LOCALK@fourthcoffee.com.
samba_contacts_ldif()
{
	awk -v name="$1" -v low="$2" -v n="$3" -v base="$SAMBA_BASE" 'BEGIN {
		for (k = 1; k <= n; k++) {
			printf "dn: CN=%s %d,OU=Contacts,%s\n", name, k, base
			print "objectClass: contact"
			printf "proxyAddresses: SMTP:%s%d@sales.contoso.com\n", low, k
			printf "targetAddress: SMTP:%s%d@fourthcoffee.com\n\n", low, k
		}
	}'
}

# Add those contacts over LDAPS (samba_modify: one connection).
samba_contacts_add()
{
	samba_contacts_ldif "$@" | samba_modify
}

# With the DC stopped: add those contacts on the database itself (each
# takes a USN, as a change made on the DC does).
samba_offline_contacts()
{
	[ -z "$SAMBA_PID" ] || samba_die "samba_offline_contacts: stop the DC first"
	samba_contacts_ldif "$@" >"$SAMBA_TMP/offline.ldif"
	ldbadd -H "$SAMBA_DC/private/sam.ldb" "$SAMBA_TMP/offline.ldif" \
	    >>"$SAMBA_TMP/modify.log" 2>&1 ||
	    samba_die "cannot add offline: $(tail -n 3 "$SAMBA_TMP/modify.log")"
}

# With the DC stopped: keep a copy of its database (private/) as NAME.
samba_snapshot()
{
	[ -z "$SAMBA_PID" ] || samba_die "samba_snapshot: stop the DC first"
	rm -rf "$SAMBA_TMP/snapshot-$1"
	cp -a "$SAMBA_DC/private" "$SAMBA_TMP/snapshot-$1"
}

# With the DC stopped: put the copy NAME back, as a restore from a backup
# (or a virtual machine's snapshot) would: the DC forgets every change
# since, keeps its invocationId, and counts uSNChanged on from the copy's
# highestCommittedUSN -- a USN rollback.
samba_restore()
{
	[ -z "$SAMBA_PID" ] || samba_die "samba_restore: stop the DC first"
	[ -d "$SAMBA_TMP/snapshot-$1" ] || samba_die "no snapshot $1"
	rm -rf "$SAMBA_DC/private"
	cp -a "$SAMBA_TMP/snapshot-$1" "$SAMBA_DC/private"
}

# Write a mailswitch configuration FILE for the DC: the domains of the
# slapd tests plus fourthcoffee.example (external relay), the outbound
# rules fourthcoffee.com and fourthcoffee.example -> contoso.com for
# clients 192.0.2.0/24 with lookup, no cache, base DC=contoso,DC=com.
# URIS: a list body ('"ldaps://127.0.0.1/"'); then KEY=VALUE lines of the
# ldap group, written as given (tls_ca_file, bind_dn, replica...); the
# lines of $SAMBA_CONF_TOP (e.g. metrics, socketmap) go first.
samba_mailswitch_conf()
{
	local file=$1 uris=$2
	shift 2
	{
		echo "# generated by t/lib/samba.sh"
		[ -z "${SAMBA_CONF_TOP:-}" ] || printf '%s\n' "$SAMBA_CONF_TOP"
		mailswitch_conf_ldap "$SAMBA_BASE" "$uris" "$@"
		echo "  { name = \"fourthcoffee.com\"; authority = \"external_relay\"; },"
		echo "  { name = \"fourthcoffee.example\"; authority = \"external_relay\"; }"
		echo ");"
		echo "outbound = {"
		echo "  clients = [ \"192.0.2.0/24\" ];"
		echo "  lookup = true;"
		echo "  rules = ( { from = \"fourthcoffee.com\"; to = \"contoso.com\"; },"
		echo "            { from = \"fourthcoffee.example\"; to = \"contoso.com\"; } );"
		echo "};"
	} >"$file"
	chmod 644 "$file"
}
