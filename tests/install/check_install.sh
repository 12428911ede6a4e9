#!/bin/sh
# Installs the build into a scratch DESTDIR, then builds a tiny consumer with
# nothing but `pkg-config --cflags --libs patron` against the installed copy
# and runs it. Proves the headers, patron.pc and SONAME are usable.
set -eu
src=$1
build=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
pcdir=$(dirname "$(find "$dest" -name patron.pc | head -n 1)")
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$dest"
flags=$(pkg-config --cflags --libs patron)
echo "pkg-config: $flags"
cc -std=c11 -Wall -Werror -o "$dest/consumer" "$src/tests/install/consumer.c" $flags
libdir=$(dirname "$(find "$dest" -name 'libpatron.so.1' | head -n 1)")
soname=$(readelf -d "$libdir/libpatron.so.1" | sed -n 's/.*SONAME.*\[\(.*\)\].*/\1/p')
[ "$soname" = "libpatron.so.1" ] || { echo "SONAME is '$soname', expected libpatron.so.1"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$dest/consumer"
