/* test_f32_channel_ops.c — the fast Relu, BatchNormalization, Pad and linear Resize operators
 * (frelu.c, fbatchnorm.c, pad.c, resize.c) against the reference kernels bit for bit, on every ISA level this CPU
 * runs (they take no micro-kernel, so one result per level): ragged sizes from one element
 * to several tasks, special values (NaN, infinities, -0, subnormals), in place, one thread
 * and a pool; Pad with positive, zero and negative (cropping) pads on every axis, a fill
 * value, and one and eight-byte elements. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/fast_ops.h"
#include "cpu/isa.h"
#include "cpu/kernels.h"
#include "cpu/ref/ref.h"
#include "ops/ops.h"

#define MAX_IN 5
#define KCASE_SEED 0x9e3779b97f4a7c15ull

#include "kernel_case.h"

/* A random float: mostly in [-2, 2), specials at rate 1 / special when special is not 0. */
static float rnd_f(uint32_t special)
{
	if (special && rnd() % special == 0) {
		static const float v[] = { 0.0f, -0.0f, 1e-40f, -1e-40f, INFINITY, -INFINITY, NAN };
		return v[rnd() % (sizeof(v) / sizeof(v[0]))];
	}
	return (float)((int32_t)(rnd() % 65536) - 32768) / 16384.0f;
}

/* Appends an input of dtype and dims: floats by rnd_f(special), other types random bytes;
 * constant when asked (data then also in the tensor). Returns its data. */
static void *kc_in(kcase *c, edgeml_dtype dtype, uint32_t rank, const int64_t *dims,
		   int constant, uint32_t special)
{
	uint32_t k = c->node.n_inputs++;
	eml_tensor *t = &c->in[k];
	t->name = "in";
	t->dtype = dtype;
	t->rank = rank;
	for (uint32_t i = 0; i < rank; i++)
		t->dims[i] = dims[i];
	t->flags = constant ? EML_TF_CONSTANT : EML_TF_INPUT;
	size_t n = (size_t)eml_tensor_numel(t), es = edgeml_dtype_size(dtype);
	uint8_t *d = test_malloc(n * es + 64);
	for (size_t i = 0; i < n; i++) {
		if (dtype == EDGEML_DTYPE_FLOAT32) {
			float v = rnd_f(special);
			memcpy(d + i * 4, &v, 4);
		} else {
			for (size_t b = 0; b < es; b++)
				d[i * es + b] = (uint8_t)rnd();
		}
	}
	t->data = constant ? d : NULL;
	t->data_size = n * es;
	c->in_idx[k] = k;
	c->inp[k] = t;
	c->in_data[k] = d;
	c->owned[k] = d;
	return d;
}

/* Prepares the fast op of the case at isa (NULL when none applies). */
static eml_fast_op *kc_prepare(kcase *c, eml_isa isa, uint32_t threads)
{
	if (eml_op_infer(&c->node, c->inp, &c->out) != EDGEML_OK)
		fail_msg("infer: %s", edgeml_last_error());
	const eml_tensor *outp[1] = { &c->out };
	void *out_data[1] = { NULL };
	eml_kernel_ctx ctx = { &c->node, c->inp, outp, c->in_data, out_data };
	eml_fast_op *op = NULL;
	assert_int_equal(eml_fast_prepare(&ctx, isa, threads, &op), EDGEML_OK);
	return op;
}

/* Runs the reference and the fast op (kernel kind) of isa on threads threads, twice, and
 * compares the outputs byte for byte; in place (output over input 0) when in_place. */
