#!/bin/bash
# "make check", "make run" and "make bench": install what is missing, build
# the module, selftests, demo and benchmark against the test kernel's
# headers, boot the test VM, then report. Prints how long each phase took.
# "make check-debug" is "check" on the debug kernel of debug-kernel.sh
# (KASAN, lockdep, kmemleak...), which it builds once and caches.
# "make check-arm64" and "make check-ppc64" are "check" on Debian's arm64
# or ppc64el kernel under qemu TCG: the module and the selftests cross-built
# against that kernel's headers (fetch-kernel.sh fetches both).
# Usage: check.sh check|run|bench|check-debug|check-arm64|check-ppc64
set -eu
LANE=${1:-check}
MODE=$LANE
case $LANE in
check-arm64) KIC_ARCH=arm64 MODE=check ;;
check-ppc64) KIC_ARCH=ppc64le MODE=check ;;
*) KIC_ARCH=x86_64 ;;
esac
export KIC_ARCH
. "$(dirname "$0")/common.sh"

MAKE=${MAKE:-make}
# run and bench boot the VM for one program, which /init runs by the
# name mkinitramfs.sh gives it; PROG is the binary, NAME that name.
case $MODE in
run) PROG=${KIC_DEMO:-$KIC_BUILD/tools/kvm-irqchip-demo} NAME=kvm-irqchip-demo ;;
bench) PROG=${KIC_BENCH:-$KIC_BUILD/tools/kvm-irqchip-bench} NAME=kvm-irqchip-bench ;;
*) PROG='' NAME='' ;;
esac
INITRD=$KIC_BUILD/vm/initramfs-$LANE.cpio.gz
LOG=$KIC_BUILD/vm/serial-$LANE.log
TIMES=

# Run "$@" as phase $1, remembering its wall time.
phase() {
	local name=$1 start=$SECONDS
	shift
	say "phase: $name"
	"$@"
	TIMES="$TIMES  $name: $((SECONDS - start))s"
}

setup() {
	"$VM_DIR/setup.sh"
	"$VM_DIR/extract-source.sh"
	[ "$MODE" = check-debug ] || "$VM_DIR/fetch-kernel.sh"
}

# check-debug only: the debug kernel replaces Debian's, through KIC_KERNEL
# (boot.sh, mkinitramfs.sh) and KIC_KDIR (build below); KIC_KMEMLEAK
# makes summary.sh require the kmemleak scan /init does on such a kernel.
debug_kernel() {
	local env
	env=$("$VM_DIR/debug-kernel.sh" --env)
	eval "$env"
	export KIC_KERNEL KIC_KDIR KIC_KMEMLEAK=1
	# The reliability lane's load (issue #7): a million fuzzed ioctls and
	# five minutes of soak, unless the caller chose otherwise.
	export KIC_FUZZ_IOCTLS=${KIC_FUZZ_IOCTLS:-1000000}
	export KIC_FUZZ_SECONDS=${KIC_FUZZ_SECONDS:-600}
	export KIC_SOAK_SECONDS=${KIC_SOAK_SECONDS:-300}
	export KIC_TEST_TIMEOUT=${KIC_TEST_TIMEOUT:-1800}
	# More random conformance cases than make check (issue #18): 1.05x
	# its minimums; each family stops at its minimum, and the bound
	# (below the test's own 900 s) only catches a kernel too slow for it.
	export KIC_CONF_SECONDS=${KIC_CONF_SECONDS:-840}
	export KIC_CONF_MIN_SCALE=${KIC_CONF_MIN_SCALE:-1.05}
	# scale_test's sizes at 1/16 (routes) and 1/5 (irqfds): the full
	# ones take hours under KASAN and kmemleak (make check has them).
	export KIC_SCALE_ROUTES=${KIC_SCALE_ROUTES:-65536}
	export KIC_SCALE_IRQFDS=${KIC_SCALE_IRQFDS:-20000}
	export KIC_VM_TIMEOUT=${KIC_VM_TIMEOUT:-4800}
}

build() {
	# Always the test kernel's headers: the module must load in the VM,
	# whatever kernel the host runs.
	local targets="modules selftests demo"
	[ -n "$PROG" ] && targets="modules demo"
	# shellcheck disable=SC2086
	$MAKE -C "$REPO" KDIR="${KIC_KDIR:-$(kic_kdir)}" $targets
	"$VM_DIR/mkinitramfs.sh" "$INITRD"
	if [ -n "$PROG" ] && [ ! -f "$PROG" ]; then
		die "no $MODE binary was built (tools/kvm-irqchip)"
	fi
}

