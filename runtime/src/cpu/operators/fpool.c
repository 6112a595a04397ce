/* fpool.c — float MaxPool (1-D to 3-D, no Indices output), GlobalAveragePool, the
 * AveragePool whose one window is the whole plane and the 1-D / 2-D AveragePool whose
 * windows lie inside the input (no padding, no dilation: DenseNet's 2x2 transitions), on
 * the fast path, and ReduceMean over the planes (mnasnet's head) as their means. MaxPool
 * runs, where the level has one (AVX-512), the row kernel straight from the input rows
 * (column strides 1 and 2, the usual 2x2 and 3x3 pools), else builds each channel's phase
 * plane (fast_fplane.h, padding filled with -FLT_MAX, which never wins over the reference's
 * start value) and runs the max micro-kernel over its grid. The averages sum each plane in
 * double in the reference's order (its window order is row-major over the plane), several
 * planes at once: whole planes on the level's f32_planesum (8 x 8 blocks transposed, so a
 * vector lane adds one plane's elements in order) where it has one. Channels go over the
 * pool. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "cpu/f32_ukernels.h"
#include "cpu/fast_fplane.h"
#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "cpu/ref/ref_qwindow.h"
#include "error.h"
#include "ops/infer_helpers.h"
#include "ops/ops.h"

/* Per-channel phase planes larger than this (floats) leave the node to the reference. */
#define PLANE_MAX ((size_t)16 << 20)
/* The most taps the max kernel takes. */
#define TAPS_MAX 64
/* The widest window the row kernel takes. */
#define ROW_KW 8
/* Planes an average task sums together (independent chains of additions). */
#define AVG_LANES 8
/* Average tasks: at least this many elements each. */
#define AVG_CHUNK 16384

typedef struct fpool_op {
	eml_fast_op base;
	eml_f32_maxpool_fn fn; /* NULL: an average */
	eml_f32_split2_fn split2; /* the phase plane's stride-2 column split, or NULL */
	eml_f32_planesum_fn planesum; /* whole-plane sums: the level's, or NULL (the C loop) */
	eml_plane plane;
	size_t planes, in_plane, out_plane, taps, planes_per_task;
	size_t tapoff[TAPS_MAX];
	eml_window3 win; /* a windowed average: its geometry (win.k[1] > 0); a max pool's */
	/* a max pool over phase planes: input and output depth slices (1 but in 3-D), the
	 * slice's taps (tapoff holds them, taps is kd times that) */
	size_t in_d, out_d, taps2;
	eml_f32_maxpool_row_fn row; /* a max pool row by row from the input: win its geometry */
} fpool_op;

typedef struct fpool_run {
	const fpool_op *op;
	const float *x;
	float *y;
	const eml_fast_env *env;
} fpool_run;

/* Frees the op. */
static void fpool_destroy(eml_fast_op *op)
{
	free(op);
}

/* One channel plane of a max pool. */
static void maxpool_task(void *arg, uint32_t task, uint32_t thread)
{
	const fpool_run *r = arg;
	const fpool_op *op = r->op;
	const eml_plane *p = &op->plane;
	/* the planes of the channel's depth slices, then one of -FLT_MAX for the depth
	 * padding (3-D), then the grid */
	float *plane = (float *)r->env->scratch[thread], *pad = plane + op->in_d * p->bytes;
	float *grid = pad + (op->in_d > 1 || op->win.k[0] > 1 ? p->bytes : 0);
	const float *rows[TAPS_MAX];
	for (size_t d = 0; d < op->in_d; d++)
		eml_fplane_build(p, r->x + (task * op->in_d + d) * (p->ih * p->iw), -FLT_MAX,
				 op->split2, plane + d * p->bytes);
	for (size_t i = 0; grid != pad && i < p->bytes; i++)
		pad[i] = -FLT_MAX;
	for (size_t od = 0; od < op->out_d; od++) {
		float *y = r->y + (task * op->out_d + od) * (p->oh * p->ow);
		for (size_t t = 0; t < op->taps; t++) {
			int64_t id = eml_plane_depth_slice(&op->win, od, t / op->taps2);
			rows[t] = (id < 0 ? pad : plane + (size_t)id * p->bytes) +
				  op->tapoff[t % op->taps2];
		}
		op->fn(rows, p->grid, (uint32_t)op->taps, p->q == p->ow ? y : grid);
		if (p->q != p->ow)
			eml_fplane_scatter(p, 0, p->grid, grid, y);
	}
}

