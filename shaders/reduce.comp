#version 450
// reduce.comp — ReduceMean, ReduceSum, ReduceMax of floats: one invocation per output element
// walks its box of reduced elements in the reference's order (innermost reduced axis first).
// The reference sums in double; here a compensated fp32 sum (TwoSum, about 44 bits) stands
// in for it, so means and sums are within an ulp or so of the reference's (the float
// tolerance). Parameters at OFF0: kept dims and their input strides (innermost first, NK of
// each), then reduced dims and strides (NR of each). Macro MODE: 0 mean, 1 sum, 2 max.
#include "common.glsl"

EML_IN(1, float, x);
EML_OUT(2, float, y);

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	int nk = EML_I(REDUCE_NK), nr = EML_I(REDUCE_NR), o = int(idx), base = 0;
	for (int i = 0; i < nk; i++) {
		int dim = p_i[OFF0 + i];
		base += (o % dim) * p_i[OFF0 + nk + i];
		o /= dim;
	}
	int rd = OFF0 + 2 * nk, rs = rd + nr, box = EML_I(REDUCE_BOX);
	int ridx[8] = int[8](0, 0, 0, 0, 0, 0, 0, 0);
	int off = base;
	precise float hi = 0.0, lo = 0.0;
	float mx = uintBitsToFloat(0xff800000u); // -inf
	for (int e = 0; e < box; e++) {
		float v = x[OFF1 + off];
#if MODE == 2
		if (v > mx || isnan(v))
			mx = isnan(mx) ? mx : v;
#else
		precise float s = hi + v;
		precise float bv = s - hi;
		precise float err = (hi - (s - bv)) + (v - bv);
		hi = s;
		lo += err;
#endif
		for (int i = 0; i < nr; i++) {
			off += p_i[rs + i];
			if (++ridx[i] < p_i[rd + i])
				break;
			off -= p_i[rs + i] * p_i[rd + i];
			ridx[i] = 0;
		}
	}
#if MODE == 2
	y[OFF2 + idx] = mx;
#elif MODE == 1
	precise float total = hi + lo;
	y[OFF2 + idx] = total;
#else
	precise float total = hi + lo;
	y[OFF2 + idx] = eml_div(total, float(box));
#endif
}
