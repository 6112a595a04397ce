#version 450
// image.comp — ImagePreprocess (docs/ops.md): per output element, the two-by-two frame pixels
// its taps read, converted to R'G'B' with BT.601's 20-bit fixed point, mixed horizontally and
// vertically with OpenCV's integer weights and rounding, then the channel's table of
// normalised (and quantized) values. Integer arithmetic only, so the reference's results.
// Parameters at OFF0 (vk_ops_image.c): format, width, height, out_w, out_h, nhwc, bgr,
// column taps, row taps, tables. Macros: Y_T, FLOAT_OUT.
#include "common.glsl"

EML_IN(1, uint8_t, x);
EML_OUT(2, Y_T, y);

// Channel s (0 R, 1 G, 2 B) of Y'CbCr bytes.
int yuv(int Y, int U, int V, int s)
{
	int yy = max(Y - 16, 0) * 1220542, u = U - 128, v = V - 128, rnd = 1 << 19;
	int r = s == 0 ? yy + rnd + 1673527 * v
		       : s == 1 ? yy + rnd - 852492 * v - 409993 * u : yy + rnd + 2116026 * u;
	return clamp(r >> 20, 0, 255);
}

// Channel s of frame pixel (px, py).
int pixel(int fmt, int w, int h, int px, int py, int s)
{
	if (fmt == 1) { // nv12
		int uv = OFF1 + w * h + (py / 2) * w + (px & ~1);
		return yuv(int(x[OFF1 + py * w + px]), int(x[uv]), int(x[uv + 1]), s);
	}
	if (fmt == 2) { // yuyv
		int b = OFF1 + py * w * 2 + (px & ~1) * 2;
		return yuv(int(x[b + (px & 1) * 2]), int(x[b + 1]), int(x[b + 3]), s);
	}
	return int(x[OFF1 + (py * w + px) * 3 + (fmt == 4 ? 2 - s : s)]);
}

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	int fmt = p_i[OFF0], w = p_i[OFF0 + 1], h = p_i[OFF0 + 2];
	int ow = p_i[OFF0 + 3], oh = p_i[OFF0 + 4];
	int i = int(idx), c, ox, oy;
	if (p_i[OFF0 + 5] != 0) {
		c = i % 3;
		i /= 3;
		ox = i % ow;
		oy = i / ow;
	} else {
		ox = i % ow;
		i /= ow;
		oy = i % oh;
		c = i / oh;
	}
	int s = p_i[OFF0 + 6] != 0 ? 2 - c : c;
	int cb = OFF0 + 7 + 4 * ox, rb = OFF0 + 7 + 4 * ow + 4 * oy;
	int x0 = p_i[cb], x1 = p_i[cb + 1], a0 = p_i[cb + 2], a1 = p_i[cb + 3];
	int y0 = p_i[rb], y1 = p_i[rb + 1], b0 = p_i[rb + 2], b1 = p_i[rb + 3];
	int s0 = pixel(fmt, w, h, x0, y0, s) * a0 + pixel(fmt, w, h, x1, y0, s) * a1;
	int s1 = pixel(fmt, w, h, x0, y1, s) * a0 + pixel(fmt, w, h, x1, y1, s) * a1;
	int v = (((s0 >> 4) * b0) >> 16) + (((s1 >> 4) * b1) >> 16);
	v = clamp((v + 2) >> 2, 0, 255);
	int t = OFF0 + 7 + 4 * ow + 4 * oh + 256 * c + v;
#if FLOAT_OUT
	y[OFF2 + idx] = p_f[t];
#else
	y[OFF2 + idx] = Y_T(p_i[t]);
#endif
}
