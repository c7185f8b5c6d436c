# Normalise the TAP of several programs into one stream.
#   awk -v tag=vireo [-v keys=FILE] -f scripts/tap.awk < results
# Input: "# program: NAME" ... TAP ... "# exit: N" per program (as
# scripts/vm/run-suite and `make -C tests/unit run` print it).
# Output: one "ok"/"not ok" line per result, numbered from `start`, then a
# last line "# counts PASS FAIL SKIP".
# A program that prints fewer or more results than its plan, exits with a
# status other than 0 (pass) or 4 (all skipped) without a failed result,
# or prints no TAP at all counts as one more failure; so does a "not ok"
# marked SKIP (a failure is never a skip), and any TAP or other output
# outside a program (a lost "# program:" line would otherwise hide a whole
# program, its failures included). A program that skips as a whole
# ("1..0 # SKIP why") counts as one skip.
# With `keys`, FILE gets one line per result and per program, for
# scripts/check.sh: "pass|fail|skip<TAB>PROGRAM: TEST" and
# "program<TAB>PROGRAM".
function emit(ok, desc, skip, key) {
	n++
	if (skip) { nskip++; print "ok " n " " tag "/" prog ": " desc }
	else if (ok) { npass++; print "ok " n " " tag "/" prog ": " desc }
	else { nfail++; print "not ok " n " " tag "/" prog ": " desc }
	if (keys != "" && key != "")
		print (skip ? "skip" : ok ? "pass" : "fail") "\t" prog ": " key > keys
}
function close_prog(status) {
	if (prog == "")
		return
	if (keys != "")
		print "program\t" prog > keys
	if (plan < 0 && seen == 0)
		emit(0, "printed no TAP (exit " status ")", 0, "")
	else if (plan >= 0 && seen < plan)
		emit(0, "ended after " seen " of " plan " results (exit " status ")", 0, "")
	else if (plan >= 0 && seen > plan)
		emit(0, "printed " seen " results, its plan said " plan " (exit " status ")", 0, "")
	else if (status != 0 && status != 4 && failed == 0)
		emit(0, "exited with status " status, 0, "")
	prog = ""
}
function open_prog(name) {
	close_prog("none")
	prog = name; plan = -1; seen = 0; failed = 0
}
# Output that belongs to no program: a failure of its own.
function stray(line) {
	prog = "(no program)"
	emit(0, "output outside any program: " substr(line, 1, 120), 0, "")
	prog = ""
}
BEGIN { n = start + 0; npass = nfail = nskip = 0; prog = "" }
{ sub(/\r$/, "") }
/^# program: / { open_prog(substr($0, 12)); next }
/^# exit: / {
	if (prog == "")
		stray($0)
	st = substr($0, 9)
	if (st ~ /^[0-9]+$/)
		st += 0
	close_prog(st)
	next
}
# Comments and blank lines are free anywhere.
/^#/ || /^[ \t]*$/ { next }
prog == "" { stray($0); next }
/^1\.\.[0-9]+/ {
	if (plan >= 0) {
		emit(0, "printed a second plan: " $0, 0, "")
		next
	}
	plan = substr($1, 4) + 0
	if (plan == 0) {
		why = $0
		sub(/^1\.\.0 *(# *[Ss][Kk][Ii][Pp])? */, "", why)
		emit(1, "skipped as a whole # SKIP " why, 1, "(whole program)")
	}
	next
}
/^(not )?ok [0-9]+/ {
	ok = ($1 == "ok")
	desc = $0
	sub(/^(not )?ok [0-9]+ */, "", desc)
	sub(/^- +/, "", desc)
	skip = (desc ~ /# *[Ss][Kk][Ii][Pp]/)
	# The test's name: the description without its directive.
	key = desc
	sub(/ *#.*$/, "", key)
	if (key == "")
		key = "result " (seen + 1)
	seen++
	if (!ok) {
		failed++
		if (skip)
			desc = desc " (a failed test marked SKIP: a failure)"
		skip = 0
	}
	emit(ok, desc, skip, key)
	next
}
END {
	if (prog != "")
		close_prog("lost: the program's output ended early")
	print "# counts " npass " " nfail " " nskip
}
