/* maxpool.c — MaxPool of int8/uint8 tensors (1-D and 2-D) on the fast path: each
 * channel's phase plane (fast_plane.h, padding filled with the type's minimum, which never
 * wins), then the max micro-kernel over the output grid; channels over the pool. */
#include <stdlib.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/fast_plane.h"
#include "cpu/pack.h"
#include "error.h"

/* Per-channel phase planes larger than this leave the node to the reference kernel. */
#define PLANE_MAX ((size_t)16 << 20)
/* The most taps the kernel takes. */
#define TAPS_MAX 64

typedef struct maxpool_op {
	eml_fast_op base;
	eml_maxpool_fn fn;
	eml_plane plane;
	size_t planes, in_plane, out_plane, taps;
	size_t tapoff[TAPS_MAX];
	uint8_t flip;
} maxpool_op;

typedef struct maxpool_run {
	const maxpool_op *op;
	const uint8_t *x;
	uint8_t *y;
	const eml_fast_env *env;
} maxpool_run;

/* Frees the op. */
static void maxpool_destroy(eml_fast_op *op)
{
	free(op);
}

/* One channel plane. */
static void maxpool_task(void *arg, uint32_t task, uint32_t thread)
{
	const maxpool_run *r = arg;
	const maxpool_op *op = r->op;
	const eml_plane *p = &op->plane;
	uint8_t *plane = r->env->scratch[thread], *grid = plane + p->bytes;
	uint8_t *y = r->y + task * op->out_plane;
	const uint8_t *rows[TAPS_MAX];
	/* in the uint8 domain the type's minimum is 0 */
	eml_plane_build(p, r->x + task * op->in_plane, op->flip, 0, plane);
	for (size_t t = 0; t < op->taps; t++)
		rows[t] = plane + op->tapoff[t];
	eml_maxpool_args a = { rows, p->grid, (uint32_t)op->taps, op->flip,
			       p->q == p->ow ? y : grid };
	op->fn(&a);
	if (p->q != p->ow)
		eml_plane_scatter(p, 0, p->grid, grid, y);
}

/* Runs the node over the pool. */
static edgeml_status maxpool_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				    const eml_fast_env *env)
{
	const maxpool_op *op = (const maxpool_op *)base;
	maxpool_run r = { op, ctx->in_data[0], ctx->out_data[0], env };
	size_t work = op->planes * op->out_plane * op->taps;
	eml_threadpool_run(eml_fast_pool(env, work), maxpool_task, &r, (uint32_t)op->planes);
	return EDGEML_OK;
}

edgeml_status eml_fast_maxpool_prepare(const eml_kernel_ctx *ctx, eml_isa isa,
				       eml_fast_op **out)
{
	const eml_tensor *x = ctx->in[0];
	eml_maxpool_fn fn = eml_cpu_kernels_for(isa)->u8_maxpool;
	eml_op_params tmp;
	const eml_op_params *prm;
	eml_window3 w;
	eml_plane p;
	if (!fn || (x->dtype != EDGEML_DTYPE_INT8 && x->dtype != EDGEML_DTYPE_UINT8) ||
	    x->rank < 3 || x->rank > 4 || ctx->node->n_outputs != 1 ||
	    eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK;
	eml_window3_of(&prm->pool.geom, &w);
	if (eml_plane_init(&p, &w, PLANE_MAX) != EDGEML_OK || p.kh * p.kw > TAPS_MAX)
		return EDGEML_OK;
	maxpool_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a max pool");
	op->base = (eml_fast_op){ maxpool_run_op, maxpool_destroy, "u8-maxpool",
				  p.bytes + p.grid + 64, 0 };
	op->fn = fn;
	op->plane = p;
	op->planes = (size_t)(x->dims[0] * x->dims[1]);
	op->in_plane = p.ih * p.iw;
	op->out_plane = p.oh * p.ow;
	op->taps = eml_plane_taps(&p, op->tapoff);
	op->flip = x->dtype == EDGEML_DTYPE_INT8 ? 0x80 : 0;
	*out = &op->base;
	return EDGEML_OK;
}
