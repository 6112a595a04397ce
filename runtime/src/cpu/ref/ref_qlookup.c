/* ref_qlookup.c — QLinearLookup reference kernel: Y[i] = table[X[i]] (uint8 X) or
 * table[X[i] + 128] (int8 X). */
#include "cpu/ref/ref.h"

/* Maps every element through the 256-entry table (entries are one byte of either type). */
edgeml_status eml_ref_QLinearLookup(const eml_kernel_ctx *ctx)
{
	eml_op_params tmp;
	const eml_op_params *prm;
	edgeml_status st = eml_ref_params(ctx, &tmp, &prm);
	if (st != EDGEML_OK)
		return st;
	const eml_qlookup_params *p = &prm->qlookup;
	const uint8_t *x = ctx->in_data[p->x], *table = ctx->in_data[p->table];
	uint8_t *y = ctx->out_data[0];
	int64_t n = eml_tensor_numel(ctx->in[p->x]);
	/* Flipping the sign bit maps int8 -128..127 to table index 0..255. */
	uint8_t bias = ctx->in[p->x]->dtype == EDGEML_DTYPE_INT8 ? 0x80 : 0;
	for (int64_t i = 0; i < n; i++)
		y[i] = table[(uint8_t)(x[i] ^ bias)];
	return EDGEML_OK;
}
