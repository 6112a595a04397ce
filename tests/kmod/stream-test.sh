#!/bin/busybox sh
# Runs inside the kmod test VM after the module tests: 1,000 vibration frames through the
# runtime (static /edgeml, CPU backend), each frame's dma-buf imported into the autoencoder's
# input. Passes when every frame matched the source's formula and gave the same result as a
# run on a copy (--verify), no byte was copied, the injected anomalies were all found with no
# false alarm, and the kernel log stayed clean. Prints "STREAM PASS ..." or "STREAM FAIL ...".
. /stream.env
kernels=$(/edgeml info | sed -n 's/^cpu kernels: *//p')
echo "STREAM cpu kernels: $kernels"
insmod /edgeml.ko 2>/dev/null
out=/tmp/stream.json
/edgeml stream --device /dev/edgeml --model /stream_model.eml --source vibration --frames 1000 \
	--rate 100 --buffers 4 --anomaly-every 25 --anomaly-gain 4 --threshold "$STREAM_THRESHOLD" \
	--verify --quiet --json >"$out"
rc=$?
summary=$(grep '"summary":true' "$out")
echo "STREAM summary $summary"
# The value of a numeric field of the summary line.
field() {
	echo "$summary" | sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p"
}
fail=
[ "$rc" -eq 0 ] || fail="$fail exit=$rc"
[ -z "${STREAM_CPU_KERNELS:-}" ] || [ "$kernels" = "$STREAM_CPU_KERNELS" ] ||
	fail="$fail cpu-kernels=$kernels(expected $STREAM_CPU_KERNELS)"
[ "$(field frames)" = 1000 ] || fail="$fail frames=$(field frames)"
[ "$(field verify_failures)" = 0 ] || fail="$fail verify_failures=$(field verify_failures)"
[ "$(field bytes_copied_total)" = 0 ] || fail="$fail bytes_copied=$(field bytes_copied_total)"
injected=$(field anomalies_injected)
[ -n "$injected" ] && [ "$injected" -gt 0 ] || fail="$fail injected=$injected"
[ "$(field anomalies_found)" = "$injected" ] || fail="$fail found=$(field anomalies_found)"
[ "$(field true_positives)" = "$injected" ] || fail="$fail true_pos=$(field true_positives)"
# Shadow mode (docs/stream.md) on the live ring: the model as its own candidate agrees on
# every frame with no difference, each frame imported into both sessions.
shadow=$(/edgeml stream --device /dev/edgeml --model /stream_model.eml \
	--candidate /stream_model.eml --source vibration --frames 200 --rate 100 --buffers 4 \
	--quiet --json | grep '"shadow":true')
echo "STREAM shadow $shadow"
sfield() {
	echo "$shadow" | sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p"
}
[ "$(sfield frames)" = 200 ] || fail="$fail shadow-frames=$(sfield frames)"
[ "$(sfield argmax_agree_pct)" = 100.00 ] || fail="$fail shadow-agree=$(sfield argmax_agree_pct)"
[ "$(sfield max_diff_lsb)$(sfield max_abs_diff)" = 0 ] ||
	fail="$fail shadow-diff=$(sfield max_diff_lsb)$(sfield max_abs_diff)"
# The board bring-up's benchmark (docs/board.md): a short `edgeml bench --json` of the same
# model (or BENCH_MODEL) with /dev/edgeml present, printed between markers for the host to
# save as bench.json.
if /edgeml bench "${BENCH_MODEL:-/stream_model.eml}" --warmup 3 --iterations 20 --json /tmp/bench.json \
	--label "vm-$(uname -m)" >/tmp/bench.txt 2>&1; then
	echo "BENCH-JSON-BEGIN"
	cat /tmp/bench.json
	echo "BENCH-JSON-END"
else
	cat /tmp/bench.txt
	fail="$fail bench"
fi
rmmod edgeml 2>/dev/null
if dmesg | grep -E 'WARNING|BUG|refcount|KASAN|UBSAN|Oops'; then
	fail="$fail kernel-log"
fi
if [ -n "$fail" ]; then
	echo "STREAM FAIL$fail"
else
	echo "STREAM PASS 1000 frames verified ($kernels kernels), 0 bytes copied; anomalies $injected injected," \
		"$(field anomalies_found) found (precision $(field precision), recall" \
		"$(field recall)); latency median $(field latency_median_us) us, p99" \
		"$(field latency_p99_us) us; $(field dropped) dropped; upstream" \
		"$(field upstream_bytes) B vs $(field raw_bytes) B raw ($(field bandwidth_ratio)x)"
fi
