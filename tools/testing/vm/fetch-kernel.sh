#!/bin/bash
# Fetch the Debian kernel the test VM boots: the linux-image package of the
# same ABI as the headers we build against. It is unpacked into the cache,
# never installed, so the host's /boot and /lib/modules stay untouched.
# Only the modules the VM loads (and what they depend on) are kept, as a
# tar: kbuild's "make clean" deletes every *.ko below the repo, cache too.
# Result: $KIC_CACHE/kernel/<ABI>/{vmlinuz,modules.tar (lib/modules/...)}
#
# A cross lane (KIC_ARCH=arm64|ppc64le, common.sh) fetches that
# architecture's packages of the same ABI through apt with its own lists
# and cache, never adding an architecture to the host's dpkg, and unpacks
# them with dpkg-deb -x into $KIC_CACHE/cross/<KARCH>/:
#   usr/src/linux-headers-<ABI>-{<FLAVOUR>,common}  the KDIR of the build
#   bin/busybox                                     the VM's busybox
#   kernel/<ABI>/{<IMAGE>,modules.tar}              the kernel it boots
# The .deb files stay in $KIC_CACHE/cross/debs: a second run downloads
# nothing.
set -eu
. "$(dirname "$0")/common.sh"

# Modules the VM loads, with what they depend on; those the kernel has
# built in (modules.builtin) are left out. x86: kvm-amd needs ccp, kvm
# needs irqbypass. ppc64le: kvm-hv (nested HV; Debian has no kvm-pr).
case $KIC_ARCH in
x86_64) WANT=${KIC_VM_MODULES:-"ccp irqbypass kvm kvm-amd kvm-intel"} ;;
arm64) WANT=${KIC_VM_MODULES:-kvm} ;;
ppc64le) WANT=${KIC_VM_MODULES:-"kvm kvm-hv"} ;;
esac

set_abi() {
	ABI=$(kic_abi) || die "cannot tell the kernel ABI: no linux-headers-amd64?"
	REL=$ABI-$FLAVOUR
	DEST=$(KIC_KERNEL='' kic_kernel)
	STAMP=$CROSS_DIR/.fetched-$ABI
}
cached() {
	[ -s "$DEST/$IMAGE" ] && [ -s "$DEST/modules.tar" ] &&
		{ [ "$KIC_ARCH" = x86_64 ] || [ -f "$STAMP" ]; }
}

set_abi
cached && exit 0

