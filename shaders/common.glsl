// common.glsl — included by every edgeml compute shader.
//
// Conventions (runtime/src/vulkan/vk_ops.h): one invocation per output element (or tile),
// workgroups of the device's size, the grid folded into two dimensions; binding 0 holds the
// dispatch's header (EML_VK_HEADER words) and then its parameters (ints and floats from
// element OFF0), bindings 1.. its tensors, each the whole buffer it lives in with the tensor
// starting at element OFF<binding> (a header word). The layer's values are header words from
// EML_VK_SPEC_BASE on, named in shaders/vk_params.def (EML_I(QCONV_CIN)), except those the
// code is specialised on, which are specialization constants of the same ids
// (layout(constant_id = QCONV_K0)); the element types and the device features are macros.
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require

// The workgroup size is specialization constant 0: the device's, in whole subgroups.
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) restrict readonly buffer ParamsI { int p_i[]; };
layout(std430, binding = 0) restrict readonly buffer ParamsF { float p_f[]; };

// The header's layout and each shader's value words (SHADER_FIELD), generated from
// shaders/vk_params.def for the shaders and the C builders alike.
#include "vk_params.glsl"

// Header words: value i at i, the multiplier and shift dividing by it at EML_VK_DIV_MULT + i
// and EML_VK_DIV_SHIFT + i; the parameters from EML_VK_HEADER on.
const int OFF0 = EML_VK_HEADER;
#define OFF1 p_i[1]
#define OFF2 p_i[2]
#define OFF3 p_i[3]
#define OFF4 p_i[4]
#define OFF5 p_i[5]
#define OFF6 p_i[6]
#define OFF7 p_i[7]
// Number of output elements: invocations past it do nothing.
#define TOTAL uint(p_i[EML_VK_TOTAL])
#define EML_I(id) p_i[id]
#define EML_F(id) p_f[id]

// n / (header value id), for n < 2^31 and a positive divisor, with a multiply instead of a
// division: a division by a value the compiler does not know is a slow loop of scalar
// divisions on a SIMD CPU (lavapipe). The host computes the multiplier (vk_record.c).
uint eml_udiv(uint n, int id)
{
	uint shift = uint(p_i[EML_VK_DIV_SHIFT + id]), hi, lo;
	if (shift == 0u)
		return n;
	umulExtended(n, uint(p_i[EML_VK_DIV_MULT + id]), hi, lo);
	return hi >> (shift - 1u);
}

#define EML_IN(b, T, name) layout(std430, binding = b) readonly buffer Buf##b { T name[]; }
#define EML_OUT(b, T, name) layout(std430, binding = b) writeonly buffer Buf##b { T name[]; }

// This invocation's output element.
uint eml_index()
{
	return (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x +
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
