/*
 * fuzz_session.c — libFuzzer target for everything behind the loader: a fuzzed .eml that
 * loads is given a session on the reference kernels and one on the fast CPU kernels of this
 * machine's ISA (planner, weight packing, kernel preparation), both run on the same
 * pseudo-random inputs, and their outputs compared: integer outputs must be identical, float
 * outputs bit-identical (NaN for NaN) as the fast kernels promise with
 * EDGEML_SESSION_EXACT_FLOAT (without it, Winograd convolutions are within a tolerance
 * instead, checked by test_f32_kernels), and both must agree on
 * whether the model can be prepared and run at all. The fast session runs twice, which must
 * give the same outputs again (no state leaks from run to run).
 *
 * A custom mutator changes values inside the sections (weights, scales, attributes) more often
 * than structure, which the loader's validation mostly rejects.
 *
 * Models whose tensors, node count or estimated work exceed small limits are skipped before
 * any session is created, so that every input runs in milliseconds; the loader and the
 * session's own limits are fuzz_model_load's business.
 *
 * FUZZ_SESSION_COMPARE=0 in the environment skips the output comparison (robustness only);
 * FUZZ_SESSION_VERBOSE=1 prints what each input did (to check that the seeds run).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "edgeml.h"
#include "fuzz_eml.h"
#include "cpu/fast_ops.h"
#include "model.h"
#include "ops/ops.h"
#include "session.h"

/* Sum of all tensors' bytes, nodes, and work units (multiply-adds or element visits) of a
 * model that runs at all, and the work up to which the reference kernels (slow under the
 * sanitizers: ~1 s per million) run it too. */
#define FUZZ_MAX_TENSOR_BYTES ((uint64_t)4 << 20)
#define FUZZ_MAX_NODES 512u
#define FUZZ_MAX_WORK ((uint64_t)4 << 20)
#define FUZZ_MAX_REFERENCE_WORK ((uint64_t)1 << 19)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

static int compare_outputs = 1, verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *c = getenv("FUZZ_SESSION_COMPARE");
	compare_outputs = !c || strcmp(c, "0") != 0;
	const char *v = getenv("FUZZ_SESSION_VERBOSE");
	verbose = v && strcmp(v, "1") == 0;
	return 0;
}

/* a * b, saturating at UINT64_MAX. */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

/* a + b, saturating. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Elements of a tensor (its dims were validated by the loader, but are multiplied here
 * without trusting that). */
static uint64_t numel(const eml_graph *g, uint32_t t)
{
	if (t >= g->n_tensors)
		return 0;
	const eml_tensor *d = &g->tensors[t];
	uint64_t n = 1;
	for (uint32_t i = 0; i < d->rank && i < EML_MAX_RANK; i++)
		n = mul_sat(n, d->dims[i] > 0 ? (uint64_t)d->dims[i] : 0);
	return n;
}

/* Input k of a node, or EML_NO_TENSOR. */
static uint32_t input(const eml_node *n, uint32_t k)
{
	return k < n->n_inputs ? n->inputs[k] : EML_NO_TENSOR;
}

/* Elements per output channel of a convolution's weight. */
static uint64_t per_channel(const eml_graph *g, uint32_t w)
{
	if (w >= g->n_tensors || g->tensors[w].rank == 0 || g->tensors[w].dims[0] <= 0)
		return numel(g, w);
	return numel(g, w) / (uint64_t)g->tensors[w].dims[0];
}

/* The longer of a matrix operand's two last dims: a bound on the inner dimension. */
static uint64_t inner_dim(const eml_graph *g, uint32_t a)
{
	if (a >= g->n_tensors)
		return 1;
	const eml_tensor *d = &g->tensors[a];
	uint64_t k = 1;
	for (uint32_t i = d->rank > 2 ? d->rank - 2 : 0; i < d->rank && i < EML_MAX_RANK; i++)
		if (d->dims[i] > 0 && (uint64_t)d->dims[i] > k)
			k = (uint64_t)d->dims[i];
	return k;
}

/* Taps of a pooling window (kernel_shape), or the input's size when it is missing. */
static uint64_t window(const eml_graph *g, const eml_node *n)
{
	const eml_attr *a = eml_node_attr(n, "kernel_shape");
	if (!a || a->type != EML_ATTR_INTS)
		return numel(g, input(n, 0));
	uint64_t taps = 1;
	for (uint32_t i = 0; i < a->count; i++)
		taps = mul_sat(taps, a->ints[i] > 0 ? (uint64_t)a->ints[i] : 0);
	return taps;
}

