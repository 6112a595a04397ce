/* test_image.c — ImagePreprocess: the fast kernel (every level this CPU runs, 1 and 3
 * threads) against the reference byte for byte over random formats, frame sizes, crops,
 * output sizes, layouts, channel orders and output types; hand-checked pixels of the rule;
 * and the errors for bad parameters. (The rule against OpenCV itself: tests/image/.) */
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
#include "cpu/ref/ref.h"
#include "ops/image_params.h"
#include "ops/ops.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

/* xorshift64*: deterministic test data. */
static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* One ImagePreprocess node and its frame. */
typedef struct icase {
	eml_node node;
	eml_attr attrs[16];
	int64_t crop[4], size[2];
	float mean[3], std[3];
	uint32_t in_idx[1], out_idx[1];
	eml_tensor x, y;
	const eml_tensor *inp[EML_INFER_MIN_IN_SLOTS];
	uint8_t *frame;
} icase;

static void ic_attr(icase *c, eml_attr a)
{
	assert_true(c->node.n_attrs < 16);
	c->attrs[c->node.n_attrs++] = a;
}

static void ic_str(icase *c, const char *name, const char *v)
{
	ic_attr(c, (eml_attr){ .name = name, .type = EML_ATTR_STRING, .count = (uint32_t)strlen(v),
			       .s = v });
}

static void ic_int(icase *c, const char *name, int64_t v)
{
	ic_attr(c, (eml_attr){ .name = name, .type = EML_ATTR_INT, .i = v });
}

/* Starts a node for a fmt frame of w x h to an oh x ow output, with a frame of random
 * bytes (or absent when only inference is tested). */
static void ic_init(icase *c, const char *fmt, int64_t w, int64_t h, int64_t oh, int64_t ow)
{
	memset(c, 0, sizeof(*c));
	c->node.name = "pre";
	c->node.op = EML_OP_ImagePreprocess;
	c->node.attrs = c->attrs;
	c->node.inputs = c->in_idx;
	c->node.outputs = c->out_idx;
	c->node.n_inputs = 1;
	c->node.n_outputs = 1;
	c->x.name = "frame";
	c->x.dtype = EDGEML_DTYPE_UINT8;
	c->x.flags = EML_TF_INPUT;
	c->y.name = "image";
	c->inp[0] = &c->x;
	ic_str(c, "format", fmt);
	ic_int(c, "width", w);
	ic_int(c, "height", h);
	c->size[0] = oh;
	c->size[1] = ow;
	ic_attr(c, (eml_attr){ .name = "size", .type = EML_ATTR_INTS, .count = 2,
			       .ints = c->size });
	int nv12 = strcmp(fmt, "nv12") == 0;
	c->x.rank = nv12 ? 2 : 3;
	c->x.dims[0] = nv12 ? h * 3 / 2 : h;
	c->x.dims[1] = w;
	c->x.dims[2] = strcmp(fmt, "yuyv") == 0 ? 2 : 3;
}

static void ic_crop(icase *c, int64_t x, int64_t y, int64_t w, int64_t h)
{
	c->crop[0] = x;
	c->crop[1] = y;
	c->crop[2] = w;
	c->crop[3] = h;
	ic_attr(c, (eml_attr){ .name = "crop", .type = EML_ATTR_INTS, .count = 4, .ints = c->crop });
}

static void ic_norm(icase *c, const float *mean, const float *std, uint32_t n)
{
	memcpy(c->mean, mean, n * sizeof(float));
	memcpy(c->std, std, n * sizeof(float));
	ic_attr(c, (eml_attr){ .name = "mean", .type = EML_ATTR_FLOATS, .count = n,
			       .floats = c->mean });
	ic_attr(c, (eml_attr){ .name = "std", .type = EML_ATTR_FLOATS, .count = n,
			       .floats = c->std });
}

/* Fills the frame with random bytes. */
static void ic_frame(icase *c)
{
	size_t n = (size_t)eml_tensor_bytes(&c->x);
	c->frame = test_malloc(n);
	for (size_t i = 0; i < n; i++)
		c->frame[i] = (uint8_t)rnd();
}

/* Runs the reference into a new buffer (test_free it). */
static uint8_t *ic_ref(icase *c, size_t *bytes)
{
	if (eml_op_infer(&c->node, c->inp, &c->y) != EDGEML_OK)
		fail_msg("infer: %s", edgeml_last_error());
	*bytes = (size_t)eml_tensor_bytes(&c->y);
	uint8_t *out = test_malloc(*bytes);
	memset(out, 0xa5, *bytes);
	const eml_tensor *outp[1] = { &c->y };
	const void *in_data[1] = { c->frame };
	void *out_data[1] = { out };
	eml_kernel_ctx ctx = { &c->node, c->inp, outp, in_data, out_data };
	assert_int_equal(eml_ref_kernel(EML_OP_ImagePreprocess)(&ctx), EDGEML_OK);
	return out;
}

