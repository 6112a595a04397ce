#!/bin/busybox sh
# Runs inside the kmod test VM: the kernel's virtual camera (vivid) streams its 75% colour bars
# as YUYV 640x480 through `edgeml stream --v4l2` (each buffer exported as a dma-buf and
# imported into the model input). Passes when 60 frames ran with 0 bytes copied and the same
# result as a run on a copy (--verify), the last frame holds the colour bars (Y'CbCr BT.601
# limited range of the 75% bars, +-2, below the on-screen text), and the kernel log stayed
# clean. Prints "V4L2 PASS ..." or "V4L2 FAIL ...".
fail=
# vivid and what it needs, in dependency order (modules.dep of the packed kernel).
for m in mc videodev rc-core cec v4l2-dv-timings v4l2-tpg videobuf2-common videobuf2-memops \
	videobuf2-v4l2 videobuf2-vmalloc videobuf2-dma-contig vivid; do
	insmod "/$m.ko" || fail="$fail insmod-$m"
done
# vivid makes several nodes; the first video node is its webcam capture.
dev=$(for n in /sys/class/video4linux/video*; do
	[ "$(cut -c1-5 "$n/name" 2>/dev/null)" = vivid ] && echo "/dev/${n##*/}"
done | head -n 1)
echo "V4L2 camera ${dev:-none}: $(cat "/sys/class/video4linux/${dev##*/}/name" 2>/dev/null)"
out=/tmp/v4l2.json
frame=/tmp/v4l2.yuyv
/edgeml stream --v4l2 "${dev:-/dev/video0}" --model /v4l2_model.eml --frames 60 --buffers 4 \
	--verify --quiet --json --dump "$frame" >"$out"
rc=$?
summary=$(grep '"summary":true' "$out")
echo "V4L2 summary $summary"
field() {
	echo "$summary" | sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p"
}
[ "$rc" -eq 0 ] || fail="$fail exit=$rc"
[ "$(field frames)" = 60 ] || fail="$fail frames=$(field frames)"
[ "$(field verify_failures)" = 0 ] || fail="$fail verify_failures=$(field verify_failures)"
[ "$(field bytes_copied_total)" = 0 ] || fail="$fail bytes_copied=$(field bytes_copied_total)"
# Each buffer exported once and mapped once: the session's mapping cache hit on every frame.
[ "$(field buffers_mapped)" -le 4 ] || fail="$fail buffers_mapped=$(field buffers_mapped)"
[ "$(field raw_bytes)" = $((60 * 640 * 480 * 2)) ] || fail="$fail raw_bytes=$(field raw_bytes)"
# The 75% bars (R'G'B' 0 or 191/255): white, yellow, cyan, green, magenta, red, blue, black,
# each 80 pixels wide; Y', Cb, Cr by BT.601 in limited range.
expect="180 128 128  161 44 142  131 156 44  112 72 58  84 184 198  65 100 212  35 212 114  16 128 128"
# Byte at offset $1 of the dumped frame.
byte() {
	od -An -tu1 -j "$1" -N 1 "$frame" | tr -d ' '
}
near() {
	[ "$1" -ge $(($2 - 2)) ] && [ "$1" -le $(($2 + 2)) ]
}
checked=0
[ -s "$frame" ] || fail="$fail no-frame"
for row in 300 400 470; do
	# shellcheck disable=SC2086 # split into the bars' values on purpose
	set -- $expect
	bar=0
	while [ $bar -lt 8 ] && [ -s "$frame" ]; do
		x=$((bar * 80 + 40)) # even: Y0 U Y1 V
		o=$(((row * 640 + x) * 2))
		y=$(byte $o)
		cb=$(byte $((o + 1)))
		cr=$(byte $((o + 3)))
		if ! near "$y" "$1" || ! near "$cb" "$2" || ! near "$cr" "$3"; then
			fail="$fail bar$bar@row$row=($y,$cb,$cr)want($1,$2,$3)"
		fi
		checked=$((checked + 1))
		shift 3
		bar=$((bar + 1))
	done
done
echo "V4L2 bars at row 470: $(for b in 0 1 2 3 4 5 6 7; do
	o=$(((470 * 640 + b * 80 + 40) * 2))
	printf '(%s,%s,%s) ' "$(byte $o)" "$(byte $((o + 1)))" "$(byte $((o + 3)))"
done)"
# An image input (edgeml convert --image-input input=nv12,640x480): the camera is set to NV12
# from the model, and the model's ImagePreprocess converts, resizes to 32x32 and quantizes in
# one pass from the imported buffer, 0 bytes copied; the NV12 bytes hold the same bars.
image=
yuyv_summary=$summary
if [ -f /v4l2_image_model.eml ]; then
	nv12=/tmp/v4l2.nv12
	/edgeml stream --v4l2 "${dev:-/dev/video0}" --model /v4l2_image_model.eml --frames 30 \
		--buffers 4 --verify --quiet --json --dump "$nv12" >"$out"
	rc=$?
	summary=$(grep '"summary":true' "$out")
	echo "V4L2 image-input summary $summary"
	[ "$rc" -eq 0 ] || fail="$fail nv12-exit=$rc"
	[ "$(field frames)" = 30 ] || fail="$fail nv12-frames=$(field frames)"
	[ "$(field verify_failures)" = 0 ] || fail="$fail nv12-verify=$(field verify_failures)"
	[ "$(field bytes_copied_total)" = 0 ] || fail="$fail nv12-copied=$(field bytes_copied_total)"
	[ "$(field buffers_mapped)" -le 4 ] || fail="$fail nv12-mapped=$(field buffers_mapped)"
	[ "$(field raw_bytes)" = $((30 * 640 * 480 * 3 / 2)) ] ||
		fail="$fail nv12-raw_bytes=$(field raw_bytes)"
	set -- $expect
	bar=0
	while [ $bar -lt 8 ]; do
		x=$((bar * 80 + 40))
		y=$(od -An -tu1 -j $((400 * 640 + x)) -N 1 "$nv12" | tr -d ' ')
		cb=$(od -An -tu1 -j $((640 * 480 + 200 * 640 + x)) -N 1 "$nv12" | tr -d ' ')
		cr=$(od -An -tu1 -j $((640 * 480 + 200 * 640 + x + 1)) -N 1 "$nv12" | tr -d ' ')
		if ! near "${y:-999}" "$1" || ! near "${cb:-999}" "$2" || ! near "${cr:-999}" "$3"; then
			fail="$fail nv12-bar$bar=($y,$cb,$cr)want($1,$2,$3)"
		fi
		checked_nv12=$((${checked_nv12:-0} + 1))
		shift 3
		bar=$((bar + 1))
	done
	image="; NV12 image input: $(field frames) frames, $(field bytes_copied_total) bytes copied, $(field buffers_mapped) buffers mapped, run $(field run_mean_us) us mean, $checked_nv12 bar pixels match"
	summary=$yuyv_summary
fi
if dmesg | grep -E 'WARNING|BUG|refcount|KASAN|UBSAN|Oops'; then
	fail="$fail kernel-log"
fi
if [ -n "$fail" ]; then
	echo "V4L2 FAIL$fail"
else
	echo "V4L2 PASS 60 frames from $dev (YUYV 640x480) imported as dma-bufs, 0 bytes copied," \
		"verified against runs on copies; $(field buffers_mapped) buffers mapped; $checked colour-bar pixels match; latency median" \
		"$(field latency_median_us) us, model run $(field run_mean_us) us mean;" \
		"$(field dropped) dropped$image"
fi
