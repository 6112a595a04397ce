/* image.c — ImagePreprocess on the fast path, separable: per output row, the two frame
 * rows it reads are converted and mixed horizontally once (kept while the next output row
 * reads them too), then mixed vertically, normalised through a 256-entry table per channel
 * and stored in the output layout. Tables of source columns, weights and normalised values
 * are built at prepare from the rule's own functions (image_params.h), so results are the
 * reference's byte for byte. Output rows are split over the pool. The horizontal pass of
 * NV12 and YUYV and the vertical pass have micro-kernels (cpu/image_ukernels.h). */
#include <stdlib.h>
#include <string.h>

#include "cpu/kernels.h"
#include "cpu/operators/operators.h"
#include "error.h"
#include "ops/image_params.h"

typedef struct image_op {
	eml_fast_op base;
	eml_image_params p;
	int32_t *x0, *x1;	/* per output column: source columns (frame x) */
	uint32_t *xw;		/* per output column: w0 | w1 << 16 */
	eml_image_tap *ty;	/* per output row: source rows (crop-relative) and weights */
	eml_image_hpass_fn hpass;
	eml_image_vmix_fn vmix;
	size_t hpass_n;		/* leading columns the micro-kernel may take */
	uint8_t lut8[3][256];	/* quantized outputs, per output channel */
	float lutf[3][256];	/* float outputs */
	uint32_t rows_per_task;
} image_op;

typedef struct image_run {
	const image_op *op;
	const uint8_t *frame;
	void *y;
	uint8_t *const *scratch;
} image_run;

static void image_destroy(eml_fast_op *base)
{
	image_op *op = (image_op *)base;
	free(op->x0);
	free(op->x1);
	free(op->xw);
	free(op->ty);
	free(op);
}

/* Portable horizontal pass of frame row y (absolute) for columns [from, n). */
static void hpass_c(const image_op *op, const uint8_t *f, int32_t y, size_t from, size_t n,
		    int32_t *const s[3])
{
	const eml_image_params *p = &op->p;
	size_t w = (size_t)p->width;
	for (size_t i = from; i < n; i++) {
		int32_t a[3], b[3];
		int32_t w0 = (int32_t)(op->xw[i] & 0xffff), w1 = (int32_t)(op->xw[i] >> 16);
		int32_t x0 = op->x0[i], x1 = op->x1[i];
		if (p->format == EML_IMAGE_NV12) {
			const uint8_t *yr = f + (size_t)y * w;
			const uint8_t *uv = f + w * (size_t)p->height + (size_t)(y / 2) * w;
			eml_image_yuv_to_rgb(yr[x0], uv[x0 & ~1], uv[(x0 & ~1) + 1], a);
			eml_image_yuv_to_rgb(yr[x1], uv[x1 & ~1], uv[(x1 & ~1) + 1], b);
		} else {
			eml_image_pixel(p, f, x0, y, a);
			eml_image_pixel(p, f, x1, y, b);
		}
		for (int c = 0; c < 3; c++)
			s[c][i] = a[c] * w0 + b[c] * w1;
	}
}

/* Horizontal pass of frame row y (absolute) into s. */
static void hpass(const image_op *op, const uint8_t *f, int32_t y, int32_t *const s[3])
{
	const eml_image_params *p = &op->p;
	size_t done = 0;
	if (op->hpass && op->hpass_n) {
		size_t w = (size_t)p->width;
		eml_image_hpass_args a = { .format = p->format, .x0 = op->x0, .x1 = op->x1,
					   .w = op->xw, .n = op->hpass_n & ~(size_t)7,
					   .s = { s[0], s[1], s[2] } };
		if (p->format == EML_IMAGE_NV12) {
			a.row = f + (size_t)y * w;
			a.uv = f + w * (size_t)p->height + (size_t)(y / 2) * w;
		} else {
			a.row = f + (size_t)y * w * 2;
		}
		op->hpass(&a);
		done = a.n;
	}
	hpass_c(op, f, y, done, (size_t)p->out_w, s);
}

/* One output row's channel from its intensities v through the channel's table. */
static void store_u8(const uint8_t *restrict v, size_t n, const uint8_t *restrict lut,
		     uint8_t *restrict y, size_t step)
{
	for (size_t i = 0; i < n; i++)
		y[i * step] = lut[v[i]];
}

static void store_f32(const uint8_t *restrict v, size_t n, const float *restrict lut,
		      float *restrict y, size_t step)
{
	for (size_t i = 0; i < n; i++)
		y[i * step] = lut[v[i]];
}