/* An upper estimate of one node's work in multiply-adds or element visits. */
static uint64_t node_work(const eml_graph *g, const eml_node *n)
{
	uint64_t out = 0, in = 0;
	for (uint32_t k = 0; k < n->n_outputs; k++)
		out = add_sat(out, numel(g, n->outputs[k]));
	for (uint32_t k = 0; k < n->n_inputs; k++)
		in = add_sat(in, numel(g, n->inputs[k]));
	switch (n->op) {
	case EML_OP_Conv:
	case EML_OP_ConvInteger:
		return add_sat(mul_sat(out, per_channel(g, input(n, 1))), in);
	case EML_OP_QLinearConv:
		return add_sat(mul_sat(out, per_channel(g, input(n, 3))), in);
	case EML_OP_Gemm:
	case EML_OP_MatMul:
	case EML_OP_MatMulInteger:
	case EML_OP_QLinearMatMul:
	case EML_OP_QLinearGemm:
		return add_sat(mul_sat(out, inner_dim(g, input(n, 0))), in);
	case EML_OP_MaxPool:
	case EML_OP_AveragePool:
	case EML_OP_QLinearAveragePool:
		return add_sat(mul_sat(out, window(g, n)), in);
	case EML_OP_ConvTranspose:
		/* every input element meets W's M/group x kernel taps */
		return add_sat(mul_sat(numel(g, input(n, 0)), per_channel(g, input(n, 1))), out);
	case EML_OP_LSTM:
	case EML_OP_GRU: {
		/* every (step, batch item) multiplies all of W and R (per direction) */
		uint32_t x = input(n, 0);
		uint64_t steps = x < g->n_tensors && g->tensors[x].rank == 3 &&
						 g->tensors[x].dims[2] > 0 ?
					 numel(g, x) / (uint64_t)g->tensors[x].dims[2] :
					 numel(g, x);
		uint64_t weights = add_sat(numel(g, input(n, 1)), numel(g, input(n, 2)));
		return add_sat(mul_sat(steps, weights), add_sat(in, out));
	}
	default:
		/* element-wise, movement, global pools, Softmax, Resize: a few visits each */
		return mul_sat(add_sat(out, in), 4);
	}
}

/* Whether the model is small enough to run in a few milliseconds; *work gets its work. */
static int small_enough(const edgeml_model *model, uint64_t *work_out)
{
	const eml_graph *g = &model->graph;
	if (g->n_nodes > FUZZ_MAX_NODES) {
		if (verbose)
			fprintf(stderr, "fuzz_session: skipped, %u nodes\n", g->n_nodes);
		return 0;
	}
	uint64_t bytes = 0, work = 0;
	for (uint32_t t = 0; t < g->n_tensors; t++)
		bytes = add_sat(bytes, mul_sat(numel(g, t), 8));
	for (uint32_t i = 0; i < g->n_nodes; i++)
		work = add_sat(work, node_work(g, &g->nodes[i]));
	*work_out = work;
	if (verbose)
		fprintf(stderr, "fuzz_session: %u nodes, %llu tensor bytes, work %llu%s\n",
			g->n_nodes, (unsigned long long)bytes, (unsigned long long)work,
			bytes <= FUZZ_MAX_TENSOR_BYTES && work <= FUZZ_MAX_WORK ? "" : ": skipped");
	return bytes <= FUZZ_MAX_TENSOR_BYTES && work <= FUZZ_MAX_WORK;
}

/* xorshift64: the inputs' contents, the same for both sessions. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Fills every input with pseudo-random bytes from seed: floats get NaNs, infinities and
 * denormals now and then, as a sensor might deliver. */
static void fill_inputs(edgeml_session *s, size_t n, uint64_t seed)
{
	uint64_t r = seed | 1;
	for (size_t i = 0; i < n; i++) {
		edgeml_tensor *t;
		edgeml_tensor_info info;
		if (edgeml_session_input(s, i, &t) != EDGEML_OK ||
		    edgeml_tensor_info_get(t, &info) != EDGEML_OK)
			abort();
		uint8_t *p = edgeml_tensor_data(t);
		for (size_t k = 0; k < info.size_bytes; k++)
			p[k] = (uint8_t)next_random(&r);
		if (info.dtype == EDGEML_DTYPE_FLOAT32 && (seed & 3) != 0) {
			/* mostly moderate values, so that the arithmetic is exercised too */
			for (size_t k = 0; k + 4 <= info.size_bytes; k += 4) {
				float v = (float)((int64_t)(next_random(&r) % 2001) - 1000) / 64.0f;
				memcpy(p + k, &v, 4);
			}
		}
	}
}

