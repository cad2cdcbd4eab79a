#!/usr/bin/env bash
# t/pkg/test-readme-postfix.sh SOURCE-DIR -- README's Postfix lines are
# contrib/postfix/'s, and paste as they stand.
#
# For each mode (milter, socketmap, tables) the block of `postconf`
# commands in README must set exactly the settings of contrib/postfix/
# (main.cf, or main-socketmap.cf and master-socketmap.cf, or
# main-tables.cf and master-tables.cf) and the connectors of
# contrib/postfix/transport, nothing more, nothing less; mailswitch(8)
# must give the same block, line for line; and no line may carry a
# comment after a value (Postfix would take it as part of the value).
# t/pkg/test-boot.sh runs the same blocks on a booted Debian.  Needs no
# root and no Postfix: the files are read as text.
set -u
src=$(cd "${1:?usage: test-readme-postfix.sh SOURCE-DIR}" && pwd)
# shellcheck source=t/pkg/postfix-lines.sh
. "$src/t/pkg/postfix-lines.sh"

fail=0
ok()  { echo "ok - $*"; }
bad() { echo "not ok - $*"; fail=1; }

c=$src/contrib/postfix
# mode | README marker | contrib's settings
rows=(
	"milter|# mailswitch in milter mode: contrib/postfix/main.cf"
	"socketmap|# mailswitch in socketmap mode: contrib/postfix/main-socketmap.cf, master-socketmap.cf"
	"tables|# mailswitch in tables mode: contrib/postfix/main-tables.cf, master-tables.cf"
)
for row in "${rows[@]}"; do
	mode=${row%%|*}
	marker=${row#*|}
	block=$(postfix_block "$src/README" "$marker")
	if [ -z "$block" ]; then
		bad "$mode: README has a block that begins '$marker'"
		continue
	fi
	ok "$mode: README has a block that begins '$marker' ($(wc -l <<<"$block") lines)"
	got=$(postfix_block_settings <<<"$block" | sort)
	if grep -q '^unknown ' <<<"$got"; then
		bad "$mode: every README line is a postconf, echo, postmap or reload:"
		grep '^unknown ' <<<"$got" | sed 's/^/#   /'
	else
		ok "$mode: every README line is a postconf, echo, postmap or reload"
	fi
	if [ "$mode" = milter ]; then
		want=$({ postfix_main_settings "$c/main.cf"
			 postfix_transport_settings "$c/transport"; } | sort)
	else
		want=$({ postfix_main_settings "$c/main-$mode.cf"
			 postfix_master_settings "$c/master-$mode.cf"
			 postfix_transport_settings "$c/transport"; } | sort)
	fi
	if [ "$got" = "$want" ]; then
		ok "$mode: README sets exactly contrib/postfix/'s $(wc -l <<<"$want") settings"
	else
		bad "$mode: README and contrib/postfix/ differ (< README, > contrib):"
		diff <(echo "$got") <(echo "$want") | grep '^[<>]' | sed 's/^/#   /'
	fi
	if grep -q "^main [^=]*= .*#" <<<"$got$want"; then
		bad "$mode: no value holds a '#' (a comment Postfix would read as part of it)"
	else
		ok "$mode: no value holds a '#'"
	fi
	man=$(postfix_block "$src/man/mailswitch.8" "$marker")
	if [ "$man" = "$block" ]; then
		ok "$mode: mailswitch(8) gives the same block"
	else
		bad "$mode: mailswitch(8) differs from README (< README, > man):"
		diff <(echo "$block") <(echo "$man") | grep '^[<>]' | sed 's/^/#   /'
	fi
done
exit $fail
