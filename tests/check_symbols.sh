#!/bin/sh
# The Debian symbols file (debian/libedgeml0.symbols) must list exactly the functions
# libedgeml.so exports: a new public call missing from it, a removed one still in it, or
# stray lines (a pasted dpkg-gensymbols diff) fail here, before `make test-deb` (root only).
set -eu
lib=$1
symbols=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort >"$tmp/exported"
sed -n 's/^ \(edgeml_[a-z0-9_]*\)@Base .*/\1/p' "$symbols" | sort >"$tmp/listed"
bad=$(grep -Ev '^(libedgeml\.so\.0 libedgeml0 #MINVER#|\* Build-Depends-Package: libedgeml-dev| edgeml_[a-z0-9_]+@Base [0-9.]+)$' "$symbols" || true)
if [ -n "$bad" ]; then
	echo "check_symbols: $symbols has lines that are not symbols:" >&2
	echo "$bad" | head -5 >&2
	exit 1
fi
if ! diff -u "$tmp/listed" "$tmp/exported" >"$tmp/diff"; then
	echo "check_symbols: $symbols differs from what $lib exports (+ exported, not listed):" >&2
	grep '^[+-]edgeml' "$tmp/diff" >&2
	exit 1
fi
echo "check_symbols: $(wc -l <"$tmp/exported") exported functions, all listed"
