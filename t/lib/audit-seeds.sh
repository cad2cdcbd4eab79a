# t/lib/audit-seeds.sh -- the directory the audit tests seed (mailswitch
# -A, SPEC section 11): one case of every kind of finding among clean
# entries, as LDIF, and the findings the audit must print for it, in its
# order -- the same seeds on the LDIF back-end (t/cli/test-audit.sh), on
# slapd (t/ldap/test-audit.sh) and on the Samba AD DC
# (t/ad/test-ad-audit.sh).  Sourced; prints only.
#
#	audit_seeds_ldif CONTACTS USERS RDN OBJECTCLASS...
#	    the entries as LDIF: contacts under CONTACTS, users under USERS
#	    (e.g. ou=contacts,dc=contoso,dc=com), RDN their naming attribute
#	    as the server spells it back (cn or CN), each with the object
#	    classes given
#	audit_seeds_expected CONTACTS USERS RDN
#	    the findings, one a line, KIND<TAB>ADDRESS<TAB>DETAIL
#	audit_run CONF
#	    mailswitch -A on CONF, for the scripts of t/ldap and t/ad (their
#	    $MS, $T and sanitizer_free, t/ldap/lib.sh): the exit status in
#	    A_RC, stdout in $T/got, stderr in A_ERR
#	audit_same FILE FILE
#	    true when both hold the same lines, else their diff on stderr
#
# The domains are etc/mailswitch.conf's (and the slapd and Samba tests'):
# contoso.com an internal relay that forwards to legacy.contoso.com,
# sales.contoso.com authoritative, fourthcoffee.com an external relay; the
# outbound rule fourthcoffee.com -> contoso.com with outbound.lookup;
# max_hops 8.  The people are those of the check_audit unit table, less
# the names and addresses the Samba template holds already.

# The seeds: "c|NAME|PROXY;PROXY...|TARGET" (a contact) or "u|NAME|PROXY;..."
# (a user: no target); a value may not hold '|' or ';'.
AUDIT_SEEDS=(
	# clean (no name or address of the Samba template's: t/lib/samba.sh)
	"c|Ben Ng|SMTP:ben@contoso.com;smtp:ben.ng@contoso.com;X500:/o=FourthCoffee/ou=Exchange/cn=Recipients/cn=ben|SMTP:ben@fourthcoffee.com"
	"u|Dan Park|SMTP:dan@contoso.com;smtp:dan.park@contoso.com"
	"c|Erin Chain|SMTP:erin@contoso.com|erin.old@contoso.com"
	"c|Erin Old|SMTP:erin.old@contoso.com|SMTP:erin@fourthcoffee.com"
	"u|Tom Jones|SMTP:tom@contoso.com"
	"c|Hal Smith|SMTP:hal.smith@contoso.com|SMTP:hal@fourthcoffee.com"
	"u|Hal Jones|SMTP:hal@contoso.com"
	# ambiguous: an address and an X500 value held twice
	"u|Shared One|SMTP:shared1@contoso.com;smtp:shared@contoso.com;X500:/o=Contoso/cn=Recipients/cn=shared"
	"u|Shared Two|SMTP:shared2@contoso.com;smtp:SHARED@contoso.com;x500:/O=CONTOSO/CN=RECIPIENTS/CN=SHARED"
	# loop: a cycle
	"c|Loop One|SMTP:loop1@contoso.com|SMTP:loop2@contoso.com"
	"c|Loop Two|SMTP:loop2@contoso.com|SMTP:loop1@contoso.com"
	# unroutable: a target unknown in an authoritative domain
	"c|Ghost|SMTP:ghost@contoso.com|SMTP:gone@sales.contoso.com"
	# collision: no primary, so the rule decides: Tom Jones's address
	"c|Tom Baker|smtp:tbaker@contoso.com|SMTP:tom@fourthcoffee.com"
	# malformed: a secondary that is no address, an empty X500 value,
	# a target that is no SMTP address
	"u|Typo|SMTP:typo@contoso.com;smtp:typo@@contoso.com;X500:"
	"c|X400 Target|SMTP:x400@contoso.com|X400:c=US;a= ;p=FourthCoffee;s=Lee;"
	# unconfigured (information)
	"u|Old Name|SMTP:old@contoso.com;smtp:old@oldname.example"
)

audit_seeds_ldif()
{
	local contacts=$1 users=$2 rdn=$3 seed kind name proxies target oc v
	shift 3
	for seed in "${AUDIT_SEEDS[@]}"; do
		IFS='|' read -r kind name proxies target <<<"$seed"
		if [ "$kind" = c ]; then
			printf '\ndn: %s=%s,%s\n' "$rdn" "$name" "$contacts"
		else
			printf '\ndn: %s=%s,%s\n' "$rdn" "$name" "$users"
		fi
		for oc in "$@"; do
			printf 'objectClass: %s\n' "$oc"
		done
		printf 'cn: %s\nsn: %s\n' "$name" "$name"
		IFS=';' read -r -a v <<<"$proxies"
		# (a target may hold ';': it is split at '|' only)
		printf 'proxyAddresses: %s\n' "${v[@]}"
		[ -z "$target" ] || printf 'targetAddress: %s\n' "$target"
	done
}

audit_seeds_expected()
{
	local c=$1 u=$2 r=$3
	printf '%s\n' \
	    "ambiguous	shared@contoso.com	held by 2 entries: '$r=Shared One,$u'; '$r=Shared Two,$u'" \
	    "ambiguous	x500:/o=contoso/cn=recipients/cn=shared	held by 2 entries: '$r=Shared One,$u'; '$r=Shared Two,$u'" \
	    "loop	loop1@contoso.com	entry '$r=Loop One,$c': 554 5.4.6: loop1@contoso.com leads back to loop1@contoso.com" \
	    "loop	loop2@contoso.com	entry '$r=Loop Two,$c': 554 5.4.6: loop2@contoso.com leads back to loop2@contoso.com" \
	    "unroutable	ghost@contoso.com	contact '$r=Ghost,$c': its mail goes to gone@sales.contoso.com, which this gateway refuses: 550 5.1.1 user unknown" \
	    "collision	tom@fourthcoffee.com	rule fourthcoffee.com -> contoso.com makes it tom@contoso.com, held by '$r=Tom Jones,$u'; replies to it go to tom@contoso.com; tom@fourthcoffee.com is the target of '$r=Tom Baker,$c'" \
	    "malformed	X400:c=US;a= ;p=FourthCoffee;s=Lee;	entry '$r=X400 Target,$c': target address 'X400:c=US;a= ;p=FourthCoffee;s=Lee;' is not an SMTP address" \
	    "malformed	X500:	entry '$r=Typo,$u': an X500 value without a usable DN (empty, a control character, or longer than 2032 octets): ignored" \
	    "malformed	smtp:typo@@contoso.com	entry '$r=Typo,$u': bad proxy address 'smtp:typo@@contoso.com': more than one @" \
	    "unconfigured	old@oldname.example	in no configured domain: '$r=Old Name,$u'"
}

audit_run()
{
	set +e
	timeout 120 "$MS" -c "$1" -A >"$T/got" 2>"$T/a.err"
	A_RC=$?
	set -e
	A_ERR=$(cat "$T/a.err")
	sanitizer_free "$T/a.err" "-A $(basename "$1")"
	echo "    -A $(basename "$1") -> $A_RC [$A_ERR]" >&2
}

audit_same()
{
	diff -u "$1" "$2" >&2
}
