#!/bin/bash
# Fetch the Debian kernel the test VM boots: the linux-image package of the
# same ABI as the headers we build against. It is unpacked into the cache,
# never installed, so the host's /boot and /lib/modules stay untouched.
# Only the modules the VM loads (and what they depend on) are kept, as a
# tar: kbuild's "make clean" deletes every *.ko below the repo, cache too.
# Result: $KIC_CACHE/kernel/<ABI>/{vmlinuz,modules.tar (lib/modules/...)}
set -eu
. "$(dirname "$0")/common.sh"

# Modules the VM loads; kvm-amd needs ccp, kvm needs irqbypass.
WANT=${KIC_VM_MODULES:-"ccp irqbypass kvm kvm-amd kvm-intel"}

set_abi() {
	ABI=$(kic_abi) || die "cannot tell the kernel ABI: no linux-headers-amd64?"
	REL=$ABI-amd64
	DEST=$KIC_CACHE/kernel/$ABI
}
cached() { [ -s "$DEST/vmlinuz" ] && [ -s "$DEST/modules.tar" ]; }

set_abi
cached && exit 0

mkdir -p "$KIC_CACHE"
tmp=$(mktemp -d "$KIC_CACHE/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

download() {
	local pkg
	for pkg in "linux-image-$REL" "linux-image-$REL-unsigned"; do
		(cd "$tmp" && apt-get download -qq \
			-o APT::Sandbox::User=root "$pkg" 2>/dev/null) && return 0
	done
	return 1
}
say "downloading linux-image-$REL"
if ! download; then
	# Stale package lists are the usual reason; refresh once and retry.
	apt-get update -qq
	if ! download; then
		# The mirror keeps only the current ABI: upgrade the headers
		# to it (the build then follows) and fetch that kernel.
		say "linux-image-$REL is gone; upgrading linux-headers-amd64"
		apt-get install -y -qq linux-headers-amd64 >/dev/null
		set_abi
		cached && exit 0
		download || die "cannot download linux-image-$REL(-unsigned)"
	fi
fi
dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root"

# Debian ships no modules.dep (postinst makes it); build one with busybox.
src=$tmp/root/lib/modules/$REL
[ -d "$src" ] || die "package has no lib/modules/$REL"
busybox depmod -b "$tmp/root" "$REL"

# Print the modules.dep paths of the wanted modules and their dependencies.
closure() {
	awk -v want="$WANT" '
	function norm(s) { gsub("-", "_", s); return s }
	function base(p) { sub(".*/", "", p); sub("\\.ko(\\.[a-z]+)?$", "", p); return norm(p) }
	{ sub(":", "", $1); deps[base($1)] = $0; path[base($1)] = $1 }
	function add(m,   n, i, f) {
		if (m in seen) return; seen[m] = 1
		if (!(m in path)) { print "missing module " m > "/dev/stderr"; exit 1 }
		n = split(deps[m], f, " ")
		for (i = 2; i <= n; i++) add(base(f[i]))
		print path[m]
	}
	END { n = split(want, w, " "); for (i = 1; i <= n; i++) add(norm(w[i])) }
	' "$src/modules.dep"
}

mods=$(closure)
sub=$tmp/sub/lib/modules/$REL
for m in $mods; do
	mkdir -p "$sub/$(dirname "$m")"
	case $m in
	*.ko) cp "$src/$m" "$sub/$m" ;;
	*.ko.xz) xz -dc "$src/$m" >"$sub/${m%.xz}" ;;
	*) die "unsupported module compression: $m" ;;
	esac
done
# A modules.dep for just this subset, used by modprobe inside the VM.
busybox depmod -b "$tmp/sub" "$REL"
rm -rf "$DEST" && mkdir -p "$DEST"
tar -cf "$DEST/modules.tar" -C "$tmp/sub" lib
cp "$tmp/root/boot/vmlinuz-$REL" "$DEST/vmlinuz"
say "test kernel $REL ready in $DEST"
