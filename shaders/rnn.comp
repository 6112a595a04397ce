#version 450
// rnn.comp — LSTM (GATES 4, gates i, o, f, c) and GRU (GATES 3, gates z, r, h) of floats, as
// ref_rnn.c and rnn_cell.h: one workgroup per (batch item, direction) runs the whole
// sequence, each invocation owning hidden units j = lane, lane + workgroup size, ...; the
// state h is in shared memory (two buffers: a step reads one and writes the other), with a
// barrier after each step. A gate's pre-activation is dot(x, W row) + dot(h, R row) + (Wb +
// Rb), in fp32 where the reference sums in double (the float tolerance), then clipped and
// activated. W, R, B and P are parameters when constant (*_AT: offsets from the parameters'
// start) or bindings when given at run time; the sequence lengths are parameters. Macros:
// GATES, HMAX (shared arrays: H rounded up), HAS_B, HAS_P, and B_X, B_W, B_R, B_B, B_P,
// B_H0, B_C0, B_Y, B_YH, B_YC: the binding of each tensor bound (W, R, B, P only when given
// at run time), undefined for the others.
#include "common.glsl"
#include "fma.glsl"

layout(std430, binding = B_X) readonly buffer BufX { float x[]; };
#ifdef B_W
layout(std430, binding = B_W) readonly buffer BufW { float wt[]; };
#define WV(i) wt[p_i[B_W] + (i)]
#else
#define WV(i) p_f[OFF0 + EML_I(RNN_W_AT) + (i)]
#endif
#ifdef B_R
layout(std430, binding = B_R) readonly buffer BufR { float rt[]; };
#define RV(i) rt[p_i[B_R] + (i)]
#else
#define RV(i) p_f[OFF0 + EML_I(RNN_R_AT) + (i)]
#endif
#ifdef B_B
layout(std430, binding = B_B) readonly buffer BufB { float bt[]; };
#define BV(i) bt[p_i[B_B] + (i)]
#else
#define BV(i) p_f[OFF0 + EML_I(RNN_B_AT) + (i)]
#endif
#ifdef B_P
layout(std430, binding = B_P) readonly buffer BufP { float pt[]; };
#define PV(i) pt[p_i[B_P] + (i)]
#else
#define PV(i) p_f[OFF0 + EML_I(RNN_P_AT) + (i)]
#endif
#ifdef B_H0
layout(std430, binding = B_H0) readonly buffer BufH0 { float h0[]; };
#endif
#ifdef B_C0
layout(std430, binding = B_C0) readonly buffer BufC0 { float c0[]; };
#endif
#ifdef B_Y
layout(std430, binding = B_Y) writeonly buffer BufY { float y[]; };
#endif
#ifdef B_YH
layout(std430, binding = B_YH) writeonly buffer BufYH { float yh[]; };
#endif
#ifdef B_YC
layout(std430, binding = B_YC) writeonly buffer BufYC { float yc[]; };
#endif

shared float hs[2 * HMAX]; // h: the step reads hs[cur * HMAX ..], writes the other half
#if GATES == 4
shared float cs[HMAX];     // LSTM's cell state
#else
shared float zs[HMAX];     // GRU's update gate
shared float rs[HMAX];     // GRU's reset gate
#endif

float sigm(float v)
{
	return 1.0 / (1.0 + exp(-v));
}

// tanh that stays finite for large |v| ((e^2v - 1) / (e^2v + 1) would be inf / inf).
float tanh_(float v)
{
	float e = exp(-2.0 * abs(v));
	float t = (1.0 - e) / (1.0 + e);
	return v < 0.0 ? -t : t;
}

float clip_(float v)
{
	float c = EML_F(RNN_CLIP);
	return min(max(v, -c), c);
}