static void kc_check(kcase *c, eml_isa isa, uint32_t threads, const char *kind, int in_place,
		     const char *what)
{
	eml_fast_op *op = kc_prepare(c, isa, threads);
	if (!op)
		fail_msg("%s: no fast kernel at %s", what, eml_isa_name(isa));
	if (strcmp(op->kernel, kind) != 0)
		fail_msg("%s: kernel %s, want %s", what, op->kernel, kind);
	size_t bytes = (size_t)eml_tensor_numel(&c->out) * edgeml_dtype_size(c->out.dtype);
	size_t in_bytes = c->in[0].data_size;
	uint8_t *want = test_malloc(bytes + 4), *got = test_malloc(bytes + 4);
	uint8_t *x0 = test_malloc(in_bytes + 4);
	memcpy(x0, c->in_data[0], in_bytes);
	memset(want, 0xa5, bytes + 4);
	const eml_tensor *outp[1] = { &c->out };
	void *out_want[1] = { want };
	eml_kernel_ctx ref = { &c->node, c->inp, outp, c->in_data, out_want };
	assert_int_equal(eml_ref_kernel(c->node.op)(&ref), EDGEML_OK);
	eml_threadpool *pool = NULL;
	if (threads > 1)
		assert_int_equal(eml_threadpool_create(threads, NULL, 0, &pool), EDGEML_OK);
	uint8_t *scratch[8] = { 0 };
	for (uint32_t t = 0; t < threads; t++)
		scratch[t] = test_malloc(op->scratch + 64);
	uint8_t *shared = test_malloc(op->shared + 64);
	eml_fast_env env = { pool, scratch, shared };
	for (int round = 0; round < 2; round++) {
		memset(got, 0x5a, bytes + 4);
		const void *in_data[MAX_IN];
		memcpy(in_data, c->in_data, sizeof(in_data));
		if (in_place) {
			memcpy(got, x0, in_bytes);
			in_data[0] = got;
		}
		void *out_got[1] = { got };
		eml_kernel_ctx fast = { &c->node, c->inp, outp, in_data, out_got };
		assert_int_equal(op->run(op, &fast, &env), EDGEML_OK);
		for (size_t i = 0; i < bytes + 4; i++)
			if (got[i] != (i < bytes ? want[i] : 0x5a))
				fail_msg("%s [%s, %u threads%s]: byte %zu of %zu: got %02x, want "
					 "%02x",
					 what, eml_isa_name(isa), threads, in_place ? ", in place" : "",
					 i, bytes, got[i], i < bytes ? want[i] : 0x5a);
	}
	assert_memory_equal(c->in_data[0], x0, in_bytes);
	for (uint32_t t = 0; t < threads; t++)
		test_free(scratch[t]);
	test_free(shared);
	eml_threadpool_destroy(pool);
	eml_fast_destroy(op);
	test_free(want);
	test_free(got);
	test_free(x0);
}

/* Relu: rank 1 to 4, 1 to ~100000 elements. */
static void test_frelu(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[128];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 120; it++) {
			int64_t d[4] = { 1 + rnd() % 3, 1 + rnd() % 17, 1 + rnd() % 23,
					 it % 10 == 0 ? 2000 : 1 + rnd() % 29 };
			uint32_t rank = 1 + it % 4;
			kcase c;
			kc_init(&c, EML_OP_Relu);
			kc_in(&c, EDGEML_DTYPE_FLOAT32, rank, &d[4 - rank], 0, it % 2 ? 5 : 0);
			snprintf(what, sizeof(what), "relu rank %u, %lld elements", rank,
				 (long long)eml_tensor_numel(&c.in[0]));
			kc_check(&c, levels[l], 1 + (it % 2) * 2, "f32-relu", it % 3 == 0, what);
			kc_free(&c);
		}
	}
}

/* BatchNormalization: rank 2 to 5, random parameters (var >= 0, some specials in x and
 * in the parameters), epsilon default or given; a run-time scale stays on the reference. */
