#version 450
// resize.comp — Resize by gathering: per axis and output coordinate the host computed the
// source indices (lo, hi) and the weight of hi (ref_resize.c's arithmetic); nearest takes
// lo, linear blends the 2^rank corners. Parameters at OFF0: rank, output dims, input
// strides, then the per-axis tables. Macros: T, LINEAR.
#include "common.glsl"

EML_IN(1, T, x);
EML_OUT(2, T, y);

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	int rank = p_i[OFF0], i = int(idx);
	int lo[8], hi[8];
	float w[8];
	int at[8], start = OFF0 + 1 + 2 * rank;
	for (int k = 0; k < rank; k++) {
		at[k] = start;
		start += 3 * p_i[OFF0 + 1 + k];
	}
	for (int k = rank - 1; k >= 0; k--) {
		int dim = p_i[OFF0 + 1 + k], c = i % dim;
		i /= dim;
		int e = at[k] + 3 * c;
		int stride = p_i[OFF0 + 1 + rank + k];
		lo[k] = p_i[e] * stride;
		hi[k] = p_i[e + 1] * stride;
		w[k] = p_f[e + 2];
	}
#if LINEAR
	float sum = 0.0;
	for (int corner = 0; corner < (1 << rank); corner++) {
		float wt = 1.0;
		int off = 0;
		for (int k = 0; k < rank; k++) {
			bool up = ((corner >> k) & 1) != 0;
			wt *= up ? w[k] : 1.0 - w[k];
			off += up ? hi[k] : lo[k];
		}
		if (wt != 0.0)
			sum += wt * x[OFF1 + off];
	}
	y[OFF2 + idx] = sum;
#else
	int off = 0;
	for (int k = 0; k < rank; k++)
		off += lo[k];
	y[OFF2 + idx] = x[OFF1 + off];
#endif
}