/* Output rows [task * rows_per_task, ...) of one run. */
static void image_task(void *arg, uint32_t task, uint32_t thread)
{
	const image_run *r = arg;
	const image_op *op = r->op;
	const eml_image_params *p = &op->p;
	size_t ow = (size_t)p->out_w, plane = ow * (size_t)p->out_h;
	int32_t *buf = (int32_t *)(void *)r->scratch[thread];
	int32_t *rows[2][3];
	int32_t tag[2] = { -1, -1 };
	for (int b = 0; b < 2; b++)
		for (int c = 0; c < 3; c++)
			rows[b][c] = buf + ((size_t)b * 3 + (size_t)c) * ow;
	uint8_t *v = (uint8_t *)(buf + 6 * ow);
	uint32_t y0 = task * op->rows_per_task, y1 = y0 + op->rows_per_task;
	if (y1 > (uint32_t)p->out_h)
		y1 = (uint32_t)p->out_h;
	for (uint32_t oy = y0; oy < y1; oy++) {
		const eml_image_tap *t = &op->ty[oy];
		int32_t want[2] = { t->lo, t->hi };
		int have[2];
		for (int k = 0; k < 2; k++) {
			have[k] = tag[0] == want[k] ? 0 : tag[1] == want[k] ? 1 : -1;
			if (have[k] >= 0)
				continue;
			/* the buffer the other row does not need */
			int slot = k == 1 && have[0] == 0   ? 1
				   : k == 1 && have[0] == 1 ? 0
							    : (tag[0] == want[1 - k] ? 1 : 0);
			hpass(op, r->frame, p->crop_y + want[k], rows[slot]);
			tag[slot] = want[k];
			have[k] = slot;
		}
		int32_t *const *s0 = rows[have[0]], *const *s1 = rows[have[1]];
		size_t at = (size_t)oy * ow;
		for (int c = 0; c < 3; c++) {
			int src = p->bgr ? 2 - c : c;
			/* element i goes to y + i * step */
			size_t first = p->nhwc ? at * 3 + (size_t)c : (size_t)c * plane + at;
			size_t step = p->nhwc ? 3 : 1;
			op->vmix(s0[src], s1[src], ow, t->w0, t->w1, v);
			if (p->out_dtype == EDGEML_DTYPE_FLOAT32)
				store_f32(v, ow, op->lutf[c], (float *)r->y + first, step);
			else
				store_u8(v, ow, op->lut8[c], (uint8_t *)r->y + first, step);
		}
	}
}

static edgeml_status image_run_op(const eml_fast_op *base, const eml_kernel_ctx *ctx,
				  const eml_fast_env *env)
{
	const image_op *op = (const image_op *)base;
	image_run r = { op, ctx->in_data[0], ctx->out_data[0], env->scratch };
	size_t work = (size_t)op->p.out_w * (size_t)op->p.out_h * 16;
	uint32_t tasks = ((uint32_t)op->p.out_h + op->rows_per_task - 1) / op->rows_per_task;
	eml_threadpool_run(eml_fast_pool(env, work), image_task, &r, tasks);
	return EDGEML_OK;
}

/* Portable vertical pass, for levels without a micro-kernel. */
static void vmix_c(const int32_t *a, const int32_t *b, size_t n, int32_t w0, int32_t w1,
		   uint8_t *v)
{
	for (size_t j = 0; j < n; j++)
		v[j] = (uint8_t)eml_image_vmix(a[j], b[j], w0, w1);
}

edgeml_status eml_fast_image_prepare(const eml_kernel_ctx *ctx, eml_isa isa, uint32_t threads,
				     eml_fast_op **out)
{
	eml_op_params tmp;
	const eml_op_params *prm;
	if (eml_node_params(NULL, ctx->node, ctx->in, &tmp, &prm) != EDGEML_OK)
		return EDGEML_OK; /* the reference reports it */
	eml_image_params p = prm->image;
	image_op *op = calloc(1, sizeof(*op));
	size_t ow = (size_t)p.out_w, oh = (size_t)p.out_h;
	if (op) {
		op->x0 = malloc(ow * sizeof(*op->x0));
		op->x1 = malloc(ow * sizeof(*op->x1));
		op->xw = malloc(ow * sizeof(*op->xw));
		op->ty = malloc(oh * sizeof(*op->ty));
	}
	if (!op || !op->x0 || !op->x1 || !op->xw || !op->ty) {
		if (op)
			image_destroy(&op->base);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for an image preprocess");
	}
	op->p = p;
	const eml_cpu_kernels *k = eml_cpu_kernels_for(isa);
	op->hpass = p.format == EML_IMAGE_NV12 || p.format == EML_IMAGE_YUYV ? k->image_hpass : NULL;
	op->vmix = k->image_vmix ? k->image_vmix : vmix_c;
	size_t w = (size_t)p.width;
	for (size_t i = 0; i < ow; i++) {
		eml_image_tap t;
		eml_image_axis_tap(&p, 1, p.crop_w, p.out_w, (int32_t)i, &t);
		op->x0[i] = p.crop_x + t.lo;
		op->x1[i] = p.crop_x + t.hi;
		op->xw[i] = (uint32_t)t.w0 | (uint32_t)t.w1 << 16;
		/* columns are in increasing order: the micro-kernel takes a prefix */
		size_t end = p.format == EML_IMAGE_NV12 ? (size_t)op->x0[i] + 4
						       : ((size_t)(op->x1[i] & ~1) + 2) * 2;
		if (op->hpass && end <= (p.format == EML_IMAGE_NV12 ? w : 2 * w) &&
		    op->hpass_n == i)
			op->hpass_n = i + 1;
	}
	for (size_t i = 0; i < oh; i++)
		eml_image_axis_tap(&p, 0, p.crop_h, p.out_h, (int32_t)i, &op->ty[i]);
	for (int c = 0; c < 3; c++)
		for (int v = 0; v < 256; v++) {
			int32_t q = 0;
			eml_image_normalize(&p, c, v, &op->lutf[c][v], &q);
			op->lut8[c][v] = (uint8_t)q;
		}
	/* a row block per task: about EML_FAST_TASKS_PER_THREAD tasks per thread */
	size_t tasks = (size_t)(threads ? threads : 1) * EML_FAST_TASKS_PER_THREAD;
	uint32_t per = (uint32_t)(oh / tasks);
	op->rows_per_task = per < 8 ? 8 : per;
	const char *name = k->image_name ? k->image_name : "u8-image";
	/* per thread: two rows of three sum planes, and a row of intensities */
	op->base = (eml_fast_op){ image_run_op, image_destroy, name,
				  ow * 6 * sizeof(int32_t) + ow, 0 };
	*out = &op->base;
	return EDGEML_OK;
}
