#!/bin/bash
# Install the Debian packages the build and the test VM need, but only the
# missing ones, so a machine that already has them never touches apt.
# Env: KIC_ARCH (common.sh) adds a cross lane's packages.
set -eu
. "$(dirname "$0")/common.sh"

PACKAGES="make gcc libc6-dev perl xz-utils cpio gzip busybox-static sparse
	qemu-system-x86 linux-headers-amd64 linux-source-6.1"
# A cross lane (KIC_ARCH, common.sh) adds its compiler, libc and emulator;
# its kernel, headers and busybox are fetched by fetch-kernel.sh.
case $KIC_ARCH in
arm64) PACKAGES="$PACKAGES gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	qemu-system-arm" ;;
ppc64le) PACKAGES="$PACKAGES gcc-powerpc64le-linux-gnu
	libc6-dev-ppc64el-cross qemu-system-ppc" ;;
esac

missing=
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || true
	[ "$status" = installed ] || missing="$missing $p"
done

if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root)"
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The host's headers: x86_64 builds against them, and their ABI is the one
# every lane fetches.
[ -d "$(KIC_ARCH=x86_64 kic_kdir)" ] || die "no kernel headers found under /usr/src"
