/* test_devices.c — backends and devices as objects: the device list (the CPU, and lavapipe
 * where Vulkan is built), naming a device, AUTO's rule, the per-node profile, and a toy third
 * backend that plugs in by registration alone (null_backend.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "convert/eml_write.h"
#include "cpu_features.h"
#include "edgeml.h"
#include "graph.h"
#include "null_backend.h"
#include "session.h"

/* x [1,2,4,4] -> Conv (w [3,2,3,3], no padding) -> Relu -> y [1,3,2,2]. */
static const float conv_w[3 * 2 * 3 * 3] = { 0.5f, -1.0f, 0.25f };

typedef struct model_image {
	void *image;
	edgeml_model *model;
} model_image;

/* Writes the graph to .eml and loads it, as a user would get it. */
static model_image load(eml_graph *g)
{
	model_image m = { 0 };
	size_t size;
	assert_int_equal(eml_write_memory(g, &m.image, &size), EDGEML_OK);
	if (edgeml_model_load_memory(NULL, m.image, size, &m.model) != EDGEML_OK)
		fail_msg("load: %s", edgeml_last_error());
	return m;
}

static void unload(model_image *m)
{
	edgeml_model_free(m->model);
	free(m->image);
}

/* A node of a test graph on float [2,8] tensors numbered as in partition_model. */
typedef struct test_node {
	const char *name;
	uint32_t op;
	uint32_t in[2], n_in, out;
} test_node;

/* A graph of float [2,8] tensors: n_tensors of them, inputs and outputs as listed, nodes
 * as given. */
static model_image float_model(uint32_t n_tensors, const uint32_t *inputs, uint32_t n_inputs,
			       const uint32_t *outputs, uint32_t n_outputs,
			       const test_node *nodes, uint32_t n_nodes)
{
	static const char *names[] = { "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7" };
	static eml_tensor t[8];
	static eml_node n[8];
	static uint32_t io[8][3];
	assert_true(n_tensors <= 8 && n_nodes <= 8);
	for (uint32_t i = 0; i < n_tensors; i++)
		t[i] = (eml_tensor){ .name = names[i], .dtype = EDGEML_DTYPE_FLOAT32, .rank = 2,
				     .dims = { 2, 8 } };
	for (uint32_t i = 0; i < n_inputs; i++)
		t[inputs[i]].flags |= EML_TF_INPUT;
	for (uint32_t i = 0; i < n_outputs; i++)
		t[outputs[i]].flags |= EML_TF_OUTPUT;
	for (uint32_t i = 0; i < n_nodes; i++) {
		io[i][0] = nodes[i].in[0];
		io[i][1] = nodes[i].in[1];
		io[i][2] = nodes[i].out;
		n[i] = (eml_node){ .name = nodes[i].name, .op = nodes[i].op,
				   .n_inputs = nodes[i].n_in, .n_outputs = 1, .inputs = io[i],
				   .outputs = &io[i][2] };
		io[i][nodes[i].n_in] = nodes[i].out;
		n[i].outputs = &io[i][nodes[i].n_in];
	}
	eml_graph g = { .n_tensors = n_tensors, .n_nodes = n_nodes, .n_inputs = n_inputs,
			.n_outputs = n_outputs, .tensors = t, .nodes = n, .inputs = inputs,
			.outputs = outputs };
	return load(&g);
}

/* Fills every input with a pattern of both signs, runs, and copies every output into out
 * (n_out floats at most). */
static void run_pattern(edgeml_session *s, size_t n_in, size_t n_outs, float *out)
{
	for (size_t i = 0; i < n_in; i++) {
		edgeml_tensor *t;
		float x[16];
		for (int k = 0; k < 16; k++)
			x[k] = (float)((k * 7 + (int)i * 5) % 13 - 6) * 0.37f;
		assert_int_equal(edgeml_session_input(s, i, &t), EDGEML_OK);
		assert_int_equal(edgeml_tensor_write(t, x, sizeof(x)), EDGEML_OK);
	}
	if (edgeml_session_run(s) != EDGEML_OK)
		fail_msg("run: %s", edgeml_last_error());
	for (size_t i = 0; i < n_outs; i++) {
		edgeml_tensor *t;
		assert_int_equal(edgeml_session_output(s, i, &t), EDGEML_OK);
		assert_int_equal(edgeml_tensor_read(t, out + 16 * i, 16 * sizeof(float)), EDGEML_OK);
	}
}

/* A session on the null device with the CPU taking what it cannot run. */
static edgeml_session *null_session(const edgeml_model *m, uint32_t flags)
{
	edgeml_session_options o;
	edgeml_session_options_init(&o);
	o.device = "null:0";
	o.flags = flags;
	edgeml_session *s = NULL;
	if (edgeml_session_create(m, &o, &s) != EDGEML_OK)
		fail_msg("null session: %s", edgeml_last_error());
	return s;
}