// The sums are compensated (Ogita, Rump and Oishi's Dot2: Dekker's exact products and
// Knuth's exact sums, fma.glsl), about as exact as the reference's double sums, which fp32
// sums of large terms that cancel would miss by more than the float tolerance: a sum is a
// vec2, its value rounded (x) and the rounding errors gathered (y).
vec2 add_prod(vec2 acc, float a, float b)
{
	float p, ep, s, es;
	eml_two_prod(a, b, p, ep);
	eml_two_sum(acc.x, p, s, es);
	precise float l = acc.y + (ep + es);
	return vec2(s, l);
}

vec2 add1(vec2 acc, float v)
{
	float s, e;
	eml_two_sum(acc.x, v, s, e);
	precise float l = acc.y + e;
	return vec2(s, l);
}

vec2 add2(vec2 a, vec2 b)
{
	float s, e;
	eml_two_sum(a.x, b.x, s, e);
	precise float l = e + (a.y + b.y);
	return vec2(s, l);
}

float value(vec2 a)
{
	precise float v = a.x + a.y;
	return v;
}

// dot of n elements of W from at with x from xa
vec2 dot_x(uint xa, int at, int n)
{
	vec2 acc = vec2(0.0);
	for (int k = 0; k < n; k++)
		acc = add_prod(acc, x[xa + uint(k)], WV(at + k));
	return acc;
}

// dot of the state h (half cur) with n elements of R from at
vec2 dot_h(uint cur, int at, int n)
{
	vec2 acc = vec2(0.0);
	for (int k = 0; k < n; k++)
		acc = add_prod(acc, hs[cur * uint(HMAX) + uint(k)], RV(at + k));
	return acc;
}

