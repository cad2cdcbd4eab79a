# t/lib/base.sh -- what every test that starts the daemon itself (not
# through t/e2e/lib.sh's frame) sources first: free ports (t/ports.sh),
# one stop-by-PID and the start and exit waits (process.sh), the temp
# folder (tmpdir.sh) and the one assertion style (assert.sh).  Set top to
# the tree's top folder before sourcing it:
#
#	top=$(cd "$here/../.." && pwd)
#	. "$top/t/lib/base.sh"
#
# shellcheck shell=bash

# shellcheck source=t/ports.sh
. "$top/t/ports.sh"
# shellcheck source=t/lib/process.sh
. "$top/t/lib/process.sh"
# shellcheck source=t/lib/tmpdir.sh
. "$top/t/lib/tmpdir.sh"
# shellcheck source=t/lib/assert.sh
. "$top/t/lib/assert.sh"