/* One channel plane (3-D: volume) of a max pool, an output row at a time straight from the
 * input rows of its window (those inside the input, in (depth, row) order: the padding rows
 * would fold -FLT_MAX, which changes nothing). */
static void maxpool_rows_task(void *arg, uint32_t task, uint32_t thread)
{
	const fpool_run *r = arg;
	const fpool_op *op = r->op;
	const eml_window3 *w = &op->win;
	const float *x = r->x + task * op->in_plane;
	float *y = r->y + task * op->out_plane;
	const float *rows[TAPS_MAX];
	(void)thread;
	for (int64_t o = 0; o < w->out[0] * w->out[1]; o++, y += w->out[2]) {
		int64_t od = o / w->out[1], oy = o % w->out[1];
		uint32_t n = 0;
		for (int64_t kd = 0; kd < w->k[0]; kd++) {
			int64_t id = od * w->stride[0] - w->pad_begin[0] + kd * w->dil[0];
			for (int64_t ky = 0; id >= 0 && id < w->in[0] && ky < w->k[1]; ky++) {
				int64_t iy = oy * w->stride[1] - w->pad_begin[1] + ky * w->dil[1];
				if (iy >= 0 && iy < w->in[1])
					rows[n++] = x + (id * w->in[1] + iy) * w->in[2];
			}
		}
		op->row(rows, n, (size_t)w->in[2], (ptrdiff_t)-w->pad_begin[2],
			(uint32_t)w->stride[2], (uint32_t)w->k[2], (size_t)w->out[2], y);
	}
}

/* The means of planes_per_task planes: AVG_LANES at a time, each summed in double from its
 * first element to its last (independent chains, which the compiler vectorises), then
 * divided as the reference does. */
static void avg_task(void *arg, uint32_t task, uint32_t thread)
{
	const fpool_run *r = arg;
	const fpool_op *op = r->op;
	size_t size = op->in_plane, c = task * op->planes_per_task;
	size_t end = c + op->planes_per_task < op->planes ? c + op->planes_per_task : op->planes;
	(void)thread;
	while (op->planesum && c < end) {
		double s[64];
		size_t n = end - c < 64 ? end - c : 64;
		op->planesum(r->x + c * size, size, n, s);
		for (size_t l = 0; l < n; l++)
			r->y[c + l] = (float)(s[l] / (double)size);
		c += n;
	}
	for (; c + AVG_LANES <= end; c += AVG_LANES) {
		const float *x = r->x + c * size;
		double s[AVG_LANES] = { 0.0 };
		for (size_t i = 0; i < size; i++)
			for (size_t l = 0; l < AVG_LANES; l++)
				s[l] += x[l * size + i];
		for (size_t l = 0; l < AVG_LANES; l++)
			r->y[c + l] = (float)(s[l] / (double)size);
	}
	for (; c < end; c++) {
		const float *x = r->x + c * size;
		double sum = 0.0;
		for (size_t i = 0; i < size; i++)
			sum += x[i];
		r->y[c] = (float)(sum / (double)size);
	}
}

/* The windowed averages of planes_per_task planes: each window summed in double in the
 * reference's order (rows, then columns), divided by its size as the reference does. */
static void avg_win_task(void *arg, uint32_t task, uint32_t thread)
{
	const fpool_run *r = arg;
	const fpool_op *op = r->op;
	const eml_window3 *w = &op->win;
	size_t c = task * op->planes_per_task;
	size_t end = c + op->planes_per_task < op->planes ? c + op->planes_per_task : op->planes;
	size_t iw = (size_t)w->in[2], sh = (size_t)w->stride[1], sw = (size_t)w->stride[2];
	size_t kh = (size_t)w->k[1], kw = (size_t)w->k[2];
	double div = (double)(kh * kw);
	(void)thread;
	for (; c < end; c++) {
		const float *x = r->x + c * op->in_plane;
		float *y = r->y + c * op->out_plane;
		for (size_t oy = 0; oy < (size_t)w->out[1]; oy++) {
			for (size_t ox = 0; ox < (size_t)w->out[2]; ox++) {
				const float *xw = x + oy * sh * iw + ox * sw;
				double sum = 0.0;
				for (size_t ky = 0; ky < kh; ky++)
					for (size_t kx = 0; kx < kw; kx++)
						sum += xw[ky * iw + kx];
				*y++ = (float)(sum / div);
			}
		}
	}
}

