#!/bin/sh
# Fails when the freshly built library is ABI-incompatible with the committed
# baseline (removed/changed symbols, changed struct layouts). Additions pass.
# Refresh the baseline only for an intentional, versioned change:
#   tools/abi-baseline build
set -u
src=$1
lib=$2
baseline="$src/abi/libpatron.abi"
if [ ! -f "$baseline" ]; then
    echo "no ABI baseline at $baseline" >&2
    exit 1
fi
abidiff --no-added-syms --suppressions "$src/abi/libpatron.abignore" \
    --headers-dir2 "$src/include/patron" "$baseline" "$lib"
rc=$?
if [ $rc -ne 0 ]; then
    echo "abidiff exit status $rc: the ABI changed incompatibly against abi/libpatron.abi" >&2
    exit 1
fi
echo "ABI compatible with abi/libpatron.abi"
