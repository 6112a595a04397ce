/*
 * vk_test_graph.h — helpers shared by the Vulkan test suites: a graph builder over the IR,
 * loading it as a user would (written to .eml, loaded from memory), random inputs, and the
 * CPU-reference vs Vulkan comparison (bytes for quantized outputs, 1e-5 of the range for
 * float ones). Include once per test program, after cmocka.h and the runtime headers.
 */
#ifndef EML_VK_TEST_GRAPH_H
#define EML_VK_TEST_GRAPH_H

#ifndef MAX_T
#define MAX_T 32
#endif
#define MAX_N 8
#define MAX_A 8

/* A graph under construction, with the arrays eml_graph points to. */
typedef struct builder {
	eml_graph g;
	eml_tensor tensors[MAX_T];
	eml_node nodes[MAX_N];
	uint32_t io[MAX_N][64];
	eml_attr attrs[MAX_N][MAX_A];
	uint32_t inputs[32], outputs[4];
} builder;

static int have_device;
static char cache_dir[64];

/* Adds a tensor; data is given for constants only. */
static inline uint32_t tensor(builder *b, edgeml_dtype dtype, uint32_t rank,
			      const int64_t *dims, uint32_t flags, const void *data)
{
	static char names[MAX_T][8];
	uint32_t t = b->g.n_tensors++;
	snprintf(names[t], sizeof(names[t]), "t%u", t);
	eml_tensor *d = &b->tensors[t];
	*d = (eml_tensor){ .name = names[t], .dtype = dtype, .rank = rank, .flags = flags,
			   .data = data };
	memcpy(d->dims, dims, rank * sizeof(int64_t));
	if (data)
		d->data_size = eml_tensor_bytes(d);
	if (flags & EML_TF_INPUT)
		b->inputs[b->g.n_inputs++] = t;
	if (flags & EML_TF_OUTPUT)
		b->outputs[b->g.n_outputs++] = t;
	return t;
}

/* A constant scalar or vector (static storage: the builder keeps pointers). */
static inline uint32_t constant(builder *b, edgeml_dtype dtype, int64_t n, const void *data)
{
	return tensor(b, dtype, 1, (int64_t[]){ n }, EML_TF_CONSTANT, data);
}

/* Adds a node with one output and n_attr attributes. */
static inline void node(builder *b, uint32_t op, uint32_t n_in, const uint32_t *in,
			uint32_t out, uint32_t n_attr, const eml_attr *attrs)
{
	uint32_t i = b->g.n_nodes++;
	memcpy(b->io[i], in, n_in * sizeof(uint32_t));
	b->io[i][n_in] = out;
	if (n_attr)
		memcpy(b->attrs[i], attrs, n_attr * sizeof(eml_attr));
	b->nodes[i] = (eml_node){ .name = eml_op_name(op), .op = op, .n_inputs = n_in,
				  .n_outputs = 1, .n_attrs = n_attr, .inputs = b->io[i],
				  .outputs = b->io[i] + n_in, .attrs = b->attrs[i] };
}

/* An INTS attribute. */
static inline eml_attr ints(const char *name, uint32_t n, const int64_t *v)
{
	return (eml_attr){ .name = name, .type = EML_ATTR_INTS, .count = n, .ints = v };
}

/* An INT attribute. */
static inline eml_attr int1(const char *name, int64_t v)
{
	return (eml_attr){ .name = name, .type = EML_ATTR_INT, .i = v };
}

/* A FLOAT attribute. */
static inline eml_attr float1(const char *name, float v)
{
	return (eml_attr){ .name = name, .type = EML_ATTR_FLOAT, .f = v };
}