/* Conv then Relu, or Relu alone (relu_only), on float tensors. */
static model_image conv_relu_model(int relu_only)
{
	static eml_tensor t[4];
	static eml_node n[2];
	static uint32_t io[2][4], in[1], out[1];
	memset(t, 0, sizeof(t));
	t[0] = (eml_tensor){ .name = "x", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 4,
			     .dims = { 1, 2, 4, 4 }, .flags = EML_TF_INPUT };
	t[1] = (eml_tensor){ .name = "w", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 4,
			     .dims = { 3, 2, 3, 3 }, .flags = EML_TF_CONSTANT, .data = conv_w };
	t[1].data_size = eml_tensor_bytes(&t[1]);
	t[2] = (eml_tensor){ .name = "c", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 4,
			     .dims = { 1, 3, 2, 2 } };
	t[3] = (eml_tensor){ .name = "y", .dtype = EDGEML_DTYPE_FLOAT32, .rank = 4,
			     .dims = { 1, 3, 2, 2 }, .flags = EML_TF_OUTPUT };
	io[0][0] = 0, io[0][1] = 1, io[0][2] = 2;
	io[1][0] = 2, io[1][1] = 3;
	n[0] = (eml_node){ .name = "conv", .op = EML_OP_Conv, .n_inputs = 2, .n_outputs = 1,
			   .inputs = io[0], .outputs = io[0] + 2 };
	n[1] = (eml_node){ .name = "relu", .op = EML_OP_Relu, .n_inputs = 1, .n_outputs = 1,
			   .inputs = io[1], .outputs = io[1] + 1 };
	in[0] = 0;
	out[0] = 3;
	eml_graph g = { .n_tensors = 4, .n_nodes = 2, .n_inputs = 1, .n_outputs = 1,
			.tensors = t, .nodes = n, .inputs = in, .outputs = out };
	if (relu_only) {
		/* x [1,3,2,2] -> Relu -> y. */
		t[0].dims[1] = 3, t[0].dims[2] = 2, t[0].dims[3] = 2;
		io[1][0] = 0;
		g.nodes = &n[1];
		g.n_nodes = 1;
		g.tensors = t;
		t[1].flags = 0, t[2].flags = 0;
		/* Unused tensors are refused: keep x and y only. */
		t[1] = t[3];
		io[1][1] = 1;
		out[0] = 1;
		g.n_tensors = 2;
	}
	return load(&g);
}

static edgeml_session *session_on(const edgeml_model *m, edgeml_backend_kind kind,
				  const char *device)
{
	edgeml_session_options o;
	edgeml_session_options_init(&o);
	o.backend = kind;
	o.device = device;
	edgeml_session *s;
	if (edgeml_session_create(m, &o, &s) != EDGEML_OK)
		fail_msg("session (device %s): %s", device ? device : "default",
			 edgeml_last_error());
	return s;
}

/* Index of the first device of backend, -1 when there is none. */
static int first_device(const char *backend)
{
	for (size_t i = 0; i < edgeml_device_count(); i++) {
		edgeml_device_properties d;
		assert_int_equal(edgeml_device_info(i, &d), EDGEML_OK);
		if (strcmp(d.backend, backend) == 0)
			return (int)i;
	}
	return -1;
}

/* Device 0 is the CPU; every device is numbered and described; past the end is an error. */
static void test_device_list(void **state)
{
	(void)state;
	size_t n = edgeml_device_count();
	assert_true(n >= 1);
	edgeml_device_properties d;
	assert_int_equal(edgeml_device_info(0, &d), EDGEML_OK);
	assert_string_equal(d.backend, "cpu");
	assert_int_equal(d.type, EDGEML_DEVICE_CPU);
	assert_true(d.name[0] && d.driver[0]);
	assert_non_null(strstr(d.driver, edgeml_cpu_kernels(NULL)));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(edgeml_device_info(i, &d), EDGEML_OK);
		assert_int_equal(d.index, i);
		assert_true(d.name[0]);
		/* lavapipe is a CPU-type Vulkan device: software, never AUTO's. */
		if (strstr(d.name, "llvmpipe"))
			assert_int_equal(d.type, EDGEML_DEVICE_SOFTWARE);
	}
	assert_int_equal(edgeml_device_info(n, &d), EDGEML_ERR_NOT_FOUND);
	assert_int_equal(edgeml_device_info(0, NULL), EDGEML_ERR_INVALID_ARGUMENT);
	/* Both built-in backends are listed, each with its devices or why it has none. */
	assert_true(edgeml_backend_count() >= 2);
	const char *why;
	assert_string_equal(edgeml_backend_name(0, &why), "cpu");
	assert_string_equal(why, "");
	assert_string_equal(edgeml_backend_name(1, &why), "vulkan");
	assert_true(first_device("vulkan") >= 0 || why[0]);
	assert_null(edgeml_backend_name(99, NULL));
	assert_string_equal(edgeml_device_type_name(EDGEML_DEVICE_DISCRETE_GPU), "discrete GPU");
}

/* A device is named by its index, BACKEND:N or its name; a name that matches nothing is
 * an error naming it, never ignored. */
