#!/bin/bash
# Pack the test VM's initramfs (cpio newc, gzip): static busybox, /init,
# the distro KVM modules from fetch-kernel.sh, our module as
# /kvm-irqchip.ko, the selftests in /tests, the demo and the benchmark
# (when built), all for the lane's architecture (KIC_ARCH, common.sh).
# Inputs (env): KIC_MODULE_KO, KIC_TESTS_DIR, KIC_DEMO, KIC_BENCH, KIC_TOOLS, KIC_KERNEL (the
# directory with modules.tar, default: fetch-kernel.sh's). Output: $1.
set -eu
. "$(dirname "$0")/common.sh"

OUT=${1:-$KIC_BUILD/vm/initramfs.cpio.gz}
MODULE_KO=${KIC_MODULE_KO:-$DEFAULT_KO}
TESTS_DIR=${KIC_TESTS_DIR:-$OUT_DIR/selftests}
DEMO=${KIC_DEMO:-$OUT_DIR/tools/kvm-irqchip-demo}
BENCH=${KIC_BENCH:-$OUT_DIR/tools/kvm-irqchip-bench}
# Tools the selftests run (the viewer, the doorbell example), in /bin.
TOOLS=${KIC_TOOLS:-"$OUT_DIR/tools/kvm-irqchip-stat $OUT_DIR/tools/kvm-irqchip-doorbell"}
KERNEL=$(kic_kernel)
# The static busybox of the lane's architecture.
BUSYBOX=/bin/busybox
[ "$KIC_ARCH" = x86_64 ] || BUSYBOX=$CROSS_DIR/bin/busybox

[ -f "$MODULE_KO" ] || die "module not built: $MODULE_KO"
[ -x "$BUSYBOX" ] || die "no $BUSYBOX; run fetch-kernel.sh"
[ -f "$KERNEL/modules.tar" ] || die "no test kernel; run fetch-kernel.sh"

# The VM has no libc: refuse dynamically linked programs up front, and
# programs of another architecture.
case $KIC_ARCH in
x86_64) MACHINE='X86-64' ;;
arm64) MACHINE='AArch64' ;;
ppc64le) MACHINE='PowerPC64' ;;
esac
static() {
	! readelf -l "$1" 2>/dev/null | grep -q 'Requesting program interpreter' ||
		die "$1 is not statically linked"
	readelf -h "$1" 2>/dev/null | grep -q "Machine:.*$MACHINE" ||
		die "$1 is not a $KIC_ARCH program"
}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests}
cp "$BUSYBOX" "$root/bin/busybox"
static "$root/bin/busybox"
# The host's busybox names the applets (the same Debian version).
for applet in $(busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
cp "$VM_DIR/init" "$root/init"
tar -xf "$KERNEL/modules.tar" -C "$root"
cp "$MODULE_KO" "$root/kvm-irqchip.ko"

if [ -d "$TESTS_DIR" ]; then
	find "$TESTS_DIR" -maxdepth 1 -type f -perm -u+x | sort | while read -r t; do
		static "$t"
		cp "$t" "$root/tests/"
	done
fi
if [ -f "$DEMO" ]; then
	static "$DEMO"
	cp "$DEMO" "$root/kvm-irqchip-demo"
fi
if [ -f "$BENCH" ]; then
	static "$BENCH"
	cp "$BENCH" "$root/kvm-irqchip-bench"
fi
for t in $TOOLS; do
	[ -f "$t" ] || continue
	static "$t"
	cp "$t" "$root/bin/"
done

mkdir -p "$(dirname "$OUT")"
(cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$OUT"
say "initramfs $OUT: $(ls "$root/tests" | wc -l) tests, $(du -h "$OUT" | cut -f1)"
