/* test_planner.c — the arena planner: liveness, no overlap of live tensors, view aliasing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "convert/eml_write.h"
#include "edgeml.h"
#include "ops/ops.h"
#include "planner.h"

#define MAX_T 64
#define MAX_N 48

/* A graph under construction, with room for the arrays eml_graph points to. */
typedef struct test_graph {
	eml_graph g;
	eml_tensor tensors[MAX_T];
	eml_node nodes[MAX_N];
	uint32_t io[MAX_N][8]; /* per node: inputs then outputs */
	uint32_t inputs[MAX_T], outputs[MAX_T];
} test_graph;

/* Deterministic pseudo-random numbers (xorshift32), so a failure reproduces. */
static uint32_t rnd(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* Adds a float32 tensor of n elements with the given flags; returns its index. */
static uint32_t add_tensor(test_graph *tg, int64_t n, uint32_t flags)
{
	uint32_t t = tg->g.n_tensors++;
	eml_tensor *d = &tg->tensors[t];
	*d = (eml_tensor){ .name = "t", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 1, .flags = flags };
	d->dims[0] = n;
	if (flags & EML_TF_INPUT)
		tg->inputs[tg->g.n_inputs++] = t;
	if (flags & EML_TF_OUTPUT)
		tg->outputs[tg->g.n_outputs++] = t;
	return t;
}

/* Adds a node of op with the given inputs and one output. */
static void add_node(test_graph *tg, uint32_t op, uint32_t n_in, const uint32_t *in, uint32_t out)
{
	uint32_t i = tg->g.n_nodes++;
	memcpy(tg->io[i], in, n_in * sizeof(uint32_t));
	tg->io[i][n_in] = out;
	tg->nodes[i] = (eml_node){ .name = "n",
				   .op = op,
				   .n_inputs = n_in,
				   .n_outputs = 1,
				   .inputs = tg->io[i],
				   .outputs = tg->io[i] + n_in };
}

/* Points the graph at its arrays. */
static void finish(test_graph *tg)
{
	tg->g.tensors = tg->tensors;
	tg->g.nodes = tg->nodes;
	tg->g.inputs = tg->inputs;
	tg->g.outputs = tg->outputs;
}

/* True when two half-open byte ranges share a byte. */
static int bytes_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return an && bn && a < b + bn && b < a + an;
}

/* Three equal buffers in a chain: the first and the third are never live together. */
static void test_place_chain(void **state)
{
	(void)state;
	eml_plan_buf b[3] = { { 100, 0, 1, 0 }, { 100, 1, 2, 0 }, { 100, 2, 3, 0 } };
	uint64_t arena;
	assert_int_equal(eml_plan_place(b, 3, 64, 0, &arena), EDGEML_OK);
	assert_int_equal(b[0].offset, 0);
	assert_int_equal(b[1].offset, 128);
	assert_int_equal(b[2].offset, 0);
	assert_int_equal(arena, 256);
}

/* The tightest gap wins over the lowest one. */
static void test_place_best_fit(void **state)
{
	(void)state;
	eml_plan_buf b[6] = {
		{ 256, 0, 9, 0 }, /* 0..256 */
		{ 192, 0, 0, 0 }, /* 256..448, dies at step 0 */
		{ 128, 0, 9, 0 }, /* 448..576 */
		{ 64, 0, 0, 0 },  /* 576..640, dies at step 0 */
		{ 64, 0, 9, 0 },  /* 640..704 */
		{ 64, 1, 9, 0 },  /* gaps at step 1: 256..448 and 576..640: the tighter one */
	};
	uint64_t arena;
	assert_int_equal(eml_plan_place(b, 6, 64, 0, &arena), EDGEML_OK);
	assert_int_equal(b[0].offset, 0);
	assert_int_equal(b[1].offset, 256);
	assert_int_equal(b[2].offset, 448);
	assert_int_equal(b[3].offset, 576);
	assert_int_equal(b[4].offset, 640);
	assert_int_equal(b[5].offset, 576);
	assert_int_equal(arena, 704);
}

/* Pages (the Vulkan backend's buffers of at most maxStorageBufferRange): a buffer that would
 * straddle a page's end starts the next page, smaller ones still fill the gap it leaves, and
 * buffers that are never live together still share memory; random cases keep
 * every buffer of at most a page inside one, aligned and apart from those live with it. */
