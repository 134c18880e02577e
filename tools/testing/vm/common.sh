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

# Kernel headers directory matching the test kernel.
kic_kdir() {
	local abi
	abi=$(kic_abi) || return 1
	echo "/usr/src/linux-headers-$abi-amd64"
}

# Features the tests of this lane must find (comma-separated), for the VM's
# kic.expect= (boot.sh) and summary.sh: a test that skips for lack of one
# of these fails the run (Documentation/virt/kvm-irqchip/testing.rst).
# The x86 test VM always has the module (kic, module, debugfs) and nested
# KVM (kvm); the bridge is expected when the module was built with it
# (its .modinfo says kvm_bridge=yes). KIC_EXPECT overrides ("none": none).
# $1: the kvm-irqchip.ko that goes into the VM.
kic_expect() {
	local ko=$1 bridge
	if [ -n "${KIC_EXPECT:-}" ]; then
		echo "$KIC_EXPECT"
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
