// SPDX-License-Identifier: GPL-2.0
/*
 * Content of the built-in synthetic sources. Every frame is a pure function of its sequence
 * number and the ring's parameters (formulas in uapi/edgeml_uapi.h), so a test can recompute
 * it exactly; integer arithmetic only, since kernel code may not use the FPU.
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/overflow.h>
#include <asm/unaligned.h>

#include "edgeml_internal.h"

/* Per-channel phase offset of the vibration signal, in samples. */
#define EDGEML_VIB_CHANNEL_SHIFT	16

/**
 * edgeml_synth_payload - validate a synthetic source's geometry and size one frame
 * @cfg: the ring's start parameters (source is IMAGE or VIBRATION)
 * @bytes: out: payload bytes of one frame
 *
 * Return: 0, or -EINVAL for a geometry or anomaly field out of range.
 */
int edgeml_synth_payload(const struct edgeml_ring_start *cfg, u64 *bytes)
{
	u64 n;

	if (!cfg->width || !cfg->height || !cfg->channels)
		return -EINVAL;
	if (cfg->source == EDGEML_SOURCE_IMAGE) {
		if (cfg->channels > EDGEML_MAX_IMAGE_CHANNELS ||
		    cfg->anomaly_period || cfg->anomaly_offset || cfg->anomaly_gain)
			return -EINVAL;
		if (check_mul_overflow((u64)cfg->width, (u64)cfg->height, &n) ||
		    check_mul_overflow(n, (u64)cfg->channels, &n) || n < sizeof(u64))
			return -EINVAL;
		*bytes = n;
		return 0;
	}
	if (cfg->height != 1 || cfg->channels > EDGEML_MAX_VIBRATION_CHANNELS)
		return -EINVAL;
	if (cfg->anomaly_period) {
		if (cfg->anomaly_offset >= cfg->anomaly_period || cfg->anomaly_gain < 2 ||
		    cfg->anomaly_gain > EDGEML_MAX_ANOMALY_GAIN)
			return -EINVAL;
	} else if (cfg->anomaly_offset || cfg->anomaly_gain) {
		return -EINVAL;
	}
	*bytes = (u64)cfg->width * cfg->channels *
		 (cfg->flags & EDGEML_RING_VIB_F32 ? sizeof(u32) : sizeof(s16));
	return 0;
}

/* Writes the image pattern: a gradient moving by one level per frame, stamped with @seq. */
static u32 edgeml_synth_image(u8 *dst, u64 seq, const struct edgeml_ring_start *cfg)
{
	u32 x, y, c;
	u8 *p = dst;

	for (y = 0; y < cfg->height; y++)
		for (x = 0; x < cfg->width; x++)
			for (c = 0; c < cfg->channels; c++)
				*p++ = (u8)(x + 2 * y + 64 * c + seq);
	put_unaligned_le64(seq, dst);
	return p - dst;
}

/* Bhaskara's integer sine: amplitude @amp at phase @r of a period of 2 * @half samples. */
static s32 edgeml_synth_tone(u32 r, u32 half, u32 amp)
{
	u32 p = r < half ? r : r - half;
	u32 q = p * (half - p);
	s32 v = amp * 16 * q / (5 * half * half - 4 * q);

	return r < half ? v : -v;
}

/*
 * The float32 bit pattern of @v / 32768 for @v in [-32768, 32767], built from integers since
 * the kernel may not use the FPU: exact, as 16 significant bits fit the 24-bit significand.
 */
static u32 edgeml_synth_f32(s32 v)
{
	u32 a = v < 0 ? -v : v, msb;

	if (!a)
		return 0;
	msb = fls(a) - 1;
	return (v < 0 ? 0x80000000U : 0) | (127 - 15 + msb) << 23 | ((a << (23 - msb)) & 0x7fffff);
}

/* Writes the vibration signal: two tones per channel, scaled up on anomalous frames. */
static u32 edgeml_synth_vibration(void *dst, u64 seq, const struct edgeml_ring_start *cfg,
				  bool anomaly)
{
	bool f32 = cfg->flags & EDGEML_RING_VIB_F32;
	const u32 p1 = 2 * EDGEML_VIB_P1, p2 = 2 * EDGEML_VIB_P2;
	u32 n, c, r1, r2;
	u64 base;
	s32 v;

	for (c = 0; c < cfg->channels; c++) {
		base = seq * cfg->width + (u64)c * EDGEML_VIB_CHANNEL_SHIFT;
		div_u64_rem(base, p1, &r1);
		div_u64_rem(base, p2, &r2);
		for (n = 0; n < cfg->width; n++) {
			v = edgeml_synth_tone(r1, EDGEML_VIB_P1, EDGEML_VIB_A1) +
			    edgeml_synth_tone(r2, EDGEML_VIB_P2, EDGEML_VIB_A2);
			if (anomaly)
				v = clamp_t(s32, v * (s32)cfg->anomaly_gain, S16_MIN, S16_MAX);
			if (f32)
				((u32 *)dst)[n * cfg->channels + c] = edgeml_synth_f32(v);
			else
				((s16 *)dst)[n * cfg->channels + c] = v;
			r1 = r1 + 1 == p1 ? 0 : r1 + 1;
			r2 = r2 + 1 == p2 ? 0 : r2 + 1;
		}
	}
	return cfg->width * cfg->channels * (f32 ? sizeof(u32) : sizeof(s16));
}

/**
 * edgeml_synth_fill - write frame @seq of a synthetic source
 * @dst: the buffer, at least edgeml_synth_payload() bytes
 * @seq: sequence number of the frame
 * @cfg: the ring's start parameters, checked by edgeml_synth_payload()
 * @flags: out: EDGEML_FRAME_* bits of the frame
 *
 * Return: payload bytes written.
 */
u32 edgeml_synth_fill(void *dst, u64 seq, const struct edgeml_ring_start *cfg, u32 *flags)
{
	bool anomaly = false;
	u32 phase;

	if (cfg->source == EDGEML_SOURCE_IMAGE) {
		*flags = 0;
		return edgeml_synth_image(dst, seq, cfg);
	}
	if (cfg->anomaly_period) {
		div_u64_rem(seq, cfg->anomaly_period, &phase);
		anomaly = phase == cfg->anomaly_offset;
	}
	*flags = anomaly ? EDGEML_FRAME_ANOMALY : 0;
	return edgeml_synth_vibration(dst, seq, cfg, anomaly);
}