static void test_name_device(void **state)
{
	(void)state;
	model_image m = conv_relu_model(0);
	edgeml_session *s = session_on(m.model, EDGEML_BACKEND_AUTO, "0");
	assert_string_equal(edgeml_session_backend_name(s), "cpu-ref");
	edgeml_session_destroy(s);
	s = session_on(m.model, EDGEML_BACKEND_CPU, "cpu:0");
	edgeml_session_destroy(s);
	edgeml_device_properties cpu;
	assert_int_equal(edgeml_device_info(0, &cpu), EDGEML_OK);
	s = session_on(m.model, EDGEML_BACKEND_AUTO, cpu.name);
	assert_string_equal(edgeml_session_backend_name(s), "cpu-ref");
	edgeml_session_destroy(s);

	edgeml_session_options o;
	edgeml_session_options_init(&o);
	const char *bad[] = { "cpu:1", "no-such-device-xyz", "99" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.device = bad[i];
		s = NULL;
		assert_int_equal(edgeml_session_create(m.model, &o, &s), EDGEML_ERR_NOT_FOUND);
		assert_null(s);
		char quoted[64];
		snprintf(quoted, sizeof(quoted), "'%s'", bad[i]);
		assert_non_null(strstr(edgeml_last_error(), quoted));
	}
	/* With a backend named, an index is among that backend's devices. */
	o.backend = EDGEML_BACKEND_CPU;
	o.device = "1";
	assert_int_equal(edgeml_session_create(m.model, &o, &s), EDGEML_ERR_NOT_FOUND);
	assert_non_null(strstr(edgeml_last_error(), "no cpu device"));

	int vk = first_device("vulkan");
	if (vk >= 0) {
		char index[16];
		snprintf(index, sizeof(index), "%d", vk);
		s = session_on(m.model, EDGEML_BACKEND_AUTO, index);
		assert_string_equal(edgeml_session_backend_name(s), "vulkan");
		edgeml_session_destroy(s);
		s = session_on(m.model, EDGEML_BACKEND_AUTO, "vulkan:0");
		assert_string_equal(edgeml_session_backend_name(s), "vulkan");
		edgeml_session_destroy(s);
		s = session_on(m.model, EDGEML_BACKEND_VULKAN, "0");
		assert_string_equal(edgeml_session_backend_name(s), "vulkan");
		/* Vulkan profiles from its timestamps: every node, on the GPU or its fallback. */
		edgeml_node_profile p[4];
		size_t n;
		assert_int_equal(edgeml_session_profile_start(s), EDGEML_OK);
		assert_int_equal(edgeml_session_run(s), EDGEML_OK);
		assert_int_equal(edgeml_session_profile(s, p, 4, &n), EDGEML_OK);
		assert_int_equal(n, 2);
		assert_int_equal(p[0].macs, 12 * 2 * 3 * 3);
		for (size_t i = 0; i < n; i++)
			assert_true(strcmp(p[i].kernel, "gpu") == 0 ?
					    strcmp(p[i].backend, "vulkan") == 0 :
					    strcmp(p[i].backend, "cpu") == 0);
		edgeml_session_destroy(s);
	}
	unload(&m);
}

/* AUTO takes the best usable device by type; a software renderer never (lavapipe here). */
static void test_auto_rule(void **state)
{
	(void)state;
	size_t index;
	char why[512];
	assert_int_equal(edgeml_device_choose(NULL, &index, why, sizeof(why)), EDGEML_OK);
	edgeml_device_properties d;
	assert_int_equal(edgeml_device_info(index, &d), EDGEML_OK);
	assert_int_not_equal(d.type, EDGEML_DEVICE_SOFTWARE);
	assert_non_null(strstr(why, "auto: "));
	for (size_t i = 0; i < edgeml_device_count(); i++) {
		edgeml_device_properties o;
		assert_int_equal(edgeml_device_info(i, &o), EDGEML_OK);
		if (o.type == EDGEML_DEVICE_SOFTWARE)
			assert_non_null(strstr(why, "software"));
	}
	edgeml_session_options opts;
	edgeml_session_options_init(&opts);
	opts.backend = EDGEML_BACKEND_CPU;
	assert_int_equal(edgeml_device_choose(&opts, &index, why, sizeof(why)), EDGEML_OK);
	assert_int_equal(index, SIZE_MAX);
	assert_int_equal(edgeml_device_choose(NULL, NULL, why, sizeof(why)),
			 EDGEML_ERR_INVALID_ARGUMENT);
}

/* The profile has one entry per node, its kernel named, its MACs those of the graph, and
 * the node times add up to no more than the runs took. */
static void test_profile(void **state)
{
	(void)state;
	model_image m = conv_relu_model(0);
	edgeml_session *s = session_on(m.model, EDGEML_BACKEND_CPU, NULL);
	edgeml_node_profile p[4];
	size_t n;
	assert_int_equal(edgeml_session_profile(s, p, 4, &n), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_profile_start(s), EDGEML_OK);
	edgeml_session_stats before = { .struct_size = sizeof(before) }, after = before;
	assert_int_equal(edgeml_session_stats_get(s, &before), EDGEML_OK);
	const int runs = 20;
	for (int r = 0; r < runs; r++)
		assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	assert_int_equal(edgeml_session_stats_get(s, &after), EDGEML_OK);
	assert_int_equal(edgeml_session_profile(s, NULL, 0, &n), EDGEML_OK);
	assert_int_equal(n, 2);
	assert_int_equal(edgeml_session_profile(s, p, 4, &n), EDGEML_OK);
	double sum_ms = 0.0;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(p[i].node, i);
		assert_true(p[i].kernel[0]);
		assert_string_equal(p[i].backend, "cpu");
		assert_true(p[i].ms >= 0.0);
		sum_ms += p[i].ms;
	}
	assert_string_equal(p[0].name, "conv");
	assert_string_equal(p[0].op, "Conv");
	/* 12 outputs, each over 2 channels of a 3x3 kernel. */
	assert_int_equal(p[0].macs, 12 * 2 * 3 * 3);
	assert_int_equal(p[0].conv1x1, 0);
	assert_int_equal(p[1].macs, 0);
	double run_ms = (double)(after.total_run_ns - before.total_run_ns) / 1e6 / runs;
	assert_true(sum_ms > 0.0);
	assert_true(sum_ms <= run_ms * 1.01 + 1e-3);
	/* The stats say what the plan holds. */
	assert_true(after.io_bytes >= (16 * 2 + 12) * sizeof(float));
	edgeml_session_destroy(s);
	unload(&m);
}

