#version 450
// pad.comp — Pad, constant, reflect and edge modes (and negative pads, which crop): output
// element c takes the input element its coordinates map to by the reference's rule
// (ref_pad.c pad_source), or the fill value. Parameters at OFF0: rank, mode (0 constant,
// 1 reflect, 2 edge: enum eml_pad_mode), the fill value's bits (two words), then per axis the
// output dims, input dims, input strides and leading pads. Macro T: the element as bits
// (uint8_t, uint, uvec2), as in copy.comp.
#include "common.glsl"

EML_IN(1, T, src);
EML_OUT(2, T, dst);

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	int rank = p_i[OFF0], mode = p_i[OFF0 + 1], i = int(idx), s = 0;
	bool fill = false;
	for (int k = rank - 1; k >= 0; k--) {
		int od = p_i[OFF0 + 4 + k], xd = p_i[OFF0 + 4 + rank + k];
		int c = i % od;
		i /= od;
		int q = c - p_i[OFF0 + 4 + 3 * rank + k];
		if (q < 0 || q >= xd) {
			if (mode == 0)
				fill = true;
			else if (mode == 2)
				q = q < 0 ? 0 : xd - 1;
			else
				q = q < 0 ? -q : 2 * (xd - 1) - q;
		}
		s += q * p_i[OFF0 + 4 + 2 * rank + k];
	}
	if (!fill) {
		dst[OFF2 + idx] = src[OFF1 + s];
		return;
	}
#if FILL_WORDS == 2
	dst[OFF2 + idx] = T(uint(p_i[OFF0 + 2]), uint(p_i[OFF0 + 3]));
#else
	dst[OFF2 + idx] = T(uint(p_i[OFF0 + 2]));
#endif
}
