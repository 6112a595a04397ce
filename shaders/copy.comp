#version 450
// copy.comp — a strided copy: element c of a box goes from src[src_base + c . src_strides] to
// dst[dst_base + c . dst_strides] (Transpose, Concat's pieces, Slice, Split's parts, copies
// of unaliased views; a source stride may be negative). Parameters at OFF0: rank, dst_base,
// src_base, dims, src strides, dst strides, and with LUT (bytes only: QLinearConcat's
// requantization) a table of 256 words, the output byte of each input byte. Macro T: the
// element as bits (uint8_t, uint, uvec2).
#include "common.glsl"

EML_IN(1, T, src);
EML_OUT(2, T, dst);

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	int rank = p_i[OFF0], i = int(idx), s = p_i[OFF0 + 2], d = p_i[OFF0 + 1];
	for (int k = rank - 1; k >= 0; k--) {
		int dim = p_i[OFF0 + 3 + k], c = i % dim;
		i /= dim;
		s += c * p_i[OFF0 + 3 + rank + k];
		d += c * p_i[OFF0 + 3 + 2 * rank + k];
	}
#if LUT
	dst[OFF2 + d] = T(p_i[OFF0 + 3 + 3 * rank + int(src[OFF1 + s])]);
#else
	dst[OFF2 + d] = src[OFF1 + s];
#endif
}