/* A third backend joins by registration: listed, taken by AUTO (a virtual GPU outranks the
 * CPU) for the model it runs, passed over to the CPU for one it cannot, named by id. */
static void test_null_backend(void **state)
{
	(void)state;
	size_t before = edgeml_device_count();
	assert_int_equal(eml_backend_register(&null_backend), EDGEML_OK);
	assert_int_equal(eml_backend_register(&null_backend), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_device_count(), before + 1);
	int idx = first_device("null");
	assert_int_equal(idx, (int)before);
	edgeml_device_properties d;
	assert_int_equal(edgeml_device_info((size_t)idx, &d), EDGEML_OK);
	assert_int_equal(d.type, EDGEML_DEVICE_VIRTUAL_GPU);
	assert_string_equal(d.name, "null accelerator");

	model_image relu = conv_relu_model(1);
	edgeml_session *s = session_on(relu.model, EDGEML_BACKEND_AUTO, NULL);
	assert_string_equal(edgeml_session_backend_name(s), "null");
	edgeml_tensor *in, *out;
	const float x[12] = { -1, 2, -3, 4, 5, -6, 7, -8, 9, 10, -11, 12 };
	float y[12];
	assert_int_equal(edgeml_session_input(s, 0, &in), EDGEML_OK);
	assert_int_equal(edgeml_tensor_write(in, x, sizeof(x)), EDGEML_OK);
	assert_int_equal(edgeml_session_profile_start(s), EDGEML_OK);
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	assert_int_equal(edgeml_session_output(s, 0, &out), EDGEML_OK);
	assert_int_equal(edgeml_tensor_read(out, y, sizeof(y)), EDGEML_OK);
	for (int i = 0; i < 12; i++)
		assert_true(y[i] == (x[i] > 0 ? x[i] : 0.0f));
	edgeml_node_profile p;
	size_t n;
	assert_int_equal(edgeml_session_profile(s, &p, 1, &n), EDGEML_OK);
	assert_int_equal(n, 1);
	assert_string_equal(p.backend, "null");
	assert_string_equal(p.kernel, "gpu");
	assert_true(p.ms == 1.0);
	edgeml_session_destroy(s);

	/* The Conv model: the null backend refuses it, AUTO runs it on the CPU and says why. */
	model_image conv = conv_relu_model(0);
	s = session_on(conv.model, EDGEML_BACKEND_AUTO, NULL);
	assert_string_equal(edgeml_session_backend_name(s), "cpu-ref");
	assert_non_null(strstr(edgeml_session_backend_detail(s), "the null backend has no Conv"));
	edgeml_session_destroy(s);
	/* Named, it is not passed over: the refusal is the answer. */
	edgeml_session_options o;
	edgeml_session_options_init(&o);
	o.device = "null:0";
	assert_int_equal(edgeml_session_create(conv.model, &o, &s), EDGEML_ERR_UNSUPPORTED);
	assert_non_null(strstr(edgeml_last_error(), "null backend has no Conv"));

	eml_backend_unregister(&null_backend);
	assert_int_equal(edgeml_device_count(), before);
	assert_int_equal(first_device("null"), -1);
	unload(&conv);
	unload(&relu);
}

/* arm64 kernels print no "model name": the cores are named from MIDR implementer/part. */
static void test_cpu_model_from_cpuinfo(void **state)
{
	(void)state;
	char m[96];
	static const char rk3588[] = "processor\t: 0\nBogoMIPS\t: 48.00\n"
				     "CPU implementer\t: 0x41\nCPU architecture: 8\n"
				     "CPU variant\t: 0x2\nCPU part\t: 0xd05\nCPU revision\t: 0\n\n"
				     "processor\t: 4\nCPU implementer\t: 0x41\n"
				     "CPU part\t: 0xd0b\n\nprocessor\t: 5\n"
				     "CPU implementer\t: 0x41\nCPU part\t: 0xd0b\n";
	snprintf(m, sizeof(m), "unknown");
	eml_cpu_model_from_cpuinfo(rk3588, m, sizeof(m));
	assert_string_equal(m, "Cortex-A55 + Cortex-A76");
	static const char qemu_max[] = "processor\t: 0\nCPU implementer\t: 0x00\n"
				       "CPU part\t: 0x051\n";
	eml_cpu_model_from_cpuinfo(qemu_max, m, sizeof(m));
	assert_string_equal(m, "implementer 0x00 part 0x051");
	static const char x86[] = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n";
	eml_cpu_model_from_cpuinfo(x86, m, sizeof(m));
	assert_string_equal(m, "AMD EPYC 7B13");
	static const char pi_armv7[] = "model name\t: ARMv7 Processor rev 3 (v7l)\n"
				       "CPU implementer\t: 0x41\nCPU part\t: 0xd08\n"
				       "Hardware\t: BCM2835\n";
	eml_cpu_model_from_cpuinfo(pi_armv7, m, sizeof(m));
	assert_string_equal(m, "ARMv7 Processor rev 3 (v7l)");
	snprintf(m, sizeof(m), "unknown");
	eml_cpu_model_from_cpuinfo("processor\t: 0\nCPU part\t: 0xd0b\n", m, sizeof(m));
	assert_string_equal(m, "unknown"); /* a part without its implementer names nothing */
	eml_cpu_model_from_cpuinfo("", m, sizeof(m));
	assert_string_equal(m, "unknown");
}

