/* infer_matmul.c — outputs of the float Gemm and MatMul. */
#include "error.h"
#include "ops/broadcast.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

/* Reads a 0/1 flag attribute (transA, transB). */
static edgeml_status read_flag(const eml_node *node, const char *name, int64_t *v)
{
	edgeml_status st = eml_attr_int(node, name, 0, v);
	if (st == EDGEML_OK && *v != 0 && *v != 1)
		return eml_error(EDGEML_ERR_FORMAT, "attribute '%s' = %lld must be 0 or 1", name,
				 (long long)*v);
	return st;
}

/* Gemm (A, B, C): Y = alpha * A' * B' + beta * C, A' [M, K], B' [K, N], C broadcastable to
 * [M, N]. */
edgeml_status eml_infer_Gemm(const eml_node *node, const eml_tensor *const *in, eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 2, 3, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input A", EML_DT_FLOAT);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[1], "input B", EML_DT_FLOAT);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input A", 2, 2);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[1], "input B", 2, 2);
	int64_t ta = 0, tb = 0;
	if (st == EDGEML_OK)
		st = read_flag(node, "transA", &ta);
	if (st == EDGEML_OK)
		st = read_flag(node, "transB", &tb);
	float alpha, beta, lo, hi;
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "alpha", 1.0f, &alpha);
	if (st == EDGEML_OK)
		st = eml_attr_float(node, "beta", 1.0f, &beta);
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *a = in[0], *b = in[1], *c = eml_in(node, in, 2);
	int64_t m = a->dims[ta], k = a->dims[1 - ta];
	int64_t kb = b->dims[tb], n = b->dims[1 - tb];
	if (k != kb)
		return eml_error(EDGEML_ERR_SHAPE, "inner dims differ: A' is [%lld, %lld], B' is "
				 "[%lld, %lld] (transA %lld, transB %lld)", (long long)m,
				 (long long)k, (long long)kb, (long long)n, (long long)ta,
				 (long long)tb);
	int64_t dims[2] = { m, n };
	if (c) {
		st = eml_check_dtype(c, "input C", EML_DT_FLOAT);
		if (st == EDGEML_OK)
			st = eml_check_rank(c, "input C", 0, 2);
		if (st != EDGEML_OK)
			return st;
		/* Unidirectional: C may only be broadcast to [M, N], never widen it. */
		for (uint32_t i = 0; i < c->rank; i++) {
			int64_t want = dims[2 - c->rank + i];
			if (c->dims[i] != 1 && c->dims[i] != want)
				return eml_error(EDGEML_ERR_SHAPE, "input C dim %u = %lld does not "
						 "broadcast to [%lld, %lld]", i,
						 (long long)c->dims[i], (long long)m, (long long)n);
		}
	}
	return eml_set_output(&out[0], EDGEML_DTYPE_FLOAT32, 2, dims);
}

/* MatMul (A, B) with numpy semantics: 1-D operands are promoted (and the added axis removed
 * from the result), leading batch dims broadcast. */
edgeml_status eml_infer_MatMul(const eml_node *node, const eml_tensor *const *in,
			       eml_tensor *out)
{
	edgeml_status st = eml_check_arity(node, in, 2, 2, 1);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[0], "input A", EML_DT_FLOAT);
	if (st == EDGEML_OK)
		st = eml_check_dtype(in[1], "input B", EML_DT_FLOAT);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[0], "input A", 1, EML_MAX_RANK);
	if (st == EDGEML_OK)
		st = eml_check_rank(in[1], "input B", 1, EML_MAX_RANK);
	float lo, hi;
	if (st == EDGEML_OK)
		st = eml_fused_activation(node, &lo, &hi);
	if (st != EDGEML_OK)
		return st;
	const eml_tensor *a = in[0], *b = in[1];
	int64_t k = a->dims[a->rank - 1];
	int64_t kb = b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2];
	if (k != kb)
		return eml_error(EDGEML_ERR_SHAPE, "inner dims differ: A has %lld columns, B has "
				 "%lld rows", (long long)k, (long long)kb);
	/* Broadcast the batch dims (all but the last two) of both. */
	eml_tensor ba = { .rank = a->rank > 2 ? a->rank - 2 : 0 };
	eml_tensor bb = { .rank = b->rank > 2 ? b->rank - 2 : 0 };
	for (uint32_t i = 0; i < ba.rank; i++)
		ba.dims[i] = a->dims[i];
	for (uint32_t i = 0; i < bb.rank; i++)
		bb.dims[i] = b->dims[i];
	uint32_t rank;
	int64_t dims[EML_MAX_RANK + 2];
	st = eml_broadcast_shape(&ba, &bb, &rank, dims);
	if (st != EDGEML_OK)
		return st;
	if (a->rank > 1)
		dims[rank++] = a->dims[a->rank - 2];
	if (b->rank > 1)
		dims[rank++] = b->dims[b->rank - 1];
	return eml_set_output(&out[0], EDGEML_DTYPE_FLOAT32, rank, dims);
}
