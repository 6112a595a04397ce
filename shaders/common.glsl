// common.glsl — included by every edgeml compute shader.
//
// Conventions (runtime/src/vulkan/vk_ops.h): one invocation per output element, 64 per
// workgroup, the grid folded into two dimensions; binding 0 holds the node's parameters
// (ints and floats at element OFF0 of the weights buffer), bindings 1.. its tensors, each the
// whole buffer it lives in with the tensor starting at element OFF<binding>. The layer's
// shapes and constants are specialization constants from id 8 on; the element types and the
// device features are macros.
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require

layout(local_size_x = 64) in;

layout(constant_id = 0) const int OFF0 = 0;
layout(constant_id = 1) const int OFF1 = 0;
layout(constant_id = 2) const int OFF2 = 0;
layout(constant_id = 3) const int OFF3 = 0;
layout(constant_id = 4) const int OFF4 = 0;
layout(constant_id = 5) const int OFF5 = 0;
layout(constant_id = 6) const int OFF6 = 0;
layout(constant_id = 7) const int OFF7 = 0;
// Number of output elements: invocations past it do nothing.
layout(constant_id = 8) const uint TOTAL = 1;

layout(std430, binding = 0) readonly buffer ParamsI { int p_i[]; };
layout(std430, binding = 0) readonly buffer ParamsF { float p_f[]; };

#define EML_IN(b, T, name) layout(std430, binding = b) readonly buffer Buf##b { T name[]; }
#define EML_OUT(b, T, name) layout(std430, binding = b) writeonly buffer Buf##b { T name[]; }

// This invocation's output element.
uint eml_index()
{
	return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * 64u +
	       gl_LocalInvocationID.x;
}

// a / b correctly rounded, as the CPU divides: Vulkan lets a division be 2.5 ulp off, and a
// quotient one ulp off can round to the other integer when it is near x.5. Long division of
// the mantissas gives the exact result wherever it matters (|a / b| in [0.25, 2^30]); outside
// that range the quotient rounds to zero or saturates whatever its last bit, and operands
// that are zero, subnormal, infinite or NaN keep the hardware's quotient.
float eml_div(float a, float b)
{
	precise float q = a / b;
	float aq = abs(q);
	uint ua = floatBitsToUint(a), ub = floatBitsToUint(b);
	int ea = int((ua >> 23) & 0xffu), eb = int((ub >> 23) & 0xffu);
	if (!(aq >= 0.25 && aq <= 1073741824.0) || ea == 0 || eb == 0 || ea == 255 || eb == 255)
		return q;
	uint ma = (ua & 0x7fffffu) | 0x800000u, mb = (ub & 0x7fffffu) | 0x800000u;
	int e = ea - eb;
	if (ma < mb) {
		ma <<= 1;
		e -= 1;
	}
	uint quo = 0u, rem = ma;
	for (int i = 0; i < 25; i++) { // 24 mantissa bits and the rounding bit
		quo <<= 1;
		if (rem >= mb) {
			rem -= mb;
			quo |= 1u;
		}
		rem <<= 1;
	}
	uint mant = quo >> 1;
	if ((quo & 1u) != 0u && (rem != 0u || (mant & 1u) != 0u))
		mant += 1u;
	if (mant == 0x1000000u) {
		mant >>= 1;
		e += 1;
	}
	return uintBitsToFloat(((ua ^ ub) & 0x80000000u) | (uint(e + 127) << 23) |
			       (mant & 0x7fffffu));
}

// saturate(round_half_even(v) + zp) into [lo, hi], as quant.h does on the CPU.
int eml_saturate(float v, int zp, int lo, int hi)
{
	precise float q = roundEven(v) + float(zp);
	if (!(q >= float(lo)))
		return lo;
	if (q > float(hi))
		return hi;
	return int(q);
}

// Quantizes a real value: saturate(round(x / scale) + zp).
int eml_quantize(float x, float scale, int zp, int lo, int hi)
{
	return eml_saturate(eml_div(x, scale), zp, lo, hi);
}

// Requantizes an int32 accumulator by the fp32 multiplier in_scale * w_scale / out_scale.
int eml_requantize(int acc, float mult, int zp, int lo, int hi)
{
	precise float v = float(acc) * mult;
	return eml_saturate(v, zp, lo, hi);
}
