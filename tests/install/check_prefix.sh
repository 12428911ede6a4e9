#!/bin/sh
# Installs the build into a scratch prefix (DESTDIR staging of the configured
# prefix, as a packager does) and builds two consumers against it with no
# environment variable: a C program with `pkg-config --cflags --libs patron`
# (the prefix passed on pkg-config's command line, an rpath from its libdir)
# and a CMake project with find_package(patron) (CMAKE_PREFIX_PATH on cmake's
# command line). Both run without LD_LIBRARY_PATH: the README's "Installing".
set -eu
src=$1
build=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
prefix_cfg=$(meson introspect "$build" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
prefix="$dest$prefix_cfg"
pc=$(find "$prefix" -name patron.pc | head -n 1)
[ -n "$pc" ] || { echo "no patron.pc installed"; exit 1; }
pcdir=$(dirname "$pc")
pkgc() { pkg-config --with-path="$pcdir" --define-variable=prefix="$prefix" "$@" patron; }
libdir=$(pkgc --variable=libdir)
[ -f "$libdir/libpatron.so.1" ] || { echo "pkg-config libdir $libdir has no libpatron.so.1"; exit 1; }
cc -std=c11 -Wall -Werror -o "$dest/consumer" "$src/tests/install/consumer.c" $(pkgc --cflags --libs) \
    -Wl,-rpath,"$libdir"
env -u LD_LIBRARY_PATH "$dest/consumer" >/dev/null
echo "ok - pkg-config consumer built and run against $prefix"

command -v cmake >/dev/null || { echo "cmake missing (tools/bootstrap installs it)"; exit 1; }
cfg=$(find "$prefix" -name patronConfig.cmake | head -n 1)
[ -n "$cfg" ] || { echo "no patronConfig.cmake installed"; exit 1; }
mkdir -p "$dest/cmake-app"
cat >"$dest/cmake-app/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.13)
project(consumer C)
find_package(patron 0.1 REQUIRED)
add_executable(consumer "$src/tests/install/consumer.c")
target_link_libraries(consumer PRIVATE patron::patron)
CMAKE
cmake -S "$dest/cmake-app" -B "$dest/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >"$dest/cmake.log" 2>&1 ||
    { cat "$dest/cmake.log"; exit 1; }
cmake --build "$dest/cmake-build" >"$dest/cmake-build.log" 2>&1 || { cat "$dest/cmake-build.log"; exit 1; }
env -u LD_LIBRARY_PATH "$dest/cmake-build/consumer" >/dev/null
echo "ok - CMake find_package(patron) consumer built and run"