/* A model partitioned across the null device and the CPU: a = x + y (null, also a graph
 * output), b = Sigmoid(a) (the CPU: the null device has no Sigmoid), d = Relu(b) + x (null).
 * Three partitions and three copies a run (a to the CPU, b back, and the graph input x,
 * held by the first partition, to the third); the outputs are those of a CPU-only run,
 * bit for bit; the profile names each node's backend and carries the copies. */
static void test_partition_null_cpu(void **state)
{
	(void)state;
	static const uint32_t inputs[2] = { 0, 1 }, outputs[2] = { 5, 2 };
	static const test_node nodes[4] = {
		{ "add", EML_OP_Add, { 0, 1 }, 2, 2 },
		{ "sigmoid", EML_OP_Sigmoid, { 2, 0 }, 1, 3 },
		{ "relu", EML_OP_Relu, { 3, 0 }, 1, 4 },
		{ "add2", EML_OP_Add, { 4, 0 }, 2, 5 },
	};
	model_image m = float_model(6, inputs, 2, outputs, 2, nodes, 4);
	assert_int_equal(eml_backend_register(&null_backend), EDGEML_OK);
	edgeml_session *cpu = session_on(m.model, EDGEML_BACKEND_CPU, NULL);
	float want[32], got[32];
	run_pattern(cpu, 2, 2, want);
	edgeml_session_destroy(cpu);

	edgeml_session *s = null_session(m.model, EDGEML_SESSION_CPU_FALLBACK);
	uint32_t transfers;
	assert_int_equal(eml_session_partitions(s, &transfers), 3);
	assert_int_equal(transfers, 3);
	assert_string_equal(edgeml_session_backend_name(s), "null");
	const char *detail = edgeml_session_backend_detail(s);
	assert_non_null(strstr(detail, "3 partitions: null 1 node, cpu 1 node (Sigmoid), "
				       "null 2 nodes; CPU fallback: 1 nodes, 3 transfers, 192 "
				       "bytes per run"));
	assert_int_equal(edgeml_session_profile_start(s), EDGEML_OK);
	for (int r = 0; r < 2; r++) {
		memset(got, 0, sizeof(got));
		run_pattern(s, 2, 2, got);
		assert_memory_equal(got, want, sizeof(want));
	}
	edgeml_session_stats st = { .struct_size = sizeof(st) };
	assert_int_equal(edgeml_session_stats_get(s, &st), EDGEML_OK);
	assert_int_equal(st.transfers_last_run, 3);
	assert_int_equal(st.bytes_transferred_last_run, 3 * 64);
	assert_int_equal(st.bytes_transferred_total, 2 * 3 * 64);
	edgeml_node_profile p[4];
	size_t n;
	assert_int_equal(edgeml_session_profile(s, p, 4, &n), EDGEML_OK);
	assert_int_equal(n, 4);
	const char *backend[4] = { "null", "cpu", "null", "null" };
	const double copies[4] = { 0, 1, 1, 1 };
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(p[i].node, i);
		assert_string_equal(p[i].backend, backend[i]);
		assert_true(p[i].transfers == copies[i]);
		assert_int_equal(p[i].transfer_bytes, copies[i] * 64);
		assert_true(p[i].transfer_ms >= 0.0);
	}
	assert_string_equal(p[1].op, "Sigmoid");
	assert_string_not_equal(p[1].kernel, "gpu");
	assert_true(p[0].ms == 1.0 && p[3].ms == 1.0);
	/* submit and wait run the partitions too (the null device has no asynchronous half). */
	assert_int_equal(edgeml_session_submit(s), EDGEML_OK);
	assert_int_equal(edgeml_session_wait(s), EDGEML_OK);
	edgeml_session_destroy(s);

	/* Without the flag, the named device's refusal is the answer. */
	edgeml_session_options o;
	edgeml_session_options_init(&o);
	o.device = "null:0";
	assert_int_equal(edgeml_session_create(m.model, &o, &s), EDGEML_ERR_UNSUPPORTED);
	assert_non_null(strstr(edgeml_last_error(), "null backend has no Sigmoid"));
	eml_backend_unregister(&null_backend);
	unload(&m);
}

/* A backend that rejects the middle node of a chain: x -> Relu -> Sigmoid -> Relu -> y runs
 * as null, CPU, null with a copy at each of the two edges, and gives the CPU's bytes. A
 * device that takes every node makes one partition and no copies. */