/* Writes the graph to .eml and loads it, as a user would get it. */
static inline edgeml_model *load(builder *b, void **image)
{
	size_t size;
	edgeml_model *m;
	b->g.tensors = b->tensors;
	b->g.nodes = b->nodes;
	b->g.inputs = b->inputs;
	b->g.outputs = b->outputs;
	assert_int_equal(eml_write_memory(&b->g, image, &size), EDGEML_OK);
	if (edgeml_model_load_memory(NULL, *image, size, &m) != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	return m;
}

/* Deterministic pseudo-random bytes. */
static inline uint32_t next_rand(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* Fills every input with random values (floats in [-4, 4), 8-bit types over their range). */
static inline void fill_inputs(edgeml_session *s, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		edgeml_tensor *t;
		edgeml_tensor_info info;
		assert_int_equal(edgeml_session_input(s, i, &t), EDGEML_OK);
		assert_int_equal(edgeml_tensor_info_get(t, &info), EDGEML_OK);
		uint8_t *p = edgeml_tensor_data(t);
		if (info.dtype == EDGEML_DTYPE_FLOAT32)
			for (size_t k = 0; k < info.size_bytes / 4; k++)
				((float *)p)[k] = (float)(next_rand(&seed) % 8192) / 1024.0f - 4.0f;
		else
			for (size_t k = 0; k < info.size_bytes; k++)
				p[k] = (uint8_t)next_rand(&seed);
	}
}

/* Creates a session on kind with flags, failing the test with the library's message. */
static inline edgeml_session *session(const edgeml_model *m, edgeml_backend_kind kind,
				      uint32_t flags)
{
	edgeml_session_options o;
	edgeml_session *s;
	edgeml_session_options_init(&o);
	o.backend = kind;
	o.flags = flags;
	o.cache_dir = cache_dir;
	if (edgeml_session_create(m, &o, &s) != EDGEML_OK)
		fail_msg("session (%s): %s", kind == EDGEML_BACKEND_CPU ? "cpu" : "vulkan",
			 edgeml_last_error());
	return s;
}

/* Runs the model on the CPU reference and on Vulkan with the same random inputs, twice
 * (the second run reuses the recorded command buffer), and compares every output: bytes for
 * quantized outputs, 1e-5 of the range for float ones. */
static inline void compare(edgeml_model *m, uint32_t flags)
{
	edgeml_session *cpu = session(m, EDGEML_BACKEND_CPU, 0);
	edgeml_session *gpu = session(m, EDGEML_BACKEND_VULKAN, flags);
	assert_string_equal(edgeml_session_backend_name(gpu), "vulkan");
	for (uint32_t round = 0; round < 2; round++) {
		fill_inputs(cpu, edgeml_model_input_count(m), 42 + round);
		fill_inputs(gpu, edgeml_model_input_count(m), 42 + round);
		assert_int_equal(edgeml_session_run(cpu), EDGEML_OK);
		if (edgeml_session_run(gpu) != EDGEML_OK)
			fail_msg("vulkan run: %s", edgeml_last_error());
		for (size_t i = 0; i < edgeml_model_output_count(m); i++) {
			edgeml_tensor *a, *b;
			edgeml_tensor_info info;
			assert_int_equal(edgeml_session_output(cpu, i, &a), EDGEML_OK);
			assert_int_equal(edgeml_session_output(gpu, i, &b), EDGEML_OK);
			assert_int_equal(edgeml_tensor_info_get(a, &info), EDGEML_OK);
			const uint8_t *pa = edgeml_tensor_data(a), *pb = edgeml_tensor_data(b);
			if (info.dtype != EDGEML_DTYPE_FLOAT32) {
				assert_memory_equal(pa, pb, info.size_bytes);
				continue;
			}
			const float *fa = (const float *)pa, *fb = (const float *)pb;
			float range = 0.0f;
			for (size_t k = 0; k < info.size_bytes / 4; k++)
				range = fmaxf(range, fabsf(fa[k]));
			for (size_t k = 0; k < info.size_bytes / 4; k++)
				if (fabsf(fa[k] - fb[k]) > 1e-5f * fmaxf(range, 1e-6f))
					fail_msg("output %zu[%zu]: cpu %g, vulkan %g", i, k,
						 (double)fa[k], (double)fb[k]);
		}
	}
	edgeml_session_destroy(cpu);
	edgeml_session_destroy(gpu);
}

#define SKIP_WITHOUT_DEVICE()                                                               \
	do {                                                                               \
		if (!have_device)                                                          \
			skip();                                                            \
	} while (0)

#endif /* EML_VK_TEST_GRAPH_H */