/* The outputs of a run, copied. */
typedef struct outputs {
	size_t n;
	edgeml_tensor_info info[16];
	uint8_t *data[16];
} outputs;

static void outputs_free(outputs *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->data[i]);
	o->n = 0;
}

/* Copies the first 16 outputs of a session. */
static void outputs_get(edgeml_session *s, size_t n, outputs *o)
{
	o->n = 0;
	for (size_t i = 0; i < n && i < 16; i++) {
		edgeml_tensor *t;
		if (edgeml_session_output(s, i, &t) != EDGEML_OK ||
		    edgeml_tensor_info_get(t, &o->info[i]) != EDGEML_OK)
			abort();
		o->data[i] = malloc(o->info[i].size_bytes ? o->info[i].size_bytes : 1);
		if (!o->data[i])
			abort();
		memcpy(o->data[i], edgeml_tensor_data(t), o->info[i].size_bytes);
		o->n++;
	}
}

/* Whether two float outputs agree bit for bit, any NaN matching any NaN. */
static int same_floats(const uint8_t *a, const uint8_t *b, size_t bytes, size_t *at)
{
	for (size_t k = 0; k + 4 <= bytes; k += 4) {
		float x, y;
		memcpy(&x, a + k, 4);
		memcpy(&y, b + k, 4);
		if (isnan(x) && isnan(y))
			continue;
		if (memcmp(a + k, b + k, 4) != 0) {
			*at = k / 4;
			return 0;
		}
	}
	return 1;
}

/* Aborts, naming the output and element, when two runs' outputs differ. */
static void compare(const outputs *a, const outputs *b, const char *what)
{
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		size_t bytes = a->info[i].size_bytes, at = 0;
		int same = a->info[i].dtype == EDGEML_DTYPE_FLOAT32 ?
				   same_floats(a->data[i], b->data[i], bytes, &at) :
				   memcmp(a->data[i], b->data[i], bytes) == 0;
		if (!same) {
			fprintf(stderr, "fuzz_session: %s: output '%s' (%s) differs (float element %zu)\n",
				what, a->info[i].name, edgeml_dtype_name(a->info[i].dtype), at);
			abort();
		}
	}
}

/* What a session did: not created, created and every run passed, or a run failed; with the
 * library's message. */
enum { NOT_CREATED = 0, RAN = 1, RUN_FAILED = 2 };
typedef struct result {
	int state;
	char why[256];
} result;

/* Creates a CPU session with the given flags and threads, runs it `runs` times on the seeded
 * inputs and keeps the last outputs (o->n stays 0 unless every run passed). */
static result run_session(const edgeml_model *model, uint32_t flags, uint32_t threads,
			  uint64_t seed, int runs, outputs *o, outputs *first)
{
	edgeml_session_options opt;
	edgeml_session_options_init(&opt);
	opt.backend = EDGEML_BACKEND_CPU;
	opt.flags = flags;
	opt.threads = threads;
	edgeml_session *s = NULL;
	result res = { NOT_CREATED, "" };
	o->n = 0;
	if (edgeml_session_create(model, &opt, &s) != EDGEML_OK) {
		snprintf(res.why, sizeof(res.why), "%s", edgeml_last_error());
		if (verbose)
			fprintf(stderr, "fuzz_session: session (flags %u): %s\n", flags, res.why);
		return res;
	}
	res.state = RAN;
	if (verbose) {
		void *cpu;
		uint32_t fast = 0, n = model->graph.n_nodes;
		if (eml_session_backend(s, &cpu) == &eml_cpu_backend)
			for (uint32_t i = 0; i < n; i++)
				fast += strcmp(eml_cpu_node_kernel(cpu, i), "reference") != 0 &&
					strcmp(eml_cpu_node_kernel(cpu, i), "view") != 0;
		fprintf(stderr, "fuzz_session: session (flags %u, %u threads): %u of %u nodes on fast kernels\n",
			flags, threads, fast, n);
	}
	size_t n_in = edgeml_model_input_count(model), n_out = edgeml_model_output_count(model);
	for (int r = 0; r < runs; r++) {
		fill_inputs(s, n_in, seed);
		if (edgeml_session_run(s) != EDGEML_OK) {
			res.state = RUN_FAILED;
			snprintf(res.why, sizeof(res.why), "%s", edgeml_last_error());
			if (verbose)
				fprintf(stderr, "fuzz_session: run (flags %u): %s\n", flags, res.why);
			outputs_free(first);
			outputs_free(o);
			break;
		}
		outputs_get(s, n_out, r + 1 == runs ? o : first);
	}
	edgeml_session_destroy(s);
	return res;
}