static void test_partition_middle(void **state)
{
	(void)state;
	static const uint32_t inputs[1] = { 0 }, outputs[1] = { 3 };
	static const test_node nodes[3] = {
		{ "relu1", EML_OP_Relu, { 0, 0 }, 1, 1 },
		{ "sigmoid", EML_OP_Sigmoid, { 1, 0 }, 1, 2 },
		{ "relu2", EML_OP_Relu, { 2, 0 }, 1, 3 },
	};
	model_image m = float_model(4, inputs, 1, outputs, 1, nodes, 3);
	assert_int_equal(eml_backend_register(&null_backend), EDGEML_OK);
	edgeml_session *cpu = session_on(m.model, EDGEML_BACKEND_CPU, NULL);
	float want[16], got[16];
	run_pattern(cpu, 1, 1, want);
	edgeml_session_destroy(cpu);
	edgeml_session *s = null_session(m.model, EDGEML_SESSION_CPU_FALLBACK);
	uint32_t transfers;
	assert_int_equal(eml_session_partitions(s, &transfers), 3);
	assert_int_equal(transfers, 2);
	run_pattern(s, 1, 1, got);
	assert_memory_equal(got, want, sizeof(want));
	edgeml_session_stats st = { .struct_size = sizeof(st) };
	assert_int_equal(edgeml_session_stats_get(s, &st), EDGEML_OK);
	assert_int_equal(st.transfers_last_run, 2);
	assert_int_equal(st.bytes_transferred_last_run, 2 * 64);
	edgeml_session_destroy(s);

	static const test_node relus[2] = {
		{ "relu1", EML_OP_Relu, { 0, 0 }, 1, 1 },
		{ "relu2", EML_OP_Relu, { 1, 0 }, 1, 2 },
	};
	static const uint32_t out2[1] = { 2 };
	model_image all = float_model(3, inputs, 1, out2, 1, relus, 2);
	s = null_session(all.model, EDGEML_SESSION_CPU_FALLBACK);
	assert_int_equal(eml_session_partitions(s, &transfers), 1);
	assert_int_equal(transfers, 0);
	assert_null(strstr(edgeml_session_backend_detail(s), "partitions"));
	run_pattern(s, 1, 1, got);
	assert_int_equal(edgeml_session_stats_get(s, &st), EDGEML_OK);
	assert_int_equal(st.transfers_last_run, 0);
	edgeml_session_destroy(s);

	/* A device that takes no node: one partition, on the CPU. */
	static const test_node sig[1] = { { "sigmoid", EML_OP_Sigmoid, { 0, 0 }, 1, 1 } };
	static const uint32_t out1[1] = { 1 };
	model_image none = float_model(2, inputs, 1, out1, 1, sig, 1);
	s = null_session(none.model, EDGEML_SESSION_CPU_FALLBACK);
	assert_int_equal(eml_session_partitions(s, &transfers), 1);
	assert_string_equal(edgeml_session_backend_name(s), "null");
	assert_non_null(strstr(edgeml_session_backend_detail(s),
			       "1 partition: cpu 1 node (Sigmoid); CPU fallback: 1 nodes, 0 "
			       "transfers"));
	run_pattern(s, 1, 1, got);
	edgeml_session_destroy(s);
	eml_backend_unregister(&null_backend);
	unload(&none);
	unload(&all);
	unload(&m);
}

/* The cost rule: a device run without MACs between two CPU partitions runs on the CPU when
 * that copies fewer bytes. x -> Sigmoid -> Relu -> Sigmoid -> Relu -> y on the null device
 * (no Sigmoid): the first Relu joins the CPU partition around it (2 partitions, 1 copy,
 * instead of 4 and 3); the last stays on the device. Same bytes out as the CPU alone. */
static void test_partition_cheap_island(void **state)
{
	(void)state;
	static const uint32_t inputs[1] = { 0 }, outputs[1] = { 4 };
	static const test_node nodes[4] = {
		{ "sigmoid1", EML_OP_Sigmoid, { 0, 0 }, 1, 1 },
		{ "relu1", EML_OP_Relu, { 1, 0 }, 1, 2 },
		{ "sigmoid2", EML_OP_Sigmoid, { 2, 0 }, 1, 3 },
		{ "relu2", EML_OP_Relu, { 3, 0 }, 1, 4 },
	};
	model_image m = float_model(5, inputs, 1, outputs, 1, nodes, 4);
	assert_int_equal(eml_backend_register(&null_backend), EDGEML_OK);
	edgeml_session *cpu = session_on(m.model, EDGEML_BACKEND_CPU, NULL);
	float want[16], got[16];
	run_pattern(cpu, 1, 1, want);
	edgeml_session_destroy(cpu);
	edgeml_session *s = null_session(m.model, EDGEML_SESSION_CPU_FALLBACK);
	uint32_t transfers;
	assert_int_equal(eml_session_partitions(s, &transfers), 2);
	assert_int_equal(transfers, 1);
	assert_non_null(strstr(edgeml_session_backend_detail(s),
			       "2 partitions: cpu 3 nodes (Sigmoid, Relu, Sigmoid), null 1 node"));
	run_pattern(s, 1, 1, got);
	assert_memory_equal(got, want, sizeof(want));
	edgeml_session_stats st = { .struct_size = sizeof(st) };
	assert_int_equal(edgeml_session_stats_get(s, &st), EDGEML_OK);
	assert_int_equal(st.bytes_transferred_last_run, 64);
	edgeml_session_destroy(s);
	eml_backend_unregister(&null_backend);
	unload(&m);
}

/* ---- AUTO by measured latency (latency_record.c) ----------------------------------------- */

/* A fresh cache directory in EDGEML_CACHE_DIR; its record file's path in path. */
static void fresh_cache(char *dir, size_t size, char *path, size_t path_size)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, size, "%s/edgeml-latency-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	setenv("EDGEML_CACHE_DIR", dir, 1);
	snprintf(path, path_size, "%s/latency.tsv", dir);
}

static void remove_cache(const char *dir, const char *path)
{
	char lock[4300];
	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(path);
	unlink(lock);
	rmdir(dir);
	unsetenv("EDGEML_CACHE_DIR");
}