# A cross lane: the module, in a copy of its sources under $OUT_DIR/module
# (kbuild writes its objects beside them), and the selftests and the tools
# they run, each with the cross compiler. W= and C= reach kbuild as usual.
sync_sources() {
	local dst=$OUT_DIR/module f
	mkdir -p "$dst"
	# Only what changed is copied, so kbuild rebuilds only that; sources
	# gone from the repo go from the copy too.
	(cd "$REPO" && find Kbuild virt arch include -type f \
		\( -name Kbuild -o -name '*.[chS]' \) | sort) >"$dst.list"
	while read -r f; do
		if ! cmp -s "$REPO/$f" "$dst/$f"; then
			mkdir -p "$dst/$(dirname "$f")"
			cp -p "$REPO/$f" "$dst/$f"
		fi
	done <"$dst.list"
	(cd "$dst" && find virt arch include -type f -name '*.[chS]' 2>/dev/null |
		sort | comm -23 - "$dst.list" | xargs -r rm -f)
	rm -f "$dst.list"
}

# The selftests that apply to the architecture (their Makefile picks them
# by ARCH=), and the tools that those run; what an earlier build left there
# and no longer applies is removed, as the initramfs takes every program of
# the directory.
build_cross_tests() {
	local sdir=$REPO/tools/testing/selftests/kvm-irqchip tests t tools=
	local cc=${CROSS}gcc
	mkdir -p "$OUT_DIR/selftests" "$OUT_DIR/tools"
	tests=$($MAKE -s -C "$sdir" ARCH="$KARCH" list) ||
		die "listing the selftests for $KIC_ARCH failed"
	$MAKE -C "$sdir" OUTPUT="$OUT_DIR/selftests" CC="$cc" ARCH="$KARCH" \
		KSFT_DIR="$KIC_CACHE/linux-source/tools/testing/selftests" ||
		die "building the selftests for $KIC_ARCH failed"
	for t in "$OUT_DIR"/selftests/*_test; do
		[ -f "$t" ] || continue
		echo "$tests" | grep -qx "${t##*/}" || rm -f "$t"
	done
	rm -f "$OUT_DIR/tools/kvm-irqchip-stat" "$OUT_DIR/tools/kvm-irqchip-doorbell"
	echo "$tests" | grep -qx stat_viewer_test &&
		tools="$tools $OUT_DIR/tools/kvm-irqchip-stat"
	echo "$tests" | grep -qx doorbell_test &&
		tools="$tools $OUT_DIR/tools/kvm-irqchip-doorbell"
	[ -z "$tools" ] && return 0
	# shellcheck disable=SC2086
	$MAKE -C "$REPO/tools/kvm-irqchip" OUTPUT="$OUT_DIR/tools" CC="$cc" \
		$tools || die "building$tools for $KIC_ARCH failed"
}

build_cross() {
	local kdir cc=${CROSS}gcc
	kdir=$(kic_kdir)
	command -v "$cc" >/dev/null ||
		die "building for $KIC_ARCH: no $cc; run 'make setup' (as root)"
	[ -f "$kdir/Makefile" ] ||
		die "building for $KIC_ARCH: no headers in $kdir; run fetch-kernel.sh"
	sync_sources
	$MAKE -C "$kdir" M="$OUT_DIR/module" ARCH="$KARCH" \
		CROSS_COMPILE="$CROSS" modules ||
		die "building the module for $KIC_ARCH against $kdir failed"
	build_cross_tests
	"$VM_DIR/mkinitramfs.sh" "$INITRD"
}

vm() {
	local rc=0
	"$VM_DIR/boot.sh" "$MODE" "$INITRD" "$LOG" || rc=$?
	[ "$rc" = 0 ] || say "qemu exited with rc=$rc"
}

phase setup setup
if [ "$MODE" = check-debug ]; then phase kernel debug_kernel; fi
if [ "$KIC_ARCH" = x86_64 ]; then
	phase build build
else
	phase build build_cross
fi
phase boot+tests vm
echo "times:$TIMES  total: ${SECONDS}s"

if [ -n "$PROG" ]; then
	# The program's own exit code, or failure when it never finished;
	# summary.sh counts it and checks the VM and its kernel log.
	rc=$(sed -n "s/.*### END $NAME rc=\([0-9]*\).*/\1/p" "$LOG")
	echo "${NAME#kvm-irqchip-} exited with rc=${rc:-none}"
fi
exec "$VM_DIR/summary.sh" "$LOG"
