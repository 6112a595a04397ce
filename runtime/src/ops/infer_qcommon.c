/* infer_qcommon.c — input and quantization-parameter checks shared by the quantized ops'
 * infer functions. */
#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/infer_qcommon.h"

/* Element count of a tensor, or -1 when a dim is negative or the product overflows. */
static int64_t checked_numel(const eml_tensor *t)
{
	int64_t n = 1;
	if (t->rank > EML_MAX_RANK)
		return -1;
	for (uint32_t i = 0; i < t->rank; i++) {
		if (t->dims[i] < 0)
			return -1;
		if (t->dims[i] != 0 && n > INT64_MAX / t->dims[i])
			return -1;
		n *= t->dims[i];
	}
	return n;
}

edgeml_status eml_q_check_inputs(const eml_node *node, const eml_tensor *const *in,
				 uint32_t min_in, uint32_t max_in, const char *const *names)
{
	edgeml_status st = eml_check_arity(node, in, min_in, max_in, 1);
	if (st != EDGEML_OK)
		return st;
	/* Products of input dims (K * N, C * k...) are taken below: they must not overflow. */
	for (uint32_t k = 0; k < node->n_inputs; k++)
		if (in[k] && checked_numel(in[k]) < 0)
			return eml_error(EDGEML_ERR_FORMAT,
					 "input %u (%s) has a negative dim, too many dims or an "
					 "element count that overflows", k, names ? names[k] : "X");
	return EDGEML_OK;
}

edgeml_status eml_q_check_param(const eml_tensor *const *in, uint32_t k, const char *name,
				uint32_t dtype, int64_t channels)
{
	const eml_tensor *t = in[k];
	if (!t)
		return EDGEML_OK;
	if (t->dtype != dtype)
		return eml_error(EDGEML_ERR_SHAPE, "input %u (%s) is %s, expected %s", k, name,
				 edgeml_dtype_name((edgeml_dtype)t->dtype),
				 edgeml_dtype_name((edgeml_dtype)dtype));
	if (t->rank <= 1 && checked_numel(t) == 1)
		return EDGEML_OK;
	if (channels > 0 && t->rank == 1 && t->dims[0] == channels)
		return EDGEML_OK;
	if (channels > 0)
		return eml_error(EDGEML_ERR_SHAPE,
				 "input %u (%s) must be a scalar or a 1-D vector of %lld channels, "
				 "got rank %u with %lld elements", k, name, (long long)channels,
				 t->rank, (long long)checked_numel(t));
	return eml_error(EDGEML_ERR_SHAPE,
			 "input %u (%s) must be a scalar (per-tensor), got rank %u with %lld "
			 "elements", k, name, t->rank, (long long)checked_numel(t));
}