static void test_place_pages(void **state)
{
	(void)state;
	eml_plan_buf c[3] = { { 100, 0, 1, 0 }, { 100, 1, 2, 0 }, { 100, 2, 3, 0 } };
	uint64_t arena;
	assert_int_equal(eml_plan_place(c, 3, 64, 256, &arena), EDGEML_OK);
	assert_int_equal(c[0].offset, 0);
	assert_int_equal(c[1].offset, 128);
	assert_int_equal(c[2].offset, 0);
	assert_int_equal(arena, 256);
	eml_plan_buf b[4] = {
		{ 192, 0, 9, 0 }, /* 0..192 */
		{ 128, 0, 9, 0 }, /* would be 192..320: 256..384 */
		{ 64, 0, 0, 0 },  /* 192..256, dies at step 0 */
		{ 128, 1, 9, 0 }, /* the gap 192..256 is too small: 384..512 */
	};
	assert_int_equal(eml_plan_place(b, 4, 64, 256, &arena), EDGEML_OK);
	assert_int_equal(b[0].offset, 0);
	assert_int_equal(b[1].offset, 256);
	assert_int_equal(b[2].offset, 192);
	assert_int_equal(b[3].offset, 384);
	assert_int_equal(arena, 512);
	assert_int_equal(eml_plan_place(b, 4, 64, 0, &arena), EDGEML_OK);
	assert_int_equal(b[1].offset, 192); /* without pages: straddles 256 */
	uint32_t seed = 777;
	uint64_t paged = 0, flat = 0;
	for (int round = 0; round < 300; round++) {
		eml_plan_buf r[40], q[40];
		uint32_t n = 1 + rnd(&seed) % 40;
		uint64_t page = 64 * (1 + rnd(&seed) % 128), naive = 0, plain;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t first = rnd(&seed) % 30;
			r[i].first = first;
			r[i].last = first + rnd(&seed) % 8;
			r[i].size = rnd(&seed) % 5 == 0 ? 0 : 1 + rnd(&seed) % 5000;
			naive += (r[i].size + 63) / 64 * 64 + page;
			q[i] = r[i];
		}
		assert_int_equal(eml_plan_place(r, n, 64, page, &arena), EDGEML_OK);
		assert_int_equal(eml_plan_place(q, n, 64, 0, &plain), EDGEML_OK);
		assert_true(arena <= naive);
		paged += arena;
		flat += plain;
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(r[i].offset % 64, 0);
			assert_true(r[i].offset + r[i].size <= arena);
			if (r[i].size && (r[i].size + 63) / 64 * 64 <= page)
				assert_int_equal(r[i].offset / page,
						 (r[i].offset + r[i].size - 1) / page);
			for (uint32_t j = i + 1; j < n; j++) {
				int live = r[i].first <= r[j].last && r[j].first <= r[i].last;
				if (live)
					assert_false(bytes_overlap(r[i].offset, r[i].size,
								   r[j].offset, r[j].size));
			}
		}
	}
	/* the pages cost little memory: all rounds together within a quarter */
	assert_true(paged <= flat + flat / 4);
}

/* Random intervals and sizes: buffers live at the same step never share a byte, offsets are
 * aligned and the arena is no larger than the sum of the sizes. */
static void test_place_random(void **state)
{
	(void)state;
	uint32_t seed = 12345;
	for (int round = 0; round < 300; round++) {
		eml_plan_buf b[40];
		uint32_t n = 1 + rnd(&seed) % 40;
		uint64_t naive = 0;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t first = rnd(&seed) % 30;
			b[i].first = first;
			b[i].last = first + rnd(&seed) % 8;
			b[i].size = rnd(&seed) % 5 == 0 ? 0 : 1 + rnd(&seed) % 5000;
			naive += (b[i].size + 63) / 64 * 64;
		}
		uint64_t arena;
		assert_int_equal(eml_plan_place(b, n, 64, 0, &arena), EDGEML_OK);
		assert_true(arena <= naive);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(b[i].offset % 64, 0);
			assert_true(b[i].offset + b[i].size <= arena);
			for (uint32_t j = i + 1; j < n; j++) {
				int live = b[i].first <= b[j].last && b[j].first <= b[i].last;
				if (live)
					assert_false(bytes_overlap(b[i].offset, b[i].size,
								   b[j].offset, b[j].size));
			}
		}
	}
}

