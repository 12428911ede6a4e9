#!/bin/sh
# libpatron as a meson subproject of a consumer project:
# `dependency('patron', fallback : 'libpatron')` resolves through
# meson.override_dependency, and only the library is built (no CLI, tests,
# benchmarks, docs or bindings). The consumer runs from its build directory.
set -eu
src=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/app/subprojects"
ln -s "$src" "$dir/app/subprojects/libpatron"
cp "$src/tests/install/consumer.c" "$dir/app/"
cat >"$dir/app/meson.build" <<MESON
project('app', 'c', default_options : ['c_std=c11'])
patron = dependency('patron', fallback : 'libpatron')
executable('app', 'consumer.c', dependencies : patron)
MESON
# forcefallback: use the subproject even if a libpatron is installed system-wide
meson setup --wrap-mode=forcefallback "$dir/build" "$dir/app" >"$dir/setup.log" 2>&1 || { cat "$dir/setup.log"; exit 1; }
targets=$(ninja -C "$dir/build" -t targets all)
extra=$(echo "$targets" | grep -v ': phony$' | grep -E 'subprojects/libpatron/(tests|bench|docs|tools|bindings)/' || true)
[ -z "$extra" ] || { echo "the subproject builds more than the library:"; echo "$extra" | head; exit 1; }
sources=$(cat "$src"/lib/*/meson.build | grep -o "'[^']*\.c'" | wc -l)
steps=$(ninja -C "$dir/build" -n | grep -c '^\[' || true)
echo "subproject build: $steps steps for $sources library sources"
[ "$steps" -le $((sources + 12)) ] || { echo "too many build steps ($steps)"; exit 1; }
ninja -C "$dir/build" >"$dir/build.log" 2>&1 || { cat "$dir/build.log"; exit 1; }
"$dir/build/app" >/dev/null
echo "ok - dependency('patron', fallback : 'libpatron') builds only the library; the consumer runs"
