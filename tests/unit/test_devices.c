/* test_devices.c — backends and devices as objects: the device list (the CPU, and lavapipe
 * where Vulkan is built), naming a device, AUTO's rule, the per-node profile, and a toy third
 * backend that plugs in by registration alone (null_backend.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "convert/eml_write.h"
#include "cpu_features.h"
#include "edgeml.h"
#include "graph.h"
#include "null_backend.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_list),
		cmocka_unit_test(test_cpu_model_from_cpuinfo),
		cmocka_unit_test(test_name_device),
		cmocka_unit_test(test_auto_rule),
		cmocka_unit_test(test_profile),
		cmocka_unit_test(test_null_backend),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