static void test_fbatchnorm(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	char what[128];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 120; it++) {
			int64_t d[5] = { 1 + rnd() % 2, 1 + rnd() % 40, 1 + rnd() % 20,
					 it % 10 == 0 ? 700 : 1 + rnd() % 30, 1 + rnd() % 3 };
			uint32_t rank = 2 + it % 4;
			kcase c;
			kc_init(&c, EML_OP_BatchNormalization);
			kc_in(&c, EDGEML_DTYPE_FLOAT32, rank, d, 0, it % 3 == 0 ? 6 : 0);
			for (int k = 0; k < 4; k++) {
				float *p = kc_in(&c, EDGEML_DTYPE_FLOAT32, 1, &d[1], 1,
						 it % 5 == 0 ? 9 : 0);
				for (int64_t i = 0; k == 3 && i < d[1]; i++)
					p[i] = isnan(p[i]) ? p[i] : fabsf(p[i]);
			}
			if (it % 2)
				kc_float(&c, "epsilon", it % 4 == 1 ? 1e-3f : 0.0f);
			snprintf(what, sizeof(what), "batchnorm rank %u %lldx%lldx%lld", rank,
				 (long long)d[0], (long long)d[1], (long long)d[2]);
			kc_check(&c, levels[l], 1 + (it % 2) * 2, "f32-batchnorm", it % 3 == 1,
				 what);
			kc_free(&c);
		}
		kcase c;
		kc_init(&c, EML_OP_BatchNormalization);
		int64_t d[4] = { 1, 8, 3, 3 };
		kc_in(&c, EDGEML_DTYPE_FLOAT32, 4, d, 0, 0);
		kc_in(&c, EDGEML_DTYPE_FLOAT32, 1, &d[1], 0, 0);
		for (int k = 0; k < 3; k++)
			kc_in(&c, EDGEML_DTYPE_FLOAT32, 1, &d[1], 1, 0);
		assert_null(kc_prepare(&c, levels[l], 1));
		kc_free(&c);
	}
}

/* Appends Pad's constant int64 pads input. */
static void pad_pads(kcase *c, uint32_t rank, const int64_t *pads)
{
	int64_t n = 2 * rank;
	int64_t *p = kc_in(c, EDGEML_DTYPE_INT64, 1, &n, 1, 0);
	memcpy(p, pads, (size_t)n * sizeof(int64_t));
}

/* Pad, constant mode: rank 1 to 4, each axis's pads in [-1, 3] (zero half the time), with
 * and without a fill value; float, uint8 and int64 data; reflect and edge stay on the
 * reference. */
static void test_pad(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const edgeml_dtype types[] = { EDGEML_DTYPE_FLOAT32, EDGEML_DTYPE_UINT8,
					      EDGEML_DTYPE_INT64 };
	char what[160];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 300; it++) {
			uint32_t rank = 1 + it % 4;
			int64_t d[4] = { 0 }, pads[8] = { 0 };
			for (uint32_t k = 0; k < rank; k++) {
				d[k] = 3 + rnd() % 9;
				pads[k] = rnd() % 2 ? 0 : (int64_t)(rnd() % 5) - 1;
				pads[rank + k] = rnd() % 2 ? 0 : (int64_t)(rnd() % 5) - 1;
			}
			if (it % 7 == 0)
				memset(pads, 0, sizeof(pads));
			edgeml_dtype t = types[it % 3];
			kcase c;
			kc_init(&c, EML_OP_Pad);
			kc_in(&c, t, rank, d, 0, 0);
			pad_pads(&c, rank, pads);
			if (it % 4 == 1) {
				int64_t one = 1;
				kc_in(&c, t, 0, &one, 0, 0);
			}
			snprintf(what, sizeof(what),
				 "pad type %d rank %u dims %lld %lld %lld %lld pads %lld %lld %lld "
				 "%lld %lld %lld %lld %lld",
				 (int)t, rank, (long long)d[0], (long long)d[1], (long long)d[2],
				 (long long)d[3], (long long)pads[0], (long long)pads[1],
				 (long long)pads[2], (long long)pads[3], (long long)pads[4],
				 (long long)pads[5], (long long)pads[6], (long long)pads[7]);
			kc_check(&c, levels[l], 1, "pad-rows", 0, what);
			kc_free(&c);
		}
		kcase c;
		kc_init(&c, EML_OP_Pad);
		int64_t d[2] = { 4, 5 };
		kc_in(&c, EDGEML_DTYPE_FLOAT32, 2, d, 0, 0);
		pad_pads(&c, 2, (int64_t[]){ 1, 2, 1, 2 });
		c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "mode", .type = EML_ATTR_STRING,
							.s = "reflect" };
		assert_null(kc_prepare(&c, levels[l], 1));
		kc_free(&c);
	}
}