/* The planner's first placement, quadratic in the buffers, kept as the oracle: the indexed
 * planner must give exactly its offsets (same best fit, same ties), so arenas never grow. */
static int ref_key_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b; /* size, first, index */
	if (x[0] != y[0])
		return x[0] > y[0] ? -1 : 1;
	if (x[1] != y[1])
		return x[1] < y[1] ? -1 : 1;
	return x[2] < y[2] ? -1 : (x[2] > y[2]);
}

static uint64_t ref_place(eml_plan_buf *bufs, uint32_t n, uint64_t align)
{
	uint64_t(*keys)[3] = malloc((n ? n : 1) * sizeof(*keys));
	uint32_t *placed = malloc((n ? n : 1) * sizeof(*placed));
	assert_non_null(keys);
	assert_non_null(placed);
	for (uint32_t i = 0; i < n; i++) {
		keys[i][0] = bufs[i].size;
		keys[i][1] = bufs[i].first;
		keys[i][2] = i;
	}
	qsort(keys, n, sizeof(*keys), ref_key_cmp);
	uint64_t end = 0;
	for (uint32_t k = 0; k < n; k++) {
		eml_plan_buf *b = &bufs[keys[k][2]];
		uint64_t size = (b->size + align - 1) & ~(align - 1);
		uint64_t prev_end = 0, best = UINT64_MAX, best_gap = UINT64_MAX;
		for (uint32_t j = 0; j < k; j++) {
			const eml_plan_buf *p = &bufs[placed[j]];
			if (p->last < b->first || p->first > b->last)
				continue;
			if (p->offset >= prev_end) {
				uint64_t gap = p->offset - prev_end;
				if (gap >= size && gap < best_gap) {
					best = prev_end;
					best_gap = gap;
				}
			}
			uint64_t p_end = p->offset + ((p->size + align - 1) & ~(align - 1));
			if (p_end > prev_end)
				prev_end = p_end;
		}
		b->offset = best != UINT64_MAX ? best : prev_end;
		if (b->offset + size > end)
			end = b->offset + size;
		uint32_t at = k;
		while (at > 0 && bufs[placed[at - 1]].offset > b->offset) {
			placed[at] = placed[at - 1];
			at--;
		}
		placed[at] = (uint32_t)keys[k][2];
	}
	free(keys);
	free(placed);
	return end;
}

/* Random buffers, short and long lived, many of equal size (ties): the planner's offsets and
 * arena are exactly the reference's. */
static void test_place_matches_reference(void **state)
{
	(void)state;
	uint32_t seed = 777;
	enum { MAX = 400 };
	eml_plan_buf *b = malloc(MAX * sizeof(*b)), *r = malloc(MAX * sizeof(*r));
	assert_non_null(b);
	assert_non_null(r);
	for (int round = 0; round < 400; round++) {
		uint32_t n = rnd(&seed) % MAX, steps = 1 + rnd(&seed) % 200;
		int dense = round % 3 == 0; /* most buffers live to the end, as into a Concat */
		for (uint32_t i = 0; i < n; i++) {
			uint32_t first = rnd(&seed) % steps;
			uint32_t span = rnd(&seed) % 4 == 0 ? rnd(&seed) % steps : rnd(&seed) % 4;
			if (dense && rnd(&seed) % 8 != 0)
				span = steps - first;
			b[i] = (eml_plan_buf){ .first = first, .last = first + span };
			b[i].size = rnd(&seed) % 3 == 0 ? 64u * (1 + rnd(&seed) % 4)
							 : rnd(&seed) % 10000;
		}
		memcpy(r, b, n * sizeof(*b));
		uint64_t arena, want = ref_place(r, n, 64);
		assert_int_equal(eml_plan_place(b, n, 64, 0, &arena), EDGEML_OK);
		assert_int_equal(arena, want);
		for (uint32_t i = 0; i < n; i++)
			assert_int_equal(b[i].offset, r[i].offset);
	}
	free(b);
	free(r);
}

