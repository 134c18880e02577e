#!/bin/bash
# Install the Debian packages the build and the test VM need, but only the
# missing ones, so a machine that already has them never touches apt.
set -eu
. "$(dirname "$0")/common.sh"

PACKAGES="make gcc libc6-dev perl xz-utils cpio gzip busybox-static sparse
	qemu-system-x86 linux-headers-amd64 linux-source-6.1"

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

[ -d "$(kic_kdir)" ] || die "no kernel headers found under /usr/src"