/* Records ms for a session made with backend kind, device and threads. */
static void record(const edgeml_model *m, edgeml_backend_kind kind, const char *device,
		   uint32_t threads, double ms)
{
	edgeml_session_options o;
	edgeml_session_options_init(&o);
	o.backend = kind;
	o.device = device;
	o.threads = threads;
	edgeml_session *s;
	assert_int_equal(edgeml_session_create(m, &o, &s), EDGEML_OK);
	if (edgeml_session_record_latency(s, NULL, ms) != EDGEML_OK)
		fail_msg("record: %s", edgeml_last_error());
	edgeml_session_destroy(s);
}

/* The backend AUTO gives m with threads, and its detail in detail. */
static const char *auto_backend(const edgeml_model *m, uint32_t threads, char *detail,
				size_t size)
{
	edgeml_session_options o;
	edgeml_session_options_init(&o);
	o.threads = threads;
	edgeml_session *s;
	assert_int_equal(edgeml_session_create(m, &o, &s), EDGEML_OK);
	const char *name = edgeml_session_backend_name(s);
	snprintf(detail, size, "%s", edgeml_session_backend_detail(s));
	edgeml_session_destroy(s);
	return name; /* a static string of the backend */
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int n = 0, c, last = '\n';
	while ((c = fgetc(f)) != EOF) {
		n += c == '\n';
		last = c;
	}
	fclose(f);
	assert_int_equal(last, '\n');
	return n;
}

/* AUTO's type rule puts the null backend (a virtual GPU) before the CPU; measurements of
 * both reorder them, for the same threads only; a measurement of one alone changes nothing. */
static void test_auto_measured(void **state)
{
	(void)state;
	char dir[4096], path[4200], detail[700];
	fresh_cache(dir, sizeof(dir), path, sizeof(path));
	assert_int_equal(eml_backend_register(&null_backend), EDGEML_OK);
	model_image relu = conv_relu_model(1);
	int null_index = first_device("null");

	assert_string_equal(auto_backend(relu.model, 0, detail, sizeof(detail)), "null");
	double ms;
	assert_int_equal(edgeml_model_recorded_latency(relu.model, NULL, 0, &ms),
			 EDGEML_ERR_NOT_FOUND);
	record(relu.model, EDGEML_BACKEND_CPU, NULL, 0, 0.5);
	/* One measured device: nothing to compare, the type rule stands. */
	assert_string_equal(auto_backend(relu.model, 0, detail, sizeof(detail)), "null");
	record(relu.model, EDGEML_BACKEND_AUTO, "null:0", 0, 2.0);
	assert_string_equal(auto_backend(relu.model, 0, detail, sizeof(detail)), "cpu-ref");
	assert_non_null(strstr(detail, "auto: measured cpu"));
	assert_non_null(strstr(detail, "null 'null accelerator' 2 ms"));
	assert_int_equal(edgeml_model_recorded_latency(relu.model, NULL, 0, &ms), EDGEML_OK);
	assert_true(ms == 0.5);
	assert_int_equal(edgeml_model_recorded_latency(relu.model, NULL, (size_t)null_index, &ms),
			 EDGEML_OK);
	assert_true(ms == 2.0);
	/* A newer measurement replaces the older one. */
	record(relu.model, EDGEML_BACKEND_AUTO, "null:0", 0, 0.25);
	assert_string_equal(auto_backend(relu.model, 0, detail, sizeof(detail)), "null");
	assert_int_equal(count_lines(path), 3); /* the header and two measurements */
	/* Another thread count has measurements of its own. */
	record(relu.model, EDGEML_BACKEND_CPU, NULL, 1, 0.01);
	assert_string_equal(auto_backend(relu.model, 1, detail, sizeof(detail)), "null");
	record(relu.model, EDGEML_BACKEND_AUTO, "null:0", 1, 3.0);
	assert_string_equal(auto_backend(relu.model, 1, detail, sizeof(detail)), "cpu-ref");
	assert_string_equal(auto_backend(relu.model, 0, detail, sizeof(detail)), "null");
	/* Another model has none. */
	model_image conv = conv_relu_model(0);
	assert_int_equal(edgeml_model_recorded_latency(conv.model, NULL, 0, &ms),
			 EDGEML_ERR_NOT_FOUND);
	/* Nonsense is refused. */
	edgeml_session *s = session_on(relu.model, EDGEML_BACKEND_CPU, NULL);
	assert_int_equal(edgeml_session_record_latency(s, NULL, -1.0),
			 EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_record_latency(s, NULL, 0.0 / 0.0),
			 EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_session_record_latency(NULL, NULL, 1.0),
			 EDGEML_ERR_INVALID_ARGUMENT);
	/* "off" keeps no record. */
	assert_int_equal(edgeml_session_record_latency(s, "off", 1.0), EDGEML_ERR_UNSUPPORTED);
	edgeml_session_destroy(s);

	unload(&conv);
	unload(&relu);
	eml_backend_unregister(&null_backend);
	remove_cache(dir, path);
}

/* The record is untrusted: damaged lines are skipped (and dropped at the next write), a
 * record that cannot be written says which file, the oldest lines go when it is full. */