mkdir -p "$KIC_CACHE"
tmp=$(mktemp -d "$KIC_CACHE/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# x86_64: the host's own apt lists serve.
download_host() {
	local pkg
	for pkg in "linux-image-$REL" "linux-image-$REL-unsigned"; do
		(cd "$tmp" && apt-get download -qq \
			-o APT::Sandbox::User=root "$pkg" 2>/dev/null) && return 0
	done
	return 1
}

# Cross lanes: apt with lists and cache of our own that know all three
# architectures, shared by both lanes; the host's dpkg is left alone.
XAPT=(apt-get -qq -o APT::Sandbox::User=root
	-o APT::Architectures::=amd64 -o APT::Architectures::=arm64
	-o APT::Architectures::=ppc64el
	-o "Dir::State::Lists=$CROSS_ROOT/apt/lists"
	-o "Dir::Cache=$CROSS_ROOT/apt/cache")
DEBS=$CROSS_ROOT/debs
UPDATED=

# The cached .deb of package $1 (pkg:arch), if any.
deb_of() {
	local name=${1%:*} arch=${1#*:}
	find "$DEBS" -maxdepth 1 -name "${name}_*_$arch.deb" 2>/dev/null |
		sort -V | tail -n1
}

# Download package $1 (pkg:arch) into $DEBS unless it is there; the lists
# are refreshed once per run, when a package is not found.
cross_get() {
	local pkg=$1 err
	[ -n "$(deb_of "$pkg")" ] && return 0
	mkdir -p "$DEBS" "$CROSS_ROOT/apt/lists/partial" \
		"$CROSS_ROOT/apt/cache/archives/partial"
	say "downloading $pkg"
	(cd "$DEBS" && "${XAPT[@]}" download "$pkg" 2>/dev/null) && return 0
	if [ -z "$UPDATED" ]; then
		cross_update
		(cd "$DEBS" && "${XAPT[@]}" download "$pkg" 2>/dev/null) &&
			return 0
	fi
	err=$(cd "$DEBS" && "${XAPT[@]}" download "$pkg" 2>&1) || true
	rm -f "$DEBS"/*.FAILED
	echo "$err" >&2
	return 1
}
cross_update() {
	say "apt-get update (lists in $CROSS_ROOT/apt)"
	"${XAPT[@]}" update ||
		die "fetching $KIC_ARCH packages: 'apt-get update' with the lists in $CROSS_ROOT/apt failed"
	UPDATED=1
}
cross_fail() {
	die "fetching the $KIC_ARCH lane: cannot download $1 (apt-get download, after apt-get update); the mirror keeps only the newest ABI: if it is past $ABI, upgrade linux-headers-amd64"
}
# Like cross_get, but a failure ends the run naming the package.
cross_need() { cross_get "$1" || cross_fail "$1"; }

if [ "$KIC_ARCH" = x86_64 ]; then
	say "downloading linux-image-$REL"
	if ! download_host; then
		# Stale package lists are the usual reason; refresh once and retry.
		apt-get update -qq
		if ! download_host; then
			# The mirror keeps only the current ABI: upgrade the
			# headers to it (the build then follows) and fetch that
			# kernel.
			say "linux-image-$REL is gone; upgrading linux-headers-amd64"
			apt-get install -y -qq linux-headers-amd64 >/dev/null
			set_abi
			cached && exit 0
			download_host ||
				die "cannot download linux-image-$REL(-unsigned)"
		fi
	fi
	image_deb=$(ls "$tmp"/linux-image-*.deb)
else
	# Debian signs the arm64 image; the -unsigned one is the same kernel.
	if ! cross_get "linux-image-$REL:$DEB_ARCH" &&
		! cross_get "linux-image-$REL-unsigned:$DEB_ARCH"; then
		cross_fail "linux-image-$REL:$DEB_ARCH (or -unsigned)"
	fi
	cross_need "linux-headers-$REL:$DEB_ARCH"
	cross_need "linux-headers-$ABI-common:all"
	cross_need "busybox-static:$DEB_ARCH"
	image_deb=$(deb_of "linux-image-$REL:$DEB_ARCH")
	[ -n "$image_deb" ] || image_deb=$(deb_of "linux-image-$REL-unsigned:$DEB_ARCH")

	say "unpacking the $KIC_ARCH headers and busybox into $CROSS_DIR"
	mkdir -p "$CROSS_DIR"
	for pkg in "linux-headers-$REL:$DEB_ARCH" "linux-headers-$ABI-common:all" \
		"busybox-static:$DEB_ARCH"; do
		dpkg-deb -x "$(deb_of "$pkg")" "$CROSS_DIR" ||
			die "unpacking $pkg (dpkg-deb -x) into $CROSS_DIR failed"
	done
	kdir=$CROSS_DIR/usr/src/linux-headers-$REL
	[ -f "$kdir/Makefile" ] || die "linux-headers-$REL:$DEB_ARCH has no Makefile"
	[ -x "$CROSS_DIR/bin/busybox" ] || die "busybox-static:$DEB_ARCH has no bin/busybox"
	# The headers' Makefile includes the common half by its installed
	# path: point it at ours. Their scripts/ and tools/ lead to
	# ../../lib/linux-kbuild-6.1, the host programs of the host's
	# linux-kbuild-6.1, which must be at least the headers' version.
	printf 'include %s/usr/src/linux-headers-%s-common/Makefile\n' \
		"$CROSS_DIR" "$ABI" >"$kdir/Makefile"
	hdr_ver=$(dpkg-deb -f "$(deb_of "linux-headers-$REL:$DEB_ARCH")" Version)
	kbuild_ver=$(dpkg-query -W -f='${Version}' linux-kbuild-6.1 2>/dev/null) ||
		die "building for $KIC_ARCH: linux-kbuild-6.1 (amd64) is not installed; run 'make setup'"
	dpkg --compare-versions "$kbuild_ver" ge "$hdr_ver" ||
		die "building for $KIC_ARCH: linux-kbuild-6.1 $kbuild_ver is older than linux-headers-$REL $hdr_ver; upgrade linux-headers-amd64"
	mkdir -p "$CROSS_DIR/usr/lib"
	ln -sfn /usr/lib/linux-kbuild-6.1 "$CROSS_DIR/usr/lib/linux-kbuild-6.1"
fi
dpkg-deb -x "$image_deb" "$tmp/root"

# Debian ships no modules.dep (postinst makes it); build one with busybox.
src=$tmp/root/lib/modules/$REL
[ -d "$src" ] || die "package has no lib/modules/$REL"
busybox depmod -b "$tmp/root" "$REL"
[ -f "$src/modules.builtin" ] || : >"$src/modules.builtin"

# Print the modules.dep paths of the wanted modules and their dependencies,
# and on stderr the wanted modules the kernel has built in.
closure() {
	awk -v want="$WANT" '
	function norm(s) { gsub("-", "_", s); return s }
	function base(p) { sub(".*/", "", p); sub("\\.ko(\\.[a-z]+)?$", "", p); return norm(p) }
	FILENAME ~ /builtin$/ { builtin[base($1)] = 1; next }
	{ sub(":", "", $1); deps[base($1)] = $0; path[base($1)] = $1 }
	function add(m,   n, i, f) {
		if (m in seen) return; seen[m] = 1
		if (m in builtin) { print "built in: " m > "/dev/stderr"; return }
		if (!(m in path)) { print "missing module " m > "/dev/stderr"; exit 1 }
		n = split(deps[m], f, " ")
		for (i = 2; i <= n; i++) add(base(f[i]))
		print path[m]
	}
	END { n = split(want, w, " "); for (i = 1; i <= n; i++) add(norm(w[i])) }
	' "$src/modules.builtin" "$src/modules.dep"
}

mods=$(closure)
sub=$tmp/sub/lib/modules/$REL
mkdir -p "$sub"
for m in $mods; do
	mkdir -p "$sub/$(dirname "$m")"
	case $m in
	*.ko) cp "$src/$m" "$sub/$m" ;;
	*.ko.xz) xz -dc "$src/$m" >"$sub/${m%.xz}" ;;
	*) die "unsupported module compression: $m" ;;
	esac
done
cp "$src/modules.builtin" "$sub/"
# A modules.dep for just this subset, used by modprobe inside the VM.
busybox depmod -b "$tmp/sub" "$REL"
rm -rf "$DEST" && mkdir -p "$DEST"
tar -cf "$DEST/modules.tar" -C "$tmp/sub" lib
cp "$tmp/root/boot/$IMAGE-$REL" "$DEST/$IMAGE" ||
	die "linux-image-$REL has no /boot/$IMAGE-$REL"
[ "$KIC_ARCH" = x86_64 ] || touch "$STAMP"
say "test kernel $REL ready in $DEST"
