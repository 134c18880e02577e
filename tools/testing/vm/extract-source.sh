#!/bin/bash
# Extract from Debian's linux-source tarball only the few files we use:
# checkpatch.pl with its data files, and the kselftest headers.
# Result: $KIC_CACHE/linux-source/{scripts,tools/testing/selftests}/...
set -eu
. "$(dirname "$0")/common.sh"

TARBALL=${KIC_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
DEST=$KIC_CACHE/linux-source
FILES="scripts/checkpatch.pl scripts/spelling.txt
	scripts/const_structs.checkpatch
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/kselftest.h"

[ -f "$TARBALL" ] || die "missing $TARBALL: run 'make setup' as root"
# The stamp records which tarball we extracted from, so a new one is noticed.
stamp="$(basename "$TARBALL") $(stat -c %s "$TARBALL")"
[ "$(cat "$DEST/.stamp" 2>/dev/null)" = "$stamp" ] && exit 0

say "extracting checkpatch and kselftest headers from $TARBALL"
top=$(basename "$TARBALL" .tar.xz)
rm -rf "$DEST" && mkdir -p "$DEST"
# shellcheck disable=SC2046
tar -xJf "$TARBALL" -C "$DEST" --strip-components=1 \
	$(for f in $FILES; do echo "$top/$f"; done)
echo "$stamp" >"$DEST/.stamp"
