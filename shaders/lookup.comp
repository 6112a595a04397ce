#version 450
// lookup.comp — QLinearLookup: Y[i] = table[X[i]] (uint8 X) or table[X[i] + 128] (int8 X).
// Macros: X_T, Y_T, X_SIGNED.
#include "common.glsl"

EML_IN(1, X_T, x);
EML_IN(2, Y_T, table);
EML_OUT(3, Y_T, y);

void main()
{
	uint idx = eml_index();
	if (idx >= TOTAL)
		return;
	int v = int(x[OFF1 + idx]) + (X_SIGNED != 0 ? 128 : 0);
	y[OFF3 + idx] = table[OFF2 + v];
}
