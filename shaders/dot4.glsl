// dot4.glsl — packed dot products of four signed bytes (OpSDot of SPV_KHR_integer_dot_product),
// for the int8 convolutions and matmuls on devices that report shaderIntegerDotProduct (the
// host defines DOT4 then). glslang 12 lacks GL_EXT_integer_dot_product, so the instruction is
// declared through GL_EXT_spirv_intrinsics: capabilities DotProductInput4x8BitPacked (6019)
// and DotProduct (6018), opcode 4450.
#extension GL_EXT_spirv_intrinsics : require

// Sum of the products of a's and b's four signed bytes; fmt 0 is PackedVectorFormat4x8Bit.
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018],
		  id = 4450) int eml_sdot4(uint a, uint b, spirv_literal int fmt);

// The signed byte of an 8-bit element as a packed lane: uint8 values move down by 128
// (flip = 0x80), so both element types meet int8 weights in OpSDot.
uint eml_lane(int v, uint flip)
{
	return (uint(v) & 0xffu) ^ flip;
}
