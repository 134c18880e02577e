#!/bin/bash
# Pack the test VM's initramfs (cpio newc, gzip): static busybox, /init,
# the distro KVM modules from fetch-kernel.sh, our module as
# /kvm-irqchip.ko, the selftests in /tests, the demo and the benchmark
# (when built).
# Inputs (env): KIC_MODULE_KO, KIC_TESTS_DIR, KIC_DEMO, KIC_BENCH, KIC_TOOLS, KIC_KERNEL (the
# directory with modules.tar, default: fetch-kernel.sh's). Output: $1.
set -eu
. "$(dirname "$0")/common.sh"

OUT=${1:-$KIC_BUILD/vm/initramfs.cpio.gz}
MODULE_KO=${KIC_MODULE_KO:-$REPO/kvm-irqchip.ko}
TESTS_DIR=${KIC_TESTS_DIR:-$KIC_BUILD/selftests}
DEMO=${KIC_DEMO:-$KIC_BUILD/tools/kvm-irqchip-demo}
BENCH=${KIC_BENCH:-$KIC_BUILD/tools/kvm-irqchip-bench}
# Tools the selftests run (the viewer, the doorbell example), in /bin.
TOOLS=${KIC_TOOLS:-"$KIC_BUILD/tools/kvm-irqchip-stat $KIC_BUILD/tools/kvm-irqchip-doorbell"}
KERNEL=${KIC_KERNEL:-$KIC_CACHE/kernel/$(kic_abi)}

[ -f "$MODULE_KO" ] || die "module not built: $MODULE_KO"
[ -f "$KERNEL/modules.tar" ] || die "no test kernel; run fetch-kernel.sh"

# The VM has no libc: refuse dynamically linked programs up front.
static() {
	! readelf -l "$1" 2>/dev/null | grep -q 'Requesting program interpreter' ||
		die "$1 is not statically linked"
}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests}
cp /bin/busybox "$root/bin/busybox"
static "$root/bin/busybox"
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
