# t/lib/tmpdir.sh -- the temp folder a test or a harness file keeps its
# servers' files in, made and removed the one way.
#
#	tmp=$(tmpdir_make sig)           # ${TMPDIR:-/tmp}/mailswitch-sig.XXXXXX
#	tmpdir_remove "$tmp" "${T_KEEP:-0}"
#
# shellcheck shell=bash

# tmpdir_make NAME: make and print a new folder
# ${TMPDIR:-/tmp}/mailswitch-NAME.XXXXXX, mode 755: the daemon under test
# runs as nobody and must reach its configuration, LDIF and sockets there.
tmpdir_make()
{
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/mailswitch-$1.XXXXXX") || return 1
	chmod 755 "$d"
	echo "$d"
}

# tmpdir_remove DIR [KEEP]: remove DIR and all it holds; when KEEP is 1,
# leave it and say "kept DIR" on stderr (for a post-mortem).  Nothing
# when DIR is empty or gone.  Always true.
tmpdir_remove()
{
	[ -n "$1" ] && [ -d "$1" ] || return 0
	if [ "${2:-0}" = 1 ]; then
		echo "kept $1" >&2
	else
		rm -rf "$1"
	fi
}
