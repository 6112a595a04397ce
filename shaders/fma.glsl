// fma.glsl — a*b + c rounded once, from correctly rounded multiplies and adds only: Vulkan
// lets fma() be a multiply and an add, but the CPU reference (fmaf, as ONNX Runtime's MLAS)
// rounds once. Error-free transformations give a*b and the sums exactly; the last addition
// is rounded to odd first, which makes the final rounding correct (Boldo and Melquiond,
// "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to odd",
// IEEE Trans. Computers 2008). Assumes no overflow or underflow, true for quantized values.

// Veltkamp's split: a = hi + lo, each with at most 12 significant bits.
void eml_split(float a, out float hi, out float lo)
{
	precise float c = 4097.0 * a;
	precise float h = c - (c - a);
	hi = h;
	lo = a - h;
}

// Dekker's product: p + e == a * b exactly.
void eml_two_prod(float a, float b, out float p, out float e)
{
	float ah, al, bh, bl;
	eml_split(a, ah, al);
	eml_split(b, bh, bl);
	precise float pp = a * b;
	precise float ee = ((ah * bh - pp) + ah * bl + al * bh) + al * bl;
	p = pp;
	e = ee;
}

// Knuth's sum: s + e == a + b exactly.
void eml_two_sum(float a, float b, out float s, out float e)
{
	precise float ss = a + b;
	precise float bb = ss - a;
	precise float ee = (a - (ss - bb)) + (b - bb);
	s = ss;
	e = ee;
}

// a + b rounded to odd: the nearest result, moved to the neighbour with an odd last bit when
// it is inexact and even.
float eml_add_odd(float a, float b)
{
	float s, e;
	eml_two_sum(a, b, s, e);
	uint bits = floatBitsToUint(s);
	if (e != 0.0 && (bits & 1u) == 0u)
		bits = (e > 0.0) == (s > 0.0) ? bits + 1u : bits - 1u;
	return uintBitsToFloat(bits);
}

float eml_fma(float a, float b, float c)
{
	float uh, ul, th, tl;
	eml_two_prod(a, b, uh, ul);
	eml_two_sum(c, uh, th, tl);
	precise float r = th + eml_add_odd(tl, ul);
	return r;
}
