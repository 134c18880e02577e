#!/bin/bash
# Turn the serial log of a VM run ("check", "check-debug", or "run" and
# "bench", whose one program counts as one test) into a pass/fail summary.
# Counts the kselftest TAP lines ("ok N ...", "not ok N ...", "# SKIP") of
# each test binary, a binary that failed without a "not ok" line (crash,
# timeout, plain exit code) or never finished as one failure, and adds the
# VM checks: /dev/kvm present, module loads, module unloads, kernel log clean
# and complete (not wrapped), and on the debug kernel no kmemleak report
# (required when KIC_KMEMLEAK=1).
# Skips: a test skips with a reason "missing FEATURE[,FEATURE]: why" (or
# prints "# missing FEATURE: what it left out" when it skips a part). A
# feature of the lane's "### EXPECT" list (boot.sh's kic.expect=) makes the
# skip a failure; any other feature is a plain skip; a skip that names no
# feature fails too, so no test can skip silently.
# The last line is "N passed, N failed[, N skipped]"; exit 1 on any failure.
# Usage: summary.sh SERIAL_LOG
set -eu

# Kernel log lines that mean a bug, and the taint notes an unsigned
# out-of-tree module always causes.
BAD='WARNING:|BUG:|Oops|general protection fault|Kernel panic|possible recursive locking|possible circular locking|deadlock|suspicious RCU usage|KASAN|UBSAN|sleeping function called from invalid context|kmemleak|Call Trace|soft lockup|hard LOCKUP|blocked for more than|list_(add|del) corruption|refcount_t:'
OK='loading out-of-tree module taints kernel|module verification failed'

awk -v bad="$BAD" -v okre="$OK" -v needleak="${KIC_KMEMLEAK:-}" '
function fail(what) { failed++; failures[++nf] = what }
function check(ok, what) { if (ok) passed++; else fail(what) }
# A skip (whole: the result of a test; else part of one) for reason why.
function skip(who, why, whole,    n, f, i, hit) {
	if (!match(why, /^missing [a-z0-9_,-]+:/)) {
		fail(who ": skipped without naming a missing feature: " why)
		return
	}
	n = split(substr(why, 9, RLENGTH - 9), f, ",")
	for (i = 1; i <= n; i++)
		if (f[i] in expect) hit = hit (hit ? "," : "") f[i]
	if (hit != "")
		fail(who ": skipped, but this lane expects " hit ": " why)
	else if (whole)
		skipped++
}
# Markers may follow console junk (e.g. firmware escape codes).
{ m = index($0, "### "); mk = m ? substr($0, m + 4) : "" }

mk ~ /^TESTS/ { ntests = split(substr(mk, 7), tests, " "); next }
mk ~ /^EXPECT/ {
	have_expect = 1; n = split(substr(mk, 8), f, ",")
	for (i = 1; i <= n; i++) if (f[i] != "") expect[f[i]] = 1
	next
}
mk ~ /^KVM / { kvm = (mk == "KVM present"); next }
mk ~ /^INSMOD rc=/ { insmod = substr(mk, 11); next }
mk ~ /^BEGIN / { cur = substr(mk, 7); tap = notok = 0; ran++; next }
mk ~ /^END / {
	split(substr(mk, 5), f, " rc="); ended[f[1]] = 1; rc = f[2]
	if (rc == 0 && !tap) passed++              # plain test, no TAP
	else if (rc == 4 && !tap)                  # KSFT_SKIP exit, no reason
		fail(f[1] ": skipped (exit 4) without naming a missing feature")
	else if (rc != 0 && !notok) fail(f[1] ": exited with rc=" rc \
		(rc == 143 || rc == 137 ? " (timeout?)" : ""))
	cur = ""; next
}
mk ~ /^RMMOD rc=/ { rmmod = substr(mk, 10); next }
mk == "DMESG BEGIN" { indmesg = 1; next }
mk == "DMESG END" { indmesg = 0; dmesg_done = 1; next }
mk == "KMEMLEAK BEGIN" { inleak = 1; next }
mk == "KMEMLEAK END" { inleak = 0; leak_done = 1; next }
inleak { if (/unreferenced object/) leaks++; if (nleak < 40) leaklines[++nleak] = $0; next }

# The 6.1 harness names a test on the line before its result; a skip
# result line ("ok N # SKIP reason") carries only the reason.
cur != "" && /^# +(OK|FAIL) +[^ ]+$/ { name = $NF }
cur != "" && /^ok [0-9]+/ {
	tap++
	if (match($0, /# SKIP */)) skip(cur ": " name, substr($0, RSTART + RLENGTH), 1)
	else passed++
	name = ""
}
cur != "" && /^not ok [0-9]+/ { tap++; notok++; fail(cur ": " $0); name = "" }
cur != "" && /^# missing [a-z0-9_,-]+: / { skip(cur, substr($0, 3), 0) }
# Bad kernel messages: from the final dmesg, or straight from the console
# (timestamped lines) when the VM died before printing it.
(indmesg || /^\[ *[0-9]+\.[0-9]+\]/) && $0 ~ bad && $0 !~ okre {
	if (nbad < 20) badlines[++nbad] = $0
}
# /init writes these around the run: both must be in the final dmesg.
indmesg && /kic-vm: kernel log start$/ { log_start = 1 }
indmesg && /kic-vm: kernel log end$/ { log_end = 1 }

END {
	for (i = 1; i <= ntests; i++)
		if (!(tests[i] in ended))
			fail(tests[i] ": no END marker (VM crashed or hung)")
	if (!ran) fail("no test binaries ran")
	check(have_expect, "vm: expected features known (### EXPECT)")
	if ("kvm" in expect)
		check(kvm, "vm: /dev/kvm present")
	check(insmod == "0", "vm: module loads")
	check(rmmod == "0", "vm: module unloads cleanly")
	check(dmesg_done && !nbad, "vm: kernel log clean" \
		(dmesg_done ? "" : " (no final dmesg)"))
	check(dmesg_done && log_start && log_end, "vm: kernel log complete" \
		(!dmesg_done ? " (no final dmesg)" : !log_start ? \
		 " (it wrapped: records were lost before the final read; raise KIC_LOG_BUF_LEN)" : \
		 !log_end ? " (the final read was cut short)" : ""))
	if (leak_done || needleak)
		check(leak_done && !leaks, "vm: kmemleak clean" (leak_done ? \
			" (" leaks + 0 " leaks)" : " (no kmemleak scan: not a debug kernel?)"))

	print "=== summary ==="
	for (i = 1; i <= nf; i++) print "FAIL " failures[i]
	for (i = 1; i <= nbad; i++) print "  kernel: " badlines[i]
	for (i = 1; leaks && i <= nleak; i++) print "  kmemleak: " leaklines[i]
	line = passed + 0 " passed, " failed + 0 " failed"
	if (skipped) line = line ", " skipped " skipped"
	print line
	exit failed > 0
}' "$1"
