#version 450
// concat.comp — up to NSRC (1-6) of a Concat's inputs in one dispatch (a node holds 16
// dispatches: DenseNet concatenates up to 32 inputs). Input j, seen as [outer][LENj], goes to
// columns [ATj, ATj + LENj) of the output seen as [outer][ROW]. With LUT (bytes only:
// QLinearConcat's requantization) input j's bytes go through its table of 256 words at
// OFF0 + 256 j. Macro T: the element as bits (uint8_t, uint, uvec2); DST: the output's
// binding (NSRC + 1).
#include "common.glsl"

EML_IN(1, T, src0);
#if NSRC > 1
EML_IN(2, T, src1);
#endif
#if NSRC > 2
EML_IN(3, T, src2);
#endif
#if NSRC > 3
EML_IN(4, T, src3);
#endif
#if NSRC > 4
EML_IN(5, T, src4);
#endif
#if NSRC > 5
EML_IN(6, T, src5);
#endif
EML_OUT(DST, T, dst);

// Element i of input j.
T load(int j, int i)
{
#if NSRC > 1
	if (j == 1)
		return src1[OFF2 + i];
#endif
#if NSRC > 2
	if (j == 2)
		return src2[OFF3 + i];
#endif
#if NSRC > 3
	if (j == 3)
		return src3[OFF4 + i];
#endif
#if NSRC > 4
	if (j == 4)
		return src4[OFF5 + i];
#endif
#if NSRC > 5
	if (j == 5)
		return src5[OFF6 + i];
#endif
	return src0[OFF1 + i];
}

// Header word id (one of a run of fields the shader indexes).
int field(int id)
{
	return EML_I(id);
}

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	int j = 0;
	while (j < NSRC - 1 && int(idx) >= field(CONCAT_END0 + j))
		j++;
	uint e = idx - (j > 0 ? uint(field(CONCAT_END0 + j - 1)) : 0u);
	uint o = eml_udiv(e, CONCAT_LEN0 + j);
	int r = int(e - o * uint(field(CONCAT_LEN0 + j)));
	int d = int(o) * EML_I(CONCAT_ROW) + field(CONCAT_AT0 + j) + r;
#if LUT
	dst[p_i[DST] + d] = T(p_i[OFF0 + 256 * j + int(load(j, int(e)))]);
#else
	dst[p_i[DST] + d] = load(j, int(e));
#endif
}