/* Resize, mode linear, float: rank 2 to 4, the last two axes up- or downsampled by scales
 * (or sizes) with every coordinate transformation, specials in the data; resizing another
 * axis stays on the reference. */
static void test_fresize_linear(void **state)
{
	(void)state;
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = fast_levels(levels);
	if (nl == 0)
		skip();
	static const float factors[] = { 0.5f, 0.75f, 1.0f, 1.5f, 2.0f, 2.5f, 3.0f, 8.0f, 0.3f };
	static const char *const coords[] = { "half_pixel", "pytorch_half_pixel", "align_corners",
					      "asymmetric" };
	char what[160];
	for (uint32_t l = 0; l < nl; l++) {
		for (int it = 0; it < 160; it++) {
			uint32_t rank = 2 + it % 3;
			int64_t d[4] = { 1 + rnd() % 2, 1 + rnd() % 5, 1 + rnd() % 13,
					 it % 16 == 0 ? 300 : 1 + rnd() % 17 };
			const int64_t *dims = &d[4 - rank];
			float sc[4] = { 1.0f, 1.0f, 1.0f, 1.0f };
			sc[rank - 2] = factors[rnd() % 9];
			sc[rank - 1] = factors[rnd() % 9];
			int64_t sizes[4];
			for (uint32_t k = 0; k < rank; k++) {
				sizes[k] = (int64_t)((float)dims[k] * sc[k]);
				sizes[k] = sizes[k] < 1 ? 1 : sizes[k];
				sc[k] = (float)sizes[k] / (float)dims[k];
			}
			kcase c;
			kc_init(&c, EML_OP_Resize);
			kc_in(&c, EDGEML_DTYPE_FLOAT32, rank, dims, 0, it % 3 == 0 ? 7 : 0);
			kc_absent(&c);
			int64_t r = rank;
			if (it % 4 == 3) {
				kc_absent(&c);
				int64_t *p = kc_in(&c, EDGEML_DTYPE_INT64, 1, &r, 1, 0);
				memcpy(p, sizes, (size_t)r * sizeof(int64_t));
			} else {
				float *p = kc_in(&c, EDGEML_DTYPE_FLOAT32, 1, &r, 1, 0);
				memcpy(p, sc, (size_t)r * sizeof(float));
			}
			c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "mode",
								.type = EML_ATTR_STRING,
								.s = "linear" };
			c.attrs[c.node.n_attrs++] = (eml_attr){
				.name = "coordinate_transformation_mode", .type = EML_ATTR_STRING,
				.s = coords[it % 4]
			};
			snprintf(what, sizeof(what),
				 "resize linear %s rank %u %lldx%lld -> %lldx%lld%s", coords[it % 4],
				 rank, (long long)dims[rank - 2], (long long)dims[rank - 1],
				 (long long)sizes[rank - 2], (long long)sizes[rank - 1],
				 it % 4 == 3 ? " (sizes)" : "");
			kc_check(&c, levels[l], 1 + (it % 2) * 2, "f32-resize-linear", 0, what);
			kc_free(&c);
		}
		/* a resized channel axis: the reference's */
		kcase c;
		kc_init(&c, EML_OP_Resize);
		int64_t d[4] = { 1, 2, 3, 3 }, four = 4;
		kc_in(&c, EDGEML_DTYPE_FLOAT32, 4, d, 0, 0);
		kc_absent(&c);
		float *p = kc_in(&c, EDGEML_DTYPE_FLOAT32, 1, &four, 1, 0);
		memcpy(p, (float[]){ 1.0f, 2.0f, 2.0f, 2.0f }, sizeof(float[4]));
		c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "mode", .type = EML_ATTR_STRING,
							.s = "linear" };
		assert_null(kc_prepare(&c, levels[l], 1));
		kc_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frelu),
		cmocka_unit_test(test_fbatchnorm),
		cmocka_unit_test(test_pad),
		cmocka_unit_test(test_fresize_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
