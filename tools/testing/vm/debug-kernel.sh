#!/bin/bash
# Build the debug kernel of the test VM (KASAN, lockdep, kmemleak, debug
# objects...) from Debian's linux-source-6.1: tinyconfig plus the fragment
# debug-kernel.config. Cached by a hash of the fragment, this script and
# the tarball: a second run only prints where the kernel is.
#
# Result, under $KIC_CACHE/debug-kernel/<hash>/, laid out like the
# Debian kernel of fetch-kernel.sh, so boot.sh and mkinitramfs.sh take it
# through KIC_KERNEL:
#   vmlinuz       the kernel image (bzImage)
#   modules.tar   lib/modules/<release>/ (kvm, kvm-amd, irqbypass...),
#                 with a modules.dep for busybox modprobe
#   src/          the build tree, usable as KDIR for "make -C src M=..."
#   build-time    seconds the build took; build.log its output
#
# Usage: debug-kernel.sh [--env]
#   prints the build tree (KDIR) on stdout, or with --env the assignments
#   KIC_KERNEL=, KIC_KDIR=, KIC_DEBUG_RELEASE=, KIC_DEBUG_BUILD_TIME=.
#   Progress and the build time go to stderr.
# Env: KIC_CACHE, KIC_SOURCE_TARBALL, KIC_JOBS (default: nproc).
set -eu
. "$(dirname "$0")/common.sh"

TARBALL=${KIC_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
FRAGMENT=$VM_DIR/debug-kernel.config
JOBS=${KIC_JOBS:-$(nproc)}
PACKAGES="make gcc libc6-dev perl xz-utils flex bison bc libelf-dev
	busybox-static linux-source-6.1"

[ "${1:-}" = "" ] || [ "$1" = --env ] || die "usage: $0 [--env]"

# Install the missing build dependencies (only those, as setup.sh does).
deps() {
	local p status missing=
	for p in $PACKAGES; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || true
		[ "$status" = installed ] || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root)"
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Every "CONFIG_X=v" of the fragment must be in .config exactly, every
# "# CONFIG_X is not set" must not be =y/=m: merge_config.sh only warns
# when an option's dependencies are unmet, and olddefconfig drops it.
verify() {
	local line key bad=0
	while read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" .config || {
				key=${line%%=*}
				say "not in .config: $line (got:" \
					"$(grep -E "^(# )?${key}[= ]" .config || echo nothing))"
				bad=1
			} ;;
		"# CONFIG_"*" is not set")
			key=${line#\# }; key=${key%% *}
			! grep -qE "^$key=[ym]" .config || { say "should be off: $key"; bad=1; } ;;
		esac
	done <"$FRAGMENT"
	[ "$bad" = 0 ] || die "debug kernel config is missing options (see above)"
}

# Run a build step with its output in the log; show the tail on failure.
logged() {
	"$@" >>"$LOG" 2>&1 || { tail -n 40 "$LOG" >&2; die "failed: $* (log: $LOG)"; }
}

build() {
	local start=$SECONDS
	LOG=$DIR/build.log
	mkdir -p "$DIR"
	: >"$LOG"
	if [ ! -f "$DIR/.extracted" ]; then
		say "extracting $TARBALL into $DIR/src"
		rm -rf "$DIR/src" && mkdir -p "$DIR/src"
		tar -xJf "$TARBALL" -C "$DIR/src" --strip-components=1
		touch "$DIR/.extracted"
	fi
	cd "$DIR/src"
	say "configuring: tinyconfig + $(basename "$FRAGMENT")"
	logged make tinyconfig
	logged scripts/kconfig/merge_config.sh -m .config "$FRAGMENT"
	logged make olddefconfig
	verify
	say "building with -j$JOBS, 4-10 minutes on 2 cores (log: $LOG)"
	logged make -j"$JOBS" bzImage modules
	REL=$(make -s kernelrelease)
	# No kmod on the host (and the VM uses busybox): busybox makes modules.dep.
	rm -rf "$DIR/root"
	logged make modules_install INSTALL_MOD_PATH="$DIR/root" DEPMOD=true
	busybox depmod -b "$DIR/root" "$REL"
	tar -cf "$DIR/modules.tar" -C "$DIR/root" lib
	rm -rf "$DIR/root"
	cp arch/x86/boot/bzImage "$DIR/vmlinuz"
	echo $((SECONDS - start)) >"$DIR/build-time"
	touch "$DIR/.done"
}

deps
[ -r "$TARBALL" ] || die "no $TARBALL (apt-get install linux-source-6.1)"
HASH=$(cat "$FRAGMENT" "$0" <(basename "$TARBALL"; stat -c %s "$TARBALL") |
	sha256sum | cut -c1-12)
TOP=$KIC_CACHE/debug-kernel
DIR=$TOP/$HASH
mkdir -p "$TOP"

# One build at a time; a second caller waits, then finds it cached.
exec 9>"$TOP/.lock"
flock 9
if [ ! -f "$DIR/.done" ]; then
	# Older configurations are of no use any more, and big.
	for old in "$TOP"/*/; do
		[ "$old" = "$DIR/" ] || [ ! -d "$old" ] || rm -rf "$old"
	done
	build
fi

KDIR=$DIR/src
REL=$(cat "$KDIR/include/config/kernel.release")
BUILD_TIME=$(cat "$DIR/build-time")
say "debug kernel $REL in $KDIR" \
	"(built in $((BUILD_TIME / 60))m$((BUILD_TIME % 60))s)"
if [ "${1:-}" = --env ]; then
	echo "KIC_KERNEL=$DIR"
	echo "KIC_KDIR=$KDIR"
	echo "KIC_DEBUG_RELEASE=$REL"
	echo "KIC_DEBUG_BUILD_TIME=$BUILD_TIME"
else
	echo "$KDIR"
fi
