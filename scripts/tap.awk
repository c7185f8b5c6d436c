# Normalise the TAP of several programs into one stream.
#   awk -v tag=vireo -f scripts/tap.awk < results
# Input: "# program: NAME" ... TAP ... "# exit: N" per program (as
# scripts/vm/run-suite and `make -C tests/unit run` print it).
# Output: one "ok"/"not ok" line per result, numbered from `start`, then a
# last line "# counts PASS FAIL SKIP".
# A program that prints fewer results than its plan, exits with a status
# other than 0 (pass) or 4 (all skipped) without a failed result, or prints
# no TAP at all counts as one more failure.
function emit(ok, desc, skip) {
	n++
	if (skip) { nskip++; print "ok " n " " tag "/" prog ": " desc }
	else if (ok) { npass++; print "ok " n " " tag "/" prog ": " desc }
	else { nfail++; print "not ok " n " " tag "/" prog ": " desc }
}
function close_prog(status) {
	if (prog == "")
		return
	if (plan < 0 && seen == 0)
		emit(0, "printed no TAP (exit " status ")", 0)
	else if (plan >= 0 && seen < plan)
		emit(0, "ended after " seen " of " plan " results (exit " status ")", 0)
	else if (status != 0 && status != 4 && failed == 0)
		emit(0, "exited with status " status, 0)
	prog = ""
}
function open_prog(name) {
	close_prog("none")
	prog = name; plan = -1; seen = 0; failed = 0
}
BEGIN { n = start + 0; npass = nfail = nskip = 0; prog = "" }
{ sub(/\r$/, "") }
/^# program: / { open_prog(substr($0, 12)); next }
/^# exit: / { close_prog(substr($0, 9) + 0); next }
prog == "" { next }
/^1\.\.[0-9]+/ { if (plan < 0) plan = substr($1, 4) + 0; next }
/^(not )?ok [0-9]+/ {
	ok = ($1 == "ok")
	desc = $0
	sub(/^(not )?ok [0-9]+ *(- *)?/, "", desc)
	skip = (desc ~ /# *[Ss][Kk][Ii][Pp]/)
	seen++
	if (!ok) failed++
	emit(ok, desc, skip)
	next
}
END {
	if (prog != "")
		close_prog("lost: the program's output ended early")
	print "# counts " npass " " nfail " " nskip
}
