#!/bin/bash
# Turn the serial log of a "check" VM run into a pass/fail summary.
# Counts the kselftest TAP lines ("ok N ...", "not ok N ...", "# SKIP") of
# each test binary, a binary that failed without a "not ok" line (crash,
# timeout, plain exit code) or never finished as one failure, and adds the
# VM checks: /dev/kvm present, module loads, module unloads, kernel log clean,
# and on the debug kernel no kmemleak report (required when KIC_KMEMLEAK=1).
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
# Markers may follow console junk (e.g. firmware escape codes).
{ m = index($0, "### "); mk = m ? substr($0, m + 4) : "" }

mk ~ /^TESTS/ { ntests = split(substr(mk, 7), tests, " "); next }
mk ~ /^KVM / { kvm = (mk == "KVM present"); next }
mk ~ /^INSMOD rc=/ { insmod = substr(mk, 11); next }
mk ~ /^BEGIN / { cur = substr(mk, 7); tap = notok = 0; ran++; next }
mk ~ /^END / {
	split(substr(mk, 5), f, " rc="); ended[f[1]] = 1; rc = f[2]
	if (rc == 0 && !tap) passed++              # plain test, no TAP
	else if (rc == 4 && !tap) skipped++        # KSFT_SKIP exit
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

cur != "" && /^ok [0-9]+/ { tap++; if (/# SKIP/) skipped++; else passed++ }
cur != "" && /^not ok [0-9]+/ { tap++; notok++; fail(cur ": " $0) }
# Bad kernel messages: from the final dmesg, or straight from the console
# (timestamped lines) when the VM died before printing it.
(indmesg || /^\[ *[0-9]+\.[0-9]+\]/) && $0 ~ bad && $0 !~ okre {
	if (nbad < 20) badlines[++nbad] = $0
}

END {
	for (i = 1; i <= ntests; i++)
		if (!(tests[i] in ended))
			fail(tests[i] ": no END marker (VM crashed or hung)")
	if (!ran) fail("no test binaries ran")
	check(kvm, "vm: /dev/kvm present")
	check(insmod == "0", "vm: module loads")
	check(rmmod == "0", "vm: module unloads cleanly")
	check(dmesg_done && !nbad, "vm: kernel log clean" \
		(dmesg_done ? "" : " (no final dmesg)"))
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