static void test_latency_record_damaged(void **state)
{
	(void)state;
	char dir[4096], path[4200], detail[700];
	fresh_cache(dir, sizeof(dir), path, sizeof(path));
	assert_int_equal(eml_backend_register(&null_backend), EDGEML_OK);
	model_image relu = conv_relu_model(1);
	record(relu.model, EDGEML_BACKEND_CPU, NULL, 0, 0.5);
	record(relu.model, EDGEML_BACKEND_AUTO, "null:0", 0, 2.0);
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs("garbage\n\t\t\t\t\t\t\t\n", f);
	fputs("x\t0\t0\tnan\t1\tcpu\tname\t-\n", f);
	fputs("x\t0\t0\t-5\t1\tcpu\tname\t-\n", f);
	fputs("x\t-1\t0\t5\t1\tcpu\tname\t-\n", f);
	fputs("x\t0\t0\t5\t1\tcpu\tname\t-\textra\n", f);
	fputc(0, f);
	fputs("\xff\xfe binary\n", f);
	for (int i = 0; i < 5000; i++)
		fputc('A', f);
	fputs("\nunterminated", f);
	fclose(f);
	assert_string_equal(auto_backend(relu.model, 0, detail, sizeof(detail)), "cpu-ref");
	assert_non_null(strstr(detail, "unreadable lines skipped"));
	record(relu.model, EDGEML_BACKEND_CPU, NULL, 2, 1.0);
	assert_int_equal(count_lines(path), 4);
	assert_string_equal(auto_backend(relu.model, 0, detail, sizeof(detail)), "cpu-ref");
	assert_null(strstr(detail, "unreadable"));

	/* Full: 1100 lines of other models, then one more measurement. */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 1100; i++)
		fprintf(f, "m%d\t0\t0\t1.5\t1\tcpu\tname\t-\n", i);
	fclose(f);
	record(relu.model, EDGEML_BACKEND_CPU, NULL, 0, 0.75);
	assert_int_equal(count_lines(path), 1 + 1024);
	double ms;
	assert_int_equal(edgeml_model_recorded_latency(relu.model, NULL, 0, &ms), EDGEML_OK);
	assert_true(ms == 0.75);

	/* A record that cannot be written: the error names the file, nothing else changes. */
	unlink(path);
	assert_int_equal(mkdir(path, 0755), 0);
	edgeml_session *s = session_on(relu.model, EDGEML_BACKEND_CPU, NULL);
	assert_int_equal(edgeml_session_record_latency(s, NULL, 1.0), EDGEML_ERR_IO);
	assert_non_null(strstr(edgeml_last_error(), "latency.tsv"));
	assert_string_equal(auto_backend(relu.model, 0, detail, sizeof(detail)), "null");
	rmdir(path);
	/* A cache directory that cannot be made. */
	char file_dir[4300];
	snprintf(file_dir, sizeof(file_dir), "%s/file/sub", dir);
	snprintf(path, sizeof(path), "%s/file", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(edgeml_session_record_latency(s, file_dir, 1.0), EDGEML_ERR_UNSUPPORTED);
	unlink(path);
	edgeml_session_destroy(s);
	snprintf(path, sizeof(path), "%s/latency.tsv", dir);

	unload(&relu);
	eml_backend_unregister(&null_backend);
	remove_cache(dir, path);
}

/* Writers in several processes take turns: no measurement is lost, every line parses. */
static void test_latency_record_writers(void **state)
{
	(void)state;
	char dir[4096], path[4200];
	fresh_cache(dir, sizeof(dir), path, sizeof(path));
	model_image relu = conv_relu_model(1);
	enum { WRITERS = 4, EACH = 15 };
	pid_t pid[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		pid[w] = fork();
		assert_true(pid[w] >= 0);
		if (pid[w] == 0) {
			edgeml_session_options o;
			edgeml_session_options_init(&o);
			o.backend = EDGEML_BACKEND_CPU;
			int bad = 0;
			for (int i = 0; i < EACH; i++) {
				edgeml_session *s;
				o.threads = (uint32_t)(1 + w * EACH + i);
				bad |= edgeml_session_create(relu.model, &o, &s) != EDGEML_OK ||
				       edgeml_session_record_latency(s, NULL, 1.0 + i) != EDGEML_OK;
				edgeml_session_destroy(s);
			}
			_exit(bad);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		int status;
		assert_int_equal(waitpid(pid[w], &status, 0), pid[w]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(count_lines(path), 1 + WRITERS * EACH);
	for (int w = 0; w < WRITERS; w++)
		for (int i = 0; i < EACH; i += 7) {
			edgeml_session_options o;
			edgeml_session_options_init(&o);
			o.threads = (uint32_t)(1 + w * EACH + i);
			double ms;
			assert_int_equal(edgeml_model_recorded_latency(relu.model, &o, 0, &ms),
					 EDGEML_OK);
			assert_true(ms == 1.0 + i);
		}
	unload(&relu);
	remove_cache(dir, path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_list),
		cmocka_unit_test(test_cpu_model_from_cpuinfo),
		cmocka_unit_test(test_name_device),
		cmocka_unit_test(test_auto_rule),
		cmocka_unit_test(test_profile),
		cmocka_unit_test(test_null_backend),
		cmocka_unit_test(test_partition_null_cpu),
		cmocka_unit_test(test_partition_middle),
		cmocka_unit_test(test_partition_cheap_island),
		cmocka_unit_test(test_auto_measured),
		cmocka_unit_test(test_latency_record_damaged),
		cmocka_unit_test(test_latency_record_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