/* Aborts when the reference and the fast kernels disagree on whether the model can be
 * prepared or run: a check one of them lacks is a silent wrong answer in the other. */
static void same_outcome(const result *ref, const result *fast)
{
	if (ref->state == fast->state)
		return;
	static const char *const what[] = { "not created", "ran", "run failed" };
	fprintf(stderr, "fuzz_session: reference kernels: %s (%s); fast kernels: %s (%s)\n",
		what[ref->state], ref->why, what[fast->state], fast->why);
	abort();
}

/* The sections whose values, rather than structure, a mutation should change most often:
 * constant data (weights, scales, zero points), attribute values and scalars. */
static const uint32_t value_sections[] = { EML_SEC_DATA, EML_SEC_DATA, EML_SEC_DATA,
					   EML_SEC_INT64S, EML_SEC_FLOATS, EML_SEC_INT32S,
					   EML_SEC_ATTRS, EML_SEC_TENSORS };

/* Three mutations in four change up to 64 bytes inside one section of a well-formed file,
 * keeping its size and offsets, so that they reach the kernels rather than the loader's
 * checks; the fourth is libFuzzer's own, anywhere. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	struct eml_file_header h;
	if (seed % 4 == 0 || size < sizeof(h))
		return LLVMFuzzerMutate(data, size, max_size);
	memcpy(&h, data, sizeof(h));
	uint32_t sec = value_sections[(seed / 4) % (sizeof(value_sections) / sizeof(value_sections[0]))];
	size_t at = sizeof(h) + (size_t)sec * sizeof(struct eml_file_section);
	struct eml_file_section fs;
	if (h.n_sections <= sec || at + sizeof(fs) > size)
		return LLVMFuzzerMutate(data, size, max_size);
	memcpy(&fs, data + at, sizeof(fs));
	if (fs.size == 0 || fs.offset > size || fs.size > size - fs.offset)
		return LLVMFuzzerMutate(data, size, max_size);
	size_t len = fs.size < 64 ? (size_t)fs.size : 64;
	size_t off = (size_t)fs.offset + (size_t)((seed / 32) % (fs.size - len + 1));
	uint8_t window[64];
	memcpy(window, data + off, len);
	size_t n = LLVMFuzzerMutate(window, len, len);
	memcpy(data + off, window, n < len ? n : len);
	return size;
}

/* One fuzz input: loaded in place from a 64-byte aligned copy, then, when small enough, run
 * on the reference kernels and on the fast ones. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *buf = NULL;
	if (posix_memalign(&buf, 64, size ? size : 1) != 0)
		return 0;
	memcpy(buf, data, size);
	/* fuzz_model_load exercises the header checks; here every input gets past them. */
	fuzz_eml_fix_header(buf, size, 1);
	edgeml_model *model = NULL;
	if (edgeml_model_load_memory(NULL, buf, size, &model) == EDGEML_OK) {
		uint64_t work;
		if (small_enough(model, &work)) {
			uint64_t seed = crc32(0, data, (uInt)(size < 4096 ? size : 4096)) + size;
			uint32_t threads = 1 + (uint32_t)(seed % 2);
			outputs ref = { 0 }, fast = { 0 }, first = { 0 };
			result ref_res = { NOT_CREATED, "" };
			if (work <= FUZZ_MAX_REFERENCE_WORK)
				ref_res = run_session(model, EDGEML_SESSION_REFERENCE_KERNELS, 1,
						      seed, 1, &ref, &first);
			result fast_res = run_session(model, EDGEML_SESSION_EXACT_FLOAT, threads, seed, 2,
						      &fast, &first);
			if (compare_outputs && work <= FUZZ_MAX_REFERENCE_WORK)
				same_outcome(&ref_res, &fast_res);
			if (compare_outputs && first.n && fast.n)
				compare(&first, &fast, "fast kernels, second run against the first");
			if (compare_outputs && ref.n && fast.n)
				compare(&ref, &fast, "fast kernels against the reference");
			if (verbose)
				fprintf(stderr, "fuzz_session: ran, %zu and %zu outputs compared\n",
					ref.n, fast.n);
			outputs_free(&ref);
			outputs_free(&fast);
			outputs_free(&first);
		}
		edgeml_model_free(model);
	}
	free(buf);
	return 0;
}