/* n equal buffers: a chain, each live for two steps (a chain of Relus), or all live to the
 * end (n Relus into one Concat). */
static uint64_t place_work(uint32_t n, int dense)
{
	eml_plan_buf *b = malloc(n * sizeof(*b));
	assert_non_null(b);
	for (uint32_t i = 0; i < n; i++)
		b[i] = (eml_plan_buf){ .size = 4096, .first = i, .last = dense ? n : i + 1 };
	uint64_t arena;
	assert_int_equal(eml_plan_place(b, n, 64, 0, &arena), EDGEML_OK);
	assert_int_equal(arena, (dense ? n : 2) * 4096ull);
	free(b);
	return eml_plan_last_work();
}

/* Planning work grows as n log n: 4x the buffers cost about 4.5x the work (the treap's random
 * depth varies it by about 1x either way), n squared would be 16x; for a chain and for
 * buffers all live at once. */
static void test_place_work_n_log_n(void **state)
{
	(void)state;
	for (int dense = 0; dense < 2; dense++) {
		uint64_t w40 = place_work(40000, dense), w160 = place_work(160000, dense);
		print_message("%s of 40k buffers: %llu units of work, 160k: %llu (%.2fx)\n",
			      dense ? "all live" : "chain", (unsigned long long)w40,
			      (unsigned long long)w160, (double)w160 / (double)w40);
		assert_true(w160 <= 8 * w40);
		assert_true(w160 < 160000ull * 64);
	}
}

/* Seconds of CLOCK_MONOTONIC. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A model of n chained Relus, written to .eml, loaded, and a CPU session created and run:
 * session creation took 7.2 s at 160k nodes with the quadratic planner. */
