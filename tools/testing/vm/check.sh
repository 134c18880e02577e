#!/bin/bash
# "make check", "make run" and "make bench": install what is missing, build
# the module, selftests, demo and benchmark against the test kernel's
# headers, boot the test VM, then report. Prints how long each phase took.
# "make check-debug" is "check" on the debug kernel of debug-kernel.sh
# (KASAN, lockdep, kmemleak...), which it builds once and caches.
# Usage: check.sh check|run|bench|check-debug
set -eu
. "$(dirname "$0")/common.sh"

MODE=${1:-check}
MAKE=${MAKE:-make}
# run and bench boot the VM for one program, which /init runs by the
# name mkinitramfs.sh gives it; PROG is the binary, NAME that name.
case $MODE in
run) PROG=${KIC_DEMO:-$KIC_BUILD/tools/kvm-irqchip-demo} NAME=kvm-irqchip-demo ;;
bench) PROG=${KIC_BENCH:-$KIC_BUILD/tools/kvm-irqchip-bench} NAME=kvm-irqchip-bench ;;
*) PROG='' NAME='' ;;
esac
INITRD=$KIC_BUILD/vm/initramfs-$MODE.cpio.gz
LOG=$KIC_BUILD/vm/serial-$MODE.log
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

vm() {
	local rc=0
	"$VM_DIR/boot.sh" "$MODE" "$INITRD" "$LOG" || rc=$?
	[ "$rc" = 0 ] || say "qemu exited with rc=$rc"
}

phase setup setup
if [ "$MODE" = check-debug ]; then phase kernel debug_kernel; fi
phase build build
phase boot+tests vm
echo "times:$TIMES  total: ${SECONDS}s"

if [ -n "$PROG" ]; then
	# The program's own exit code, or failure when it never finished;
	# summary.sh counts it and checks the VM and its kernel log.
	rc=$(sed -n "s/.*### END $NAME rc=\([0-9]*\).*/\1/p" "$LOG")
	echo "${NAME#kvm-irqchip-} exited with rc=${rc:-none}"
fi
exec "$VM_DIR/summary.sh" "$LOG"
