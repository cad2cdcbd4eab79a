# t/pkg/build.sh -- sourced by the package tests (test-package.sh,
# test-boot.sh): build the Debian package from a copy of the tree.
#
#	pkg_build SOURCE-DIR WORK-DIR BUILD-OPTIONS
#
# Copies SOURCE-DIR (without .git and build folders: nothing is written
# into the tree) to WORK-DIR/mailswitch-VERSION, runs dpkg-buildpackage
# -us -uc -b there with DEB_BUILD_OPTIONS="BUILD-OPTIONS parallel=N"
# (bounded: 600 s), the log in WORK-DIR/build.log.  Prints the path of the
# binary package and returns 0; returns 1 (the log's tail on stderr) when
# the build fails.
pkg_build()
{
	local src=$1 work=$2 opts=$3 version tree deb
	version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$src/debian/changelog")
	tree=$work/mailswitch-$version
	mkdir -p "$tree" || return 1
	tar -C "$src" --exclude=./.git --exclude='./build' --exclude='./build-*' \
	    --exclude='./debian/build' -cf - . | tar -C "$tree" -xf - || return 1
	if ! (cd "$tree" && DEB_BUILD_OPTIONS="$opts parallel=$(nproc)" \
	    timeout 600 dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
		tail -40 "$work/build.log" >&2
		return 1
	fi
	deb=$(ls "$work"/mailswitch_"$version"_*.deb 2>/dev/null | head -1)
	[ -n "$deb" ] || return 1
	echo "$deb"
}