void main()
{
	uint lane = gl_LocalInvocationID.x, wgs = gl_WorkGroupSize.x;
	uint wg = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
	int seq = EML_I(RNN_SEQ), batch = EML_I(RNN_BATCH), I = EML_I(RNN_INPUT);
	int H = EML_I(RNN_HIDDEN), dirs = EML_I(RNN_DIRS), layout_ = EML_I(RNN_LAYOUT);
	if (wg >= uint(dirs * batch))
		return; // the whole workgroup: no barrier is left waiting
	int d = int(wg) % dirs, b = int(wg) / dirs;
	bool rev = EML_I(RNN_REVERSE) != 0 || d == 1;
	int len = p_i[OFF0 + EML_I(RNN_LENS_AT) + b];
	// the state's [dirs, batch, H] (layout 1: [batch, dirs, H]) offset
	int so = (layout_ != 0 ? b * dirs + d : d * batch + b) * H;
	int w_at = d * GATES * H * I, r_at = d * GATES * H * H;
#if HAS_B
	int b_at = d * 2 * GATES * H; // Wb, then Rb (GATES * H each)
#endif
#if HAS_P
	int p_at = d * 3 * H;
#endif
	for (uint j = lane; j < uint(H); j += wgs) {
#ifdef B_H0
		hs[j] = h0[p_i[B_H0] + so + int(j)];
#else
		hs[j] = 0.0;
#endif
#if GATES == 4
#ifdef B_C0
		cs[j] = c0[p_i[B_C0] + so + int(j)];
#else
		cs[j] = 0.0;
#endif
#endif
	}
	barrier();
	uint cur = 0u;
	for (int s = 0; s < len; s++) {
		int t = rev ? len - 1 - s : s;
		uint xa = uint(p_i[B_X] + (layout_ != 0 ? b * seq + t : t * batch + b) * I);
		uint nxt = (1u - cur) * uint(HMAX);
#ifdef B_Y
		int ya = p_i[B_Y] +
			 (layout_ != 0 ? (b * seq + t) * dirs + d : (t * dirs + d) * batch + b) * H;
#endif
#if GATES == 4
		for (uint j = lane; j < uint(H); j += wgs) {
			vec2 pre[4];
			for (int g = 0; g < 4; g++) {
				int row = g * H + int(j);
				vec2 v = add2(dot_x(xa, w_at + row * I, I),
					      dot_h(cur, r_at + row * H, H));
#if HAS_B
				v = add1(add1(v, BV(b_at + row)), BV(b_at + 4 * H + row));
#endif
				pre[g] = v;
			}
			float c = cs[j];
#if HAS_P
			pre[0] = add_prod(pre[0], PV(p_at + int(j)), c);
			pre[2] = add_prod(pre[2], PV(p_at + 2 * H + int(j)), c);
#endif
			float ig = sigm(clip_(value(pre[0])));
			float fg = EML_I(RNN_INPUT_FORGET) != 0 ? 1.0 - ig
								: sigm(clip_(value(pre[2])));
			float cg = tanh_(clip_(value(pre[3])));
			precise float fc = fg * c, ic = ig * cg;
			c = fc + ic;
#if HAS_P
			pre[1] = add_prod(pre[1], PV(p_at + H + int(j)), c);
#endif
			float h = sigm(clip_(value(pre[1]))) * tanh_(c);
			cs[j] = c;
			hs[nxt + j] = h;
#ifdef B_Y
			y[ya + int(j)] = h;
#endif
		}
#else
		// z and r first: without linear_before_reset the candidate reads r (.) h whole
		for (uint j = lane; j < uint(H); j += wgs) {
			int rz = int(j), rr = H + int(j);
			vec2 pz = add2(dot_x(xa, w_at + rz * I, I), dot_h(cur, r_at + rz * H, H));
			vec2 pr = add2(dot_x(xa, w_at + rr * I, I), dot_h(cur, r_at + rr * H, H));
#if HAS_B
			pz = add1(add1(pz, BV(b_at + rz)), BV(b_at + 3 * H + rz));
			pr = add1(add1(pr, BV(b_at + rr)), BV(b_at + 3 * H + rr));
#endif
			zs[j] = sigm(clip_(value(pz)));
			rs[j] = sigm(clip_(value(pr)));
		}
		barrier();
		for (uint j = lane; j < uint(H); j += wgs) {
			int row = 2 * H + int(j);
			vec2 wx = dot_x(xa, w_at + row * I, I), rec;
			float rbh = 0.0;
#if HAS_B
			wx = add1(wx, BV(b_at + row));
			rbh = BV(b_at + 3 * H + row);
#endif
			float ph;
			if (EML_I(RNN_LBR) != 0) {
				rec = add1(dot_h(cur, r_at + row * H, H), rbh);
				ph = value(add_prod(wx, rs[j], value(rec)));
			} else {
				rec = vec2(0.0);
				for (int k = 0; k < H; k++) {
					precise float q = rs[k] * hs[cur * uint(HMAX) + uint(k)];
					rec = add_prod(rec, q, RV(r_at + row * H + k));
				}
				ph = value(add1(add2(wx, rec), rbh));
			}
			float hh = tanh_(clip_(ph)), z = zs[j];
			precise float h = (1.0 - z) * hh + z * hs[cur * uint(HMAX) + j];
			hs[nxt + j] = h;
#ifdef B_Y
			y[ya + int(j)] = h;
#endif
		}
#endif
		barrier();
		cur = 1u - cur;
	}
#ifdef B_Y
	// zeros past the item's length
	for (int t = len; t < seq; t++) {
		int ya = p_i[B_Y] +
			 (layout_ != 0 ? (b * seq + t) * dirs + d : (t * dirs + d) * batch + b) * H;
		for (uint j = lane; j < uint(H); j += wgs)
			y[ya + int(j)] = 0.0;
	}
#endif
	for (uint j = lane; j < uint(H); j += wgs) {
#ifdef B_YH
		yh[p_i[B_YH] + so + int(j)] = hs[cur * uint(HMAX) + j];
#endif
#if defined(B_YC) && GATES == 4
		yc[p_i[B_YC] + so + int(j)] = cs[j];
#endif
	}
}