static void relu_chain_session(uint32_t n, double *create_s)
{
	eml_tensor *t = calloc((size_t)n + 1, sizeof(*t));
	eml_node *nodes = calloc(n, sizeof(*nodes));
	uint32_t *io = malloc(((size_t)n + 1) * sizeof(*io));
	assert_non_null(t);
	assert_non_null(nodes);
	assert_non_null(io);
	char (*names)[16] = malloc(((size_t)n + 1) * sizeof(*names));
	assert_non_null(names);
	for (uint32_t i = 0; i <= n; i++) {
		snprintf(names[i], sizeof(names[i]), "t%u", i);
		t[i] = (eml_tensor){ .name = names[i], .dtype = EDGEML_DTYPE_FLOAT32, .rank = 1,
				     .flags = i == 0 ? EML_TF_INPUT : i == n ? EML_TF_OUTPUT : 0 };
		t[i].dims[0] = 16;
		io[i] = i;
	}
	for (uint32_t i = 0; i < n; i++)
		nodes[i] = (eml_node){ .name = "", .op = EML_OP_Relu, .n_inputs = 1,
				       .n_outputs = 1, .inputs = &io[i], .outputs = &io[i + 1] };
	uint32_t in = 0, out = n;
	eml_graph g = { .tensors = t, .n_tensors = n + 1, .nodes = nodes, .n_nodes = n,
			.inputs = &in, .n_inputs = 1, .outputs = &out, .n_outputs = 1 };
	void *image;
	size_t size;
	assert_int_equal(eml_write_memory(&g, &image, &size), EDGEML_OK);
	edgeml_model *m;
	edgeml_session *s;
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_CPU;
	if (edgeml_model_load_memory(NULL, image, size, &m) != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	double t0 = now_s();
	if (edgeml_session_create(m, &opt, &s) != EDGEML_OK)
		fail_msg("session: %s", edgeml_last_error());
	*create_s = now_s() - t0;
	edgeml_tensor *x, *y;
	assert_int_equal(edgeml_session_input(s, 0, &x), EDGEML_OK);
	assert_int_equal(edgeml_session_output(s, 0, &y), EDGEML_OK);
	float *xd = edgeml_tensor_data(x);
	for (int i = 0; i < 16; i++)
		xd[i] = (float)(i - 8);
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	const float *yd = edgeml_tensor_data(y);
	for (int i = 0; i < 16; i++)
		assert_float_equal(yd[i], i > 8 ? (float)(i - 8) : 0.0f, 0);
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	free(image);
	free(names);
	free(io);
	free(nodes);
	free(t);
}

static void test_relu_chain_session(void **state)
{
	(void)state;
	double c40, c160;
	relu_chain_session(40000, &c40);
	relu_chain_session(160000, &c160);
	print_message("session creation: 40k Relus %.3f s, 160k Relus %.3f s\n", c40, c160);
}

/* Sizes whose sum overflows are an error, not a wrapped arena. */
static void test_place_overflow(void **state)
{
	(void)state;
	eml_plan_buf b[2] = { { UINT64_MAX / 2 + 1, 0, 0, 0 }, { UINT64_MAX / 2 + 1, 0, 0, 0 } };
	uint64_t arena;
	assert_int_equal(eml_plan_place(b, 2, 64, 0, &arena), EDGEML_ERR_NO_MEMORY);
	b[0].size = UINT64_MAX;
	assert_int_equal(eml_plan_place(b, 1, 64, 0, &arena), EDGEML_ERR_NO_MEMORY);
}

/* in → Relu → t1 → Relu → t2 → Add(t1, t2) → t3 → Add(t3, c) → t4 → Relu → out: t1..t4
 * are planned; in, out and the constant c are not. */
static void test_graph_liveness(void **state)
{
	(void)state;
	test_graph tg = { 0 };
	uint32_t in = add_tensor(&tg, 100, EML_TF_INPUT);
	uint32_t t1 = add_tensor(&tg, 100, 0);
	uint32_t t2 = add_tensor(&tg, 100, 0);
	uint32_t t3 = add_tensor(&tg, 100, 0);
	uint32_t c = add_tensor(&tg, 100, EML_TF_CONSTANT);
	uint32_t t4 = add_tensor(&tg, 100, 0);
	uint32_t out = add_tensor(&tg, 100, EML_TF_OUTPUT);
	add_node(&tg, EML_OP_Relu, 1, &in, t1);
	add_node(&tg, EML_OP_Relu, 1, &t1, t2);
	add_node(&tg, EML_OP_Add, 2, (uint32_t[]){ t1, t2 }, t3);
	add_node(&tg, EML_OP_Add, 2, (uint32_t[]){ t3, c }, t4);
	add_node(&tg, EML_OP_Relu, 1, &t4, out);
	finish(&tg);

	eml_arena_plan p;
	assert_int_equal(eml_plan_graph(&tg.g, 0, &p), EDGEML_OK);
	assert_true(p.offsets[in] == EML_PLAN_NONE);
	assert_true(p.offsets[c] == EML_PLAN_NONE);
	assert_true(p.offsets[out] == EML_PLAN_NONE);
	/* Live sets: {t1} {t1,t2} {t1,t2,t3} {t3,t4} {t4}: three buffers, t4 reuses t1 or t2. */
	assert_int_equal(p.naive_size, 4 * 448);
	assert_int_equal(p.arena_size, 3 * 448);
	assert_true(p.offsets[t1] != p.offsets[t2] && p.offsets[t1] != p.offsets[t3] &&
		    p.offsets[t2] != p.offsets[t3]);
	assert_true(p.offsets[t4] == p.offsets[t1] || p.offsets[t4] == p.offsets[t2]);
	for (uint32_t i = 0; i < tg.g.n_nodes; i++)
		assert_int_equal(p.node_is_view[i], 0);
	eml_plan_free(&p);
}

/* A Reshape whose input dies there shares its input's buffer; one whose input lives on does
 * not. */
static void test_graph_views(void **state)
{
	(void)state;
	test_graph tg = { 0 };
	uint32_t in = add_tensor(&tg, 100, EML_TF_INPUT);
	uint32_t shape = add_tensor(&tg, 1, EML_TF_CONSTANT);
	uint32_t a = add_tensor(&tg, 100, 0);
	uint32_t b = add_tensor(&tg, 100, 0); /* Reshape(a): a dies here → alias */
	uint32_t c = add_tensor(&tg, 100, 0); /* Flatten(b): b is read later → no alias */
	uint32_t d = add_tensor(&tg, 100, 0);
	uint32_t out = add_tensor(&tg, 100, EML_TF_OUTPUT);
	add_node(&tg, EML_OP_Relu, 1, &in, a);
	add_node(&tg, EML_OP_Reshape, 2, (uint32_t[]){ a, shape }, b);
	add_node(&tg, EML_OP_Flatten, 1, &b, c);
	add_node(&tg, EML_OP_Add, 2, (uint32_t[]){ b, c }, d);
	add_node(&tg, EML_OP_Identity, 1, &d, out); /* out is a graph output → no alias */
	finish(&tg);

	eml_arena_plan p;
	assert_int_equal(eml_plan_graph(&tg.g, 0, &p), EDGEML_OK);
	assert_int_equal(p.node_is_view[1], 1);
	assert_int_equal(p.node_is_view[2], 0);
	assert_int_equal(p.node_is_view[4], 0);
	assert_true(p.offsets[a] == p.offsets[b]);
	assert_true(p.offsets[c] != p.offsets[b]);
	/* d is born while b and c are still read: it gets a third buffer. */
	assert_true(p.offsets[d] != p.offsets[b] && p.offsets[d] != p.offsets[c]);
	assert_int_equal(p.arena_size, 3 * 448);
	assert_int_equal(p.naive_size, 4 * 448);
	eml_plan_free(&p);
}

/* Random DAGs of Relu/Add nodes: every pair of planned tensors live at one step (liveness
 * computed here, independently) occupies disjoint bytes. */
static void test_graph_random(void **state)
{
	(void)state;
	uint32_t seed = 777;
	for (int round = 0; round < 200; round++) {
		test_graph tg = { 0 };
		uint32_t n_in = 1 + rnd(&seed) % 3;
		for (uint32_t i = 0; i < n_in; i++)
			add_tensor(&tg, 1 + rnd(&seed) % 300, EML_TF_INPUT);
		uint32_t n_nodes = 1 + rnd(&seed) % 40;
		for (uint32_t i = 0; i < n_nodes; i++) {
			uint32_t avail = tg.g.n_tensors;
			uint32_t x = rnd(&seed) % avail, y = rnd(&seed) % avail;
			uint32_t flags = rnd(&seed) % 8 == 0 ? EML_TF_OUTPUT : 0;
			uint32_t out = add_tensor(&tg, 1 + rnd(&seed) % 300, flags);
			if (rnd(&seed) % 2)
				add_node(&tg, EML_OP_Relu, 1, &x, out);
			else
				add_node(&tg, EML_OP_Add, 2, (uint32_t[]){ x, y }, out);
		}
		finish(&tg);

		uint32_t first[MAX_T], last[MAX_T];
		for (uint32_t t = 0; t < tg.g.n_tensors; t++)
			first[t] = last[t] = UINT32_MAX;
		for (uint32_t i = 0; i < tg.g.n_nodes; i++) {
			const eml_node *nd = &tg.nodes[i];
			first[nd->outputs[0]] = last[nd->outputs[0]] = i;
			for (uint32_t k = 0; k < nd->n_inputs; k++)
				last[nd->inputs[k]] = i;
		}
		eml_arena_plan p;
		assert_int_equal(eml_plan_graph(&tg.g, 0, &p), EDGEML_OK);
		assert_true(p.arena_size <= p.naive_size);
		for (uint32_t t = 0; t < tg.g.n_tensors; t++) {
			int planned = !(tg.tensors[t].flags & (EML_TF_INPUT | EML_TF_OUTPUT));
			assert_int_equal(p.offsets[t] != EML_PLAN_NONE, planned);
			if (!planned)
				continue;
			uint64_t size = eml_tensor_bytes(&tg.tensors[t]);
			assert_true(p.offsets[t] + size <= p.arena_size);
			for (uint32_t u = t + 1; u < tg.g.n_tensors; u++) {
				if (p.offsets[u] == EML_PLAN_NONE)
					continue;
				if (first[t] <= last[u] && first[u] <= last[t])
					assert_false(
						bytes_overlap(p.offsets[t], size, p.offsets[u],
							      eml_tensor_bytes(&tg.tensors[u])));
			}
		}
		eml_plan_free(&p);
	}
}

/* Hand-built graphs with bad indices, two producers or an overflowing shape are errors. */
static void test_graph_errors(void **state)
{
	(void)state;
	eml_arena_plan p;
	test_graph tg = { 0 };
	uint32_t in = add_tensor(&tg, 10, EML_TF_INPUT);
	uint32_t a = add_tensor(&tg, 10, 0);
	add_node(&tg, EML_OP_Relu, 1, &in, a);
	add_node(&tg, EML_OP_Relu, 1, &in, a);
	finish(&tg);
	assert_int_equal(eml_plan_graph(&tg.g, 0, &p), EDGEML_ERR_FORMAT);
	assert_null(p.offsets);

	tg.g.n_nodes = 1;
	tg.io[0][0] = 99;
	assert_int_equal(eml_plan_graph(&tg.g, 0, &p), EDGEML_ERR_FORMAT);

	tg.io[0][0] = in;
	tg.tensors[a].rank = 4;
	for (int d = 0; d < 4; d++)
		tg.tensors[a].dims[d] = INT64_C(1) << 20;
	assert_int_equal(eml_plan_graph(&tg.g, 0, &p), EDGEML_ERR_FORMAT);
	tg.tensors[a].rank = 1;
	tg.tensors[a].dims[0] = -5;
	assert_int_equal(eml_plan_graph(&tg.g, 0, &p), EDGEML_ERR_FORMAT);
	tg.tensors[a].dims[0] = 10;
	tg.tensors[a].dtype = 99;
	assert_int_equal(eml_plan_graph(&tg.g, 0, &p), EDGEML_ERR_UNSUPPORTED);
}

/* The bytes of the inputs' and outputs' own buffers: each rounded up to EML_PLAN_ALIGN and
 * summed, intermediates left out; a constant input, a tensor over the limit and a total
 * with the arena over the limit are errors naming what (one helper for every backend). */
static void test_io_bytes(void **state)
{
	(void)state;
	uint64_t io = 0;
	test_graph tg = { 0 };
	uint32_t in = add_tensor(&tg, 10, EML_TF_INPUT); /* 40 bytes: 64 */
	uint32_t a = add_tensor(&tg, 1000, 0);		 /* in the arena: not counted */
	uint32_t out = add_tensor(&tg, 17, EML_TF_OUTPUT); /* 68 bytes: 128 */
	add_node(&tg, EML_OP_Relu, 1, &in, a);
	add_node(&tg, EML_OP_Relu, 1, &a, out);
	finish(&tg);
	assert_int_equal(eml_plan_io_bytes(&tg.g, 0, 1 << 20, &io), EDGEML_OK);
	assert_int_equal(io, 64 + 128);
	assert_int_equal(eml_plan_round_up(0), 0);
	assert_int_equal(eml_plan_round_up(65), 128);

	assert_int_equal(eml_plan_io_bytes(&tg.g, 1000, 1000 + 192, &io), EDGEML_OK);
	assert_int_equal(eml_plan_io_bytes(&tg.g, 1001, 1000 + 192, &io), EDGEML_ERR_NO_MEMORY);
	assert_non_null(strstr(edgeml_last_error(), "1001 bytes of activations and 192"));
	assert_int_equal(eml_plan_io_bytes(&tg.g, 0, 67, &io), EDGEML_ERR_NO_MEMORY);
	assert_non_null(strstr(edgeml_last_error(), "needs 68 bytes, more than the 67"));

	tg.tensors[in].flags |= EML_TF_CONSTANT;
	assert_int_equal(eml_plan_io_bytes(&tg.g, 0, 1 << 20, &io), EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "both a constant and a graph input"));
	tg.tensors[in].flags &= ~(uint32_t)EML_TF_CONSTANT;
	tg.tensors[out].dims[0] = -1;
	assert_int_equal(eml_plan_io_bytes(&tg.g, 0, 1 << 20, &io), EDGEML_ERR_FORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place_chain),    cmocka_unit_test(test_place_best_fit),
		cmocka_unit_test(test_place_random),   cmocka_unit_test(test_place_overflow),
		cmocka_unit_test(test_place_pages),
		cmocka_unit_test(test_graph_liveness), cmocka_unit_test(test_graph_views),
		cmocka_unit_test(test_graph_random),   cmocka_unit_test(test_graph_errors),
		cmocka_unit_test(test_place_matches_reference),
		cmocka_unit_test(test_place_work_n_log_n),
		cmocka_unit_test(test_relu_chain_session),
		cmocka_unit_test(test_io_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