/* The fast kernel of isa on threads threads must give the reference's bytes. */
static void ic_check(icase *c, eml_isa isa, uint32_t threads, const char *what)
{
	size_t bytes;
	uint8_t *want = ic_ref(c, &bytes), *got = test_malloc(bytes);
	memset(got, 0x5a, bytes);
	const eml_tensor *outp[1] = { &c->y };
	const void *in_data[1] = { c->frame };
	void *out_data[1] = { got };
	eml_kernel_ctx ctx = { &c->node, c->inp, outp, in_data, out_data };
	eml_fast_op *op = NULL;
	assert_int_equal(eml_fast_prepare(&ctx, isa, threads, &op), EDGEML_OK);
	if (!op)
		fail_msg("%s: no fast kernel at %s", what, eml_isa_name(isa));
	eml_threadpool *pool = NULL;
	if (threads > 1)
		assert_int_equal(eml_threadpool_create(threads, NULL, 0, &pool), EDGEML_OK);
	uint8_t *scratch[4] = { 0 };
	for (uint32_t t = 0; t < threads; t++)
		scratch[t] = test_malloc(op->scratch + 64);
	eml_fast_env env = { pool, scratch, NULL };
	assert_int_equal(op->run(op, &ctx, &env), EDGEML_OK);
	for (size_t i = 0; i < bytes; i++)
		if (got[i] != want[i])
			fail_msg("%s [%s, %u threads, %s]: byte %zu of %zu: got %d, want %d", what,
				 eml_isa_name(isa), threads, op->kernel, i, bytes, got[i], want[i]);
	for (uint32_t t = 0; t < threads; t++)
		test_free(scratch[t]);
	eml_threadpool_destroy(pool);
	eml_fast_destroy(op);
	test_free(want);
	test_free(got);
}

/* Random cases: every format, crop or not, up- and downscaling, both resizes, layouts,
 * channel orders and output types; frames up to 1280 wide so that big outputs use the pool. */
static void test_fast_matches_reference(void **state)
{
	(void)state;
	static const char *const fmts[] = { "nv12", "yuyv", "rgb24", "bgr24" };
	static const char *const types[] = { "float32", "uint8", "int8" };
	eml_isa levels[EML_ISA_COUNT];
	uint32_t nl = 0;
	for (int i = 1; i < EML_ISA_COUNT; i++)
		if (eml_isa_supported((eml_isa)i))
			levels[nl++] = (eml_isa)i;
	if (nl == 0)
		skip();
	char what[256];
	for (int i = 0; i < 80; i++) {
		const char *fmt = fmts[i % 4];
		int big = i % 10 == 9;
		int64_t w = 2 * (1 + rnd() % (big ? 640 : 40));
		int64_t h = 2 * (1 + rnd() % (big ? 360 : 30));
		int64_t oh = 1 + rnd() % (big ? 400 : 70), ow = 1 + rnd() % (big ? 400 : 70);
		icase c;
		ic_init(&c, fmt, w, h, oh, ow);
		int64_t cx = 0, cy = 0, cw = w, ch = h;
		if (rnd() % 2) {
			cx = rnd() % (uint32_t)w;
			cy = rnd() % (uint32_t)h;
			cw = 1 + rnd() % (uint32_t)(w - cx);
			ch = 1 + rnd() % (uint32_t)(h - cy);
			ic_crop(&c, cx, cy, cw, ch);
		}
		const char *resize = rnd() % 3 ? "bilinear" : "nearest";
		const char *type = types[rnd() % 3];
		ic_str(&c, "resize", resize);
		ic_str(&c, "layout", rnd() % 2 ? "nchw" : "nhwc");
		ic_str(&c, "channel_order", rnd() % 2 ? "rgb" : "bgr");
		ic_str(&c, "output_type", type);
		if (type[0] != 'f') {
			c.attrs[c.node.n_attrs++] = (eml_attr){
				.name = "output_scale", .type = EML_ATTR_FLOAT,
				.f = 0.005f + (float)(rnd() % 100) / 2000.0f };
			int64_t zp = (int64_t)(rnd() % 256) - (type[0] == 'u' ? 0 : 128);
			ic_int(&c, "output_zero_point", zp);
		}
		ic_norm(&c, (const float[]){ 0.485f, 0.456f, 0.406f },
			(const float[]){ 0.229f, 0.224f, 0.225f }, 3);
		ic_frame(&c);
		snprintf(what, sizeof(what), "%s %lldx%lld crop %lld,%lld %lldx%lld -> %lldx%lld %s %s",
			 fmt, (long long)w, (long long)h, (long long)cx, (long long)cy, (long long)cw,
			 (long long)ch, (long long)ow, (long long)oh, resize, type);
		for (uint32_t l = 0; l < nl; l++)
			ic_check(&c, levels[l], 1 + (uint32_t)(i % 2) * 2, what);
		test_free(c.frame);
	}
}

