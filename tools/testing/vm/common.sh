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