/* Runs the node over the pool. */
static edgeml_status fpool_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				  const eml_fast_env *env)
{
	const fpool_op *op = (const fpool_op *)base;
	fpool_run r = { op, ctx->in_data[0], ctx->out_data[0], env };
	if (op->fn || op->row) {
		size_t work = op->planes * op->out_plane * op->taps;
		eml_threadpool_run(eml_fast_pool(env, work), op->row ? maxpool_rows_task
								   : maxpool_task,
				   &r, (uint32_t)op->planes);
		return EDGEML_OK;
	}
	size_t tasks = (op->planes + op->planes_per_task - 1) / op->planes_per_task;
	eml_threadpool_run(eml_fast_pool(env, op->planes * op->in_plane),
			   op->win.k[1] ? avg_win_task : avg_task, &r, (uint32_t)tasks);
	/* Sums without NaN are exact whatever the order of each addition's operands; which of
	 * two NaNs one passes on is the compiler's choice, so a NaN mean is left to the
	 * reference's code. */
	for (size_t c = 0; c < op->planes * op->out_plane; c++)
		if (isnan(r.y[c]))
			return eml_ref_kernel(ctx->node->op)(ctx);
	return EDGEML_OK;
}

/* Prepares a max pool of geometry w: row by row from the input where the level has a row
 * kernel and the columns allow it (stride 1 or 2, undilated, windows up to ROW_KW wide),
 * else over phase planes, or leaves *out NULL where the plane does not fit. */
static edgeml_status prepare_max(const eml_window3 *w, eml_isa isa, size_t planes,
				 eml_fast_op **out)
{
	eml_f32_maxpool_fn fn = eml_cpu_kernels_for(isa)->f32_maxpool;
	eml_f32_maxpool_row_fn row = eml_cpu_kernels_for(isa)->f32_maxpool_row;
	if (row && w->dil[2] == 1 && w->stride[2] >= 1 && w->stride[2] <= 2 && w->k[2] <= ROW_KW &&
	    w->k[0] * w->k[1] <= TAPS_MAX && w->out[1] >= 1 && w->out[2] >= 1) {
		fpool_op *op = calloc(1, sizeof(*op));
		if (!op)
			return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a max pool");
		op->base = (eml_fast_op){ fpool_run_op, fpool_destroy, "f32-maxpool-rows", 0, 0 };
		op->fn = fn;
		op->row = row;
		op->win = *w;
		op->planes = planes;
		op->in_plane = (size_t)(w->in[0] * w->in[1] * w->in[2]);
		op->out_plane = (size_t)(w->out[0] * w->out[1] * w->out[2]);
		op->taps = (size_t)(w->k[0] * w->k[1] * w->k[2]);
		*out = &op->base;
		return EDGEML_OK;
	}
	if (!fn)
		return EDGEML_OK;
	/* 3-D: the planes of the depth slices (each the 2-D window's), the taps of every
	 * slice of the window at once */
	eml_window3 w2;
	eml_plane_slice_window(w, &w2);
	eml_plane p;
	size_t in_d = (size_t)w->in[0], kd = (size_t)w->k[0];
	if (eml_plane_init(&p, &w2, PLANE_MAX) != EDGEML_OK || kd * p.kh * p.kw > TAPS_MAX ||
	    p.bytes > PLANE_MAX / (in_d + 1))
		return EDGEML_OK;
	fpool_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a max pool");
	size_t pads = in_d > 1 || kd > 1 ? 1 : 0;
	op->base = (eml_fast_op){ fpool_run_op, fpool_destroy, "f32-maxpool",
				  ((in_d + pads) * p.bytes + p.grid + 64) * sizeof(float), 0 };
	op->fn = fn;
	op->split2 = eml_cpu_kernels_for(isa)->f32_split2;
	op->plane = p;
	op->planes = planes;
	op->win = *w;
	op->in_d = in_d;
	op->out_d = (size_t)w->out[0];
	op->in_plane = in_d * p.ih * p.iw;
	op->out_plane = op->out_d * p.oh * p.ow;
	op->taps2 = eml_plane_taps(&p, op->tapoff);
	op->taps = kd * op->taps2;
	*out = &op->base;
	return EDGEML_OK;
}

