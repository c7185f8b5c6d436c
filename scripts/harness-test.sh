#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Tests of make check's own harness, on planted faults (prints TAP; run by
# scripts/check.sh with the host unit tests): the kselftest wrapper
# (tests/vm/lib/kselftest_harness.h), scripts/tap.awk and the test VM's
# verdict parser (scripts/vm/verdict.sh). Each case is a way a broken test
# could pass; each must count as a failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-$top/.cache}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vireo-harness.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
echo "1..12"
res() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}
# tap STREAM: scripts/tap.awk's "# counts" line for STREAM.
tap() { printf '%s\n' "$@" | awk -v tag=t -f "$top/scripts/tap.awk" | tail -n1; }

# The kselftest wrapper, on a program with one test of each kind.
cat > "$tmp/t.c" <<'C'
#include <stdlib.h>
#include "kselftest_harness.h"
TEST(passes) { EXPECT_EQ(1, 1); }
TEST(skips) { SKIP(return, "planted skip"); }
TEST(exits_255) { exit(255); }
TEST(skip_after_failure) { EXPECT_EQ(1, 2); SKIP(return, "hides the failure"); }
TEST_HARNESS_MAIN
C
if gcc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -I"$top/tests/vm/lib" \
	-I"$cache/kselftest" -o "$tmp/t" "$tmp/t.c" 2> "$tmp/cc.err"; then
	"$tmp/t" > "$tmp/t.out" 2>&1
	rc=$?
else
	sed 's/^/# /' "$tmp/cc.err"
	rc=none; : > "$tmp/t.out"
fi
sed 's/^/# | /' "$tmp/t.out"
grep -qx 'ok 1 global.passes' "$tmp/t.out"
res $? "wrapper: a passing test passes"
grep -qx 'ok 2 global.skips # SKIP planted skip' "$tmp/t.out"
res $? "wrapper: SKIP() is a skip, its line names the test"
grep -q '^not ok 3 global.exits_255 ' "$tmp/t.out"
res $? "wrapper: a child exiting 255 without SKIP() fails"
grep -q '^not ok 4 global.skip_after_failure' "$tmp/t.out"
res $? "wrapper: SKIP() after a failed EXPECT fails"
[ "$rc" = 1 ]
res $? "wrapper: the program exits 1 (got $rc)"

# scripts/tap.awk.
[ "$(tap '# program: a' '1..1' 'not ok 1 x # SKIP planted' '# exit: 1')" = "# counts 0 1 0" ]
res $? "tap.awk: a \"not ok\" marked SKIP is a failure"
[ "$(tap '# program: a' '1..1' 'ok 1 x' '# exit: 0' 'ok 2 y' 'not ok 3 z')" = "# counts 1 2 0" ]
res $? "tap.awk: results outside any program (a lost header) fail"
[ "$(tap '# program: a' '1..2' 'ok 1 x' '# exit: 0')" = "# counts 1 1 0" ]
res $? "tap.awk: a program short of its plan fails"
[ "$(tap '# program: a' '# exit: missing')" = "# counts 0 1 0" ]
res $? "tap.awk: a program that never ran fails"
[ "$(tap '# program: a' '1..0 # SKIP planted' '# exit: 4')" = "# counts 0 0 1" ]
res $? "tap.awk: a program skipped as a whole counts as a skip"

# scripts/vm/verdict.sh.
. "$top/scripts/vm/verdict.sh"
printf '%s\n' 'VIREO-VM: rc=0 dmesg=ok unload=ok leak=ok' \
	'VIREO-VM: nonce=abc rc=0 dmesg=ok unload=ok leak=ok; touch /tmp/x' > "$tmp/res"
! vm_verdict "$tmp/res" abc && [ "$vm_dmesg" = bad ]
res $? "verdict: a line without the nonce or with trailing words does not count"
printf '%s\n' 'VIREO-VM: nonce=abc rc=0 dmesg=ok unload=ok leak=ok' \
	'junkVIREO-VM: nonce=abc rc=3 dmesg=bad unload=ok leak=none' > "$tmp/res"
vm_verdict "$tmp/res" abc && [ "$vm_rc.$vm_dmesg.$vm_leak" = 3.bad.none ]
res $? "verdict: the last well-formed line with the nonce is the verdict"
[ $failed = 0 ]
