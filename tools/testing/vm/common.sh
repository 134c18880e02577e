# shellcheck shell=bash
# Shared paths and helpers for the test-VM harness; sourced, never run.
# Everything generated lives under $KIC_CACHE (downloads and extracted
# files, kept across runs) and $KIC_BUILD (build outputs, wiped by clean).

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VM_DIR/../../.." && pwd)
KIC_CACHE=${KIC_CACHE:-$REPO/.cache}
KIC_BUILD=${KIC_BUILD:-$REPO/build}

say() { printf '>>> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The lane's architecture: x86_64 (make check, the default) boots Debian's
# amd64 kernel; arm64 and ppc64le (make check-arm64, check-ppc64) are the
# cross lanes, which fetch that architecture's Debian kernel, headers and
# busybox into $KIC_CACHE/cross/$KARCH (fetch-kernel.sh) and boot it under
# qemu TCG. Per architecture: DEB_ARCH (Debian's name), FLAVOUR (of the
# linux-image/linux-headers packages), KARCH (the kernel's ARCH=), CROSS
# (CROSS_COMPILE=, empty for the host), QEMU (the emulator), CONSOLE (the
# serial console), IMAGE (the kernel image file the package ships in /boot).
KIC_ARCH=${KIC_ARCH:-x86_64}
# shellcheck disable=SC2034 # used by the scripts that source this one
case $KIC_ARCH in
x86_64)
	DEB_ARCH=amd64 FLAVOUR=amd64 KARCH=x86 CROSS=
	QEMU=qemu-system-x86_64 CONSOLE=ttyS0 IMAGE=vmlinuz ;;
arm64)
	DEB_ARCH=arm64 FLAVOUR=arm64 KARCH=arm64 CROSS=aarch64-linux-gnu-
	QEMU=qemu-system-aarch64 CONSOLE=ttyAMA0 IMAGE=vmlinuz ;;
ppc64le)
	DEB_ARCH=ppc64el FLAVOUR=powerpc64le KARCH=powerpc
	CROSS=powerpc64le-linux-gnu- QEMU=qemu-system-ppc64 CONSOLE=hvc0
	IMAGE=vmlinux ;;
*) die "KIC_ARCH must be x86_64, arm64 or ppc64le, not '$KIC_ARCH'" ;;
esac
# Where a lane's builds go: the repo (module) and $KIC_BUILD/{selftests,
# tools} for x86_64; $KIC_BUILD/cross/<KARCH>/{module,selftests,tools} for
# a cross lane, whose module builds in a copy of the sources (check.sh) so
# that the x86_64 objects in the repo stay as they are.
# shellcheck disable=SC2034
if [ "$KIC_ARCH" = x86_64 ]; then
	OUT_DIR=$KIC_BUILD
	DEFAULT_KO=$REPO/kvm-irqchip.ko
else
	OUT_DIR=$KIC_BUILD/cross/$KARCH
	DEFAULT_KO=$OUT_DIR/module/kvm-irqchip.ko
fi
# The cross lanes' root: the extracted packages (usr/src/linux-headers-*,
# bin/busybox), the kernel the VM boots (kernel/), apt's own state (apt/)
# and the downloaded packages (debs/) shared by both architectures.
CROSS_ROOT=$KIC_CACHE/cross
CROSS_DIR=$CROSS_ROOT/$KARCH

# Debian ABI of the test kernel, e.g. "6.1.0-56". Taken from the package
# the linux-headers-amd64 meta-package depends on, so the module we build
# and the kernel we boot always agree; falls back to the newest headers
# directory when the meta-package is absent.
kic_abi() {
	local dep
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -n1) || true
	if [ -z "$dep" ]; then
		dep=$(cd /usr/src && ls -d linux-headers-*-amd64 2>/dev/null |
			sort -V | tail -n1)
	fi
	[ -n "$dep" ] || return 1
	dep=${dep#linux-headers-}
	echo "${dep%-amd64}"
}

# Kernel headers directory matching the test kernel: the host's for
# x86_64, the extracted ones (fetch-kernel.sh) for a cross lane.
kic_kdir() {
	local abi
	abi=$(kic_abi) || return 1
	if [ "$KIC_ARCH" = x86_64 ]; then
		echo "/usr/src/linux-headers-$abi-amd64"
	else
		echo "$CROSS_DIR/usr/src/linux-headers-$abi-$FLAVOUR"
	fi
}

# Directory with the kernel image ($IMAGE) and modules.tar the VM boots.
kic_kernel() {
	if [ -n "${KIC_KERNEL:-}" ]; then
		echo "$KIC_KERNEL"
	elif [ "$KIC_ARCH" = x86_64 ]; then
		echo "$KIC_CACHE/kernel/$(kic_abi)"
	else
		echo "$CROSS_DIR/kernel/$(kic_abi)"
	fi
}

# Features the tests of this lane must find (comma-separated), for the VM's
# kic.expect= (boot.sh) and summary.sh: a test that skips for lack of one
# of these fails the run (Documentation/virt/kvm-irqchip/testing.rst).
# Every test VM has the module (kic, module, debugfs) and KVM (kvm: nested
# SVM on x86_64, KVM at EL2 on arm64, nested HV on ppc64le); on x86_64 the
# bridge is expected when the module was built with it (its .modinfo says
# kvm_bridge=yes). KIC_EXPECT overrides ("none": none).
# $1: the kvm-irqchip.ko that goes into the VM.
kic_expect() {
	local ko=$1 bridge
	if [ -n "${KIC_EXPECT:-}" ]; then
		echo "$KIC_EXPECT"
		return
	fi
	# The bridge feeds KVM's x86 LAPICs: no other architecture has it.
	if [ "$KIC_ARCH" != x86_64 ]; then
		echo kic,module,debugfs,kvm
		return
	fi
	bridge=$(grep -a -o 'kvm_bridge=[a-z]*' "$ko" 2>/dev/null | head -n1) ||
		true
	case $bridge in
	kvm_bridge=yes) echo kic,module,debugfs,kvm,bridge ;;
	kvm_bridge=no) echo kic,module,debugfs,kvm ;;
	*) die "$ko: no kvm_bridge= in its .modinfo" ;;
	esac
}
