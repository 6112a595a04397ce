/* maxpool.c — MaxPool of int8/uint8 tensors (1-D to 3-D) on the fast path: each
 * channel's phase plane (fast_plane.h, padding filled with the type's minimum, which never
 * wins), then the max micro-kernel over the output grid; channels over the pool. 3-D: the
 * planes of the channel's depth slices and one of the minimum for the depth padding, the
 * kernel's taps those of every slice of the window, once per output slice. */
#include <stdlib.h>
#include <string.h>

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
	eml_window3 win;    /* the window (its depth axis) */
	size_t in_d, out_d; /* depth slices: 1 but in 3-D */
	size_t taps2;	    /* taps of one slice (tapoff), taps = kd * taps2 */
	int pad_plane;	    /* a plane of the minimum follows the slices' */
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
	uint8_t *plane = r->env->scratch[thread], *pad = plane + op->in_d * p->bytes;
	uint8_t *grid = pad + (op->pad_plane ? p->bytes : 0);
	const uint8_t *rows[TAPS_MAX];
	/* in the uint8 domain the type's minimum is 0 */
	for (size_t d = 0; d < op->in_d; d++)
		eml_plane_build(p, r->x + (task * op->in_d + d) * (p->ih * p->iw), op->flip, 0,
				plane + d * p->bytes);
	if (op->pad_plane)
		memset(pad, 0, p->bytes);
	for (size_t od = 0; od < op->out_d; od++) {
		uint8_t *y = r->y + (task * op->out_d + od) * (p->oh * p->ow);
		for (size_t t = 0; t < op->taps; t++) {
			int64_t id = eml_plane_depth_slice(&op->win, od, t / op->taps2);
			rows[t] = (id < 0 ? pad : plane + (size_t)id * p->bytes) +
				  op->tapoff[t % op->taps2];
		}
		eml_maxpool_args a = { rows, p->grid, (uint32_t)op->taps, op->flip,
				       p->q == p->ow ? y : grid };
		op->fn(&a);
		if (p->q != p->ow)
			eml_plane_scatter(p, 0, p->grid, grid, y);
	}
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
	eml_window3 w, w2;
	eml_plane p;
	if (!fn || (x->dtype != EDGEML_DTYPE_INT8 && x->dtype != EDGEML_DTYPE_UINT8) ||
	    x->rank < 3 || x->rank > 5 || ctx->node->n_outputs != 1 ||
	    eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK;
	eml_window3_of(&prm->pool.geom, &w);
	eml_plane_slice_window(&w, &w2);
	size_t in_d = (size_t)w.in[0], kd = (size_t)w.k[0];
	int pad_plane = in_d > 1 || kd > 1;
	if (eml_plane_init(&p, &w2, PLANE_MAX) != EDGEML_OK || kd * p.kh * p.kw > TAPS_MAX ||
	    p.bytes > PLANE_MAX / (in_d + 1))
		return EDGEML_OK;
	maxpool_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a max pool");
	op->base = (eml_fast_op){ maxpool_run_op, maxpool_destroy, "u8-maxpool",
				  (in_d + (size_t)pad_plane) * p.bytes + p.grid + 64, 0 };
	op->fn = fn;
	op->plane = p;
	op->planes = (size_t)(x->dims[0] * x->dims[1]);
	op->win = w;
	op->in_d = in_d;
	op->out_d = (size_t)w.out[0];
	op->pad_plane = pad_plane;
	op->in_plane = in_d * p.ih * p.iw;
	op->out_plane = op->out_d * p.oh * p.ow;
	op->taps2 = eml_plane_taps(&p, op->tapoff);
	op->taps = kd * op->taps2;
	op->flip = x->dtype == EDGEML_DTYPE_INT8 ? 0x80 : 0;
	*out = &op->base;
	return EDGEML_OK;
}