/* The rule on a 2x2 NV12 frame (one chroma sample, BT.601 red: U 90, V 240) at 1:1, uint8
 * output of scale 1/255 (so the RGB values themselves): what OpenCV 4.6's cvtColor
 * (COLOR_YUV2RGB_NV12) gives for it, saturation included. */
static void test_rule_by_hand(void **state)
{
	(void)state;
	static const uint8_t want[12] = { 179, 0, 0, 255, 179, 178, 254, 0, 0, 255, 74, 73 };
	icase c;
	ic_init(&c, "nv12", 2, 2, 2, 2);
	ic_str(&c, "layout", "nhwc");
	ic_str(&c, "output_type", "uint8");
	c.attrs[c.node.n_attrs++] = (eml_attr){ .name = "output_scale", .type = EML_ATTR_FLOAT,
						.f = 1.0f / 255.0f };
	c.frame = test_malloc(6);
	memcpy(c.frame, (const uint8_t[]){ 16, 235, 81, 145, 90, 240 }, 6);
	size_t bytes;
	uint8_t *got = ic_ref(&c, &bytes);
	assert_int_equal(bytes, 12);
	for (int i = 0; i < 12; i++)
		if (got[i] != want[i])
			fail_msg("byte %d: got %d, want OpenCV's %d", i, got[i], want[i]);
	test_free(got);
	test_free(c.frame);
}

/* Expects infer to fail with st and a message containing text. */
static void expect_error(icase *c, edgeml_status st, const char *text)
{
	edgeml_status got = eml_op_infer(&c->node, c->inp, &c->y);
	if (got != st || !strstr(edgeml_last_error(), text))
		fail_msg("want status %d with '%s', got %d: %s", st, text, got, edgeml_last_error());
}

static void test_bad_parameters(void **state)
{
	(void)state;
	icase c;
	ic_init(&c, "nv12", 1281, 720, 224, 224);
	expect_error(&c, EDGEML_ERR_FORMAT, "even width and height");
	ic_init(&c, "nv12", 1280, 721, 224, 224);
	expect_error(&c, EDGEML_ERR_FORMAT, "even width and height");
	ic_init(&c, "yuyv", 641, 480, 224, 224);
	expect_error(&c, EDGEML_ERR_FORMAT, "even width");
	ic_init(&c, "nv12", 1280, 720, 224, 224);
	ic_crop(&c, 1000, 0, 281, 720);
	expect_error(&c, EDGEML_ERR_FORMAT, "inside the 1280x720 frame");
	ic_init(&c, "nv12", 1280, 720, 224, 224);
	ic_crop(&c, -1, 0, 10, 10);
	expect_error(&c, EDGEML_ERR_FORMAT, "crop");
	ic_init(&c, "rgb24", 64, 48, 224, 224);
	ic_crop(&c, 0, 0, 0, 10);
	expect_error(&c, EDGEML_ERR_FORMAT, "non-empty");
	ic_init(&c, "rgb24", 64, 48, 224, 224);
	ic_norm(&c, (const float[]){ 0.5f, 0.5f, 0.5f }, (const float[]){ 0.2f, 0.0f, 0.2f }, 3);
	expect_error(&c, EDGEML_ERR_FORMAT, "'std'[1] is 0");
	ic_init(&c, "rgb24", 64, 48, 224, 224);
	ic_norm(&c, (const float[]){ 0.5f, 0.5f }, (const float[]){ 0.2f, 0.2f }, 2);
	expect_error(&c, EDGEML_ERR_FORMAT, "has 2 values");
	ic_init(&c, "i420", 64, 48, 224, 224);
	expect_error(&c, EDGEML_ERR_UNSUPPORTED, "'i420'");
	ic_init(&c, "rgb24", 64, 48, 0, 224);
	expect_error(&c, EDGEML_ERR_FORMAT, "'size'");
	ic_init(&c, "rgb24", 64, 48, 224, 224);
	ic_str(&c, "output_type", "int8");
	expect_error(&c, EDGEML_ERR_FORMAT, "output_scale");
	ic_init(&c, "rgb24", 64, 48, 224, 224);
	ic_str(&c, "resize", "bicubic");
	expect_error(&c, EDGEML_ERR_UNSUPPORTED, "bilinear or nearest");
	ic_init(&c, "yuyv", 64, 48, 224, 224);
	c.x.dims[2] = 3; /* the frame tensor does not match the format */
	expect_error(&c, EDGEML_ERR_SHAPE, "yuyv 64x48 frame");
	ic_init(&c, "rgb24", 64, 48, 224, 224);
	c.x.dtype = EDGEML_DTYPE_FLOAT32;
	assert_true(eml_op_infer(&c.node, c.inp, &c.y) != EDGEML_OK);
	assert_true(strstr(edgeml_last_error(), "input X") != NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_matches_reference),
		cmocka_unit_test(test_rule_by_hand),
		cmocka_unit_test(test_bad_parameters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
