#!/bin/sh
# vk-warm.sh — median Vulkan session creation times of a model, cold and warm: each round
# empties the caches (EDGEML_CACHE_DIR and Mesa's MESA_SHADER_CACHE_DIR), then
#   cold:       the first session of a fresh process,
#   in-process: a second session in that same process and context (the first one destroyed;
#               the context keeps the device and its pipelines),
#   new proc:   the first session of another fresh process, with the caches now warm.
# Usage: tests/perf/vk-warm.sh [MODEL.eml] [ROUNDS]   (from the repository root, after make)
set -eu
MODEL=${1:-build/bench/mobilenetv2.int8.eml}
ROUNDS=${2:-7}
BUILD=${BUILD:-build}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The runtime's link line, as the Makefile has it.
cc -std=c11 -O2 -D_GNU_SOURCE -Iruntime/include -o "$TMP/vk_warm" tests/perf/vk_warm.c \
	"$BUILD/libedgeml.a" -Wl,--start-group -lglslang -lglslang-default-resource-limits \
	-lSPIRV -lSPIRV-Tools-opt -lSPIRV-Tools -lMachineIndependent -lGenericCodeGen \
	-lOSDependent -lOGLCompiler -Wl,--end-group -lstdc++ -ldrm -ldl -lz -lm -lpthread
export EDGEML_CACHE_DIR="$TMP/cache" MESA_SHADER_CACHE_DIR="$TMP/mesa"
for r in $(seq "$ROUNDS"); do
	rm -rf "$EDGEML_CACHE_DIR" "$MESA_SHADER_CACHE_DIR"
	"$TMP/vk_warm" "$MODEL" 2 > "$TMP/a"
	"$TMP/vk_warm" "$MODEL" 1 > "$TMP/b"
	awk '$2 == 0 { print $3 }' "$TMP/a" >> "$TMP/cold"
	awk '$2 == 1 { print $3 }' "$TMP/a" >> "$TMP/inproc"
	awk '$2 == 0 { print $3 }' "$TMP/b" >> "$TMP/newproc"
done
echo "$MODEL, $ROUNDS rounds; last round:"
sed 's/^/  /' "$TMP/a" "$TMP/b"
# Median of the numbers in a file, one a line.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
cold=$(median "$TMP/cold")
for k in cold inproc newproc; do
	m=$(median "$TMP/$k")
	printf '%-8s median %7.1f ms  (%s)  %.1fx faster than cold\n' "$k" "$m" \
		"$(sort -n "$TMP/$k" | tr '\n' ' ')" "$(echo "$cold $m" | awk '{ print $1 / $2 }')"
done