/* Whether an AveragePool's single window is its whole input plane, unpadded: its mean is
 * then the plane's, as GlobalAveragePool computes it. */
static int window_is_plane(const eml_window_geom *g)
{
	for (uint32_t i = 0; i < g->n_spatial; i++)
		if (g->out[i] != 1 || g->kernel[i] != g->in[i] || g->pad_begin[i] != 0 ||
		    g->pad_end[i] != 0 || g->dilation[i] != 1)
			return 0;
	return 1;
}

/* Whether every window of a 1-D or 2-D AveragePool lies inside its input, undilated and
 * unpadded: its divisor is then the window's size whatever count_include_pad says. */
static int windows_inside(const eml_window3 *w)
{
	for (int i = 1; i < 3; i++)
		if (w->dil[i] != 1 || w->pad_begin[i] != 0 ||
		    (w->out[i] - 1) * w->stride[i] + w->k[i] > w->in[i])
			return 0;
	return w->in[0] == 1 && w->k[0] == 1 && w->out[0] == 1;
}

/* Prepares a float MaxPool, GlobalAveragePool, whole-plane or windows-inside AveragePool, or
 * a ReduceMean over the planes. */
edgeml_status eml_fast_fpool_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out)
{
	const eml_tensor *x = ctx->in[0];
	eml_op_params tmp;
	const eml_op_params *prm;
	if (x->dtype != EDGEML_DTYPE_FLOAT32 || x->rank < 3 || ctx->node->n_outputs != 1 ||
	    eml_tensor_numel(x) < 1)
		return EDGEML_OK;
	size_t planes = (size_t)(x->dims[0] * x->dims[1]), size = 1;
	eml_window3 win = { 0 };
	for (uint32_t i = 2; i < x->rank; i++)
		size *= (size_t)x->dims[i];
	if (ctx->node->op == EML_OP_ReduceMean) {
		/* over every axis past the first two (x.mean([2, 3]) of mnasnet's head): each
		 * plane's mean, the same sum in the same order as the reference's (in double,
		 * innermost axis first), kept or dropped axes alike */
		if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK ||
		    prm->reduce.mask != ((1u << x->rank) - 1) - 3u)
			return EDGEML_OK;
	} else if (ctx->node->op != EML_OP_GlobalAveragePool) {
		if (x->rank > 5 || eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
			return EDGEML_OK;
		const eml_window_geom *g = &prm->pool.geom;
		if (ctx->node->op == EML_OP_MaxPool) {
			eml_window3 w;
			eml_window3_of(g, &w);
			return prepare_max(&w, isa, planes, out);
		}
		if (!window_is_plane(g)) {
			eml_window3_of(g, &win);
			if (!windows_inside(&win))
				return EDGEML_OK;
		}
	}
	fpool_op *op = calloc(1, sizeof(*op));
	if (!op)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for an average pool");
	op->base = (eml_fast_op){ fpool_run_op, fpool_destroy, "f32-avgpool", 0, 0 };
	op->planes = planes;
	op->in_plane = size;
	op->win = win;
	op->out_plane = win.k[1] ? (size_t)(win.out[1] * win.out[2]) : 1;
	op->planesum = win.k[1] ? NULL : eml_cpu_kernels_for(isa)->f32_planesum;
	/* enough tasks for every thread, each at least AVG_CHUNK elements, in whole lanes (of
	 * the level's plane sums: 16 planes at once) */
	size_t lanes = op->planesum ? 16 : AVG_LANES;
	size_t per = (AVG_CHUNK + size - 1) / size;
	size_t tasks = EML_FAST_TASKS_PER_THREAD * (size_t)threads;
	size_t even = (planes + tasks - 1) / tasks;
	per = per > even ? per : even;
	op->planes_per_task = (per + lanes - 1) / lanes * lanes;
	*out = &op->base;
	return EDGEML_OK;
}
