/* cmd_info.c — `edgeml info`: version, build options, CPU and backends of this machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/utsname.h>

#include "commands.h"
#include "edgeml.h"

/* Prints the command's usage. */
static void usage(FILE *f)
{
	fprintf(f, "usage: edgeml info [MODEL] [--help]\n\n"
		   "Prints the library version, the options it was built with, the CPU's model\n"
		   "and the features the kernels can use, the trust store for packages, and the\n"
		   "backends available. With MODEL (.eml or .emlpkg): its inputs and outputs,\n"
		   "and for an image input the frames it takes and what is done to them.\n");
}

/* Prints the CPU (device 0), its features and the level of kernels this process runs. */
static void print_cpu(void)
{
	edgeml_device_properties cpu;
	struct utsname u;
	const char *rejected;
	if (edgeml_device_info(0, &cpu) != EDGEML_OK)
		return;
	printf("cpu:           %s (%s)\n", cpu.name, uname(&u) == 0 ? u.machine : "unknown");
	printf("cpu features:  %s\n", cpu.features[0] ? cpu.features : "none");
	printf("cpu kernels:   %s", edgeml_cpu_kernels(&rejected));
	if (rejected)
		printf(" (EDGEML_CPU_ISA=%s is not a level this CPU runs)", rejected);
	printf("\n");
}

/* Prints the backends, every device with what its backend uses of it, and what the
 * automatic choice takes. */
static void print_devices(void)
{
	printf("backends:     ");
	for (size_t b = 0; b < edgeml_backend_count(); b++)
		printf("%s %s", b ? "," : "", edgeml_backend_name(b, NULL));
	printf("\n");
	for (size_t b = 0; b < edgeml_backend_count(); b++) {
		const char *why;
		const char *name = edgeml_backend_name(b, &why);
		if (why[0])
			printf("%-14s unavailable: %s\n", name, why);
	}
	for (size_t i = 0; i < edgeml_device_count(); i++) {
		edgeml_device_properties d;
		if (edgeml_device_info(i, &d) != EDGEML_OK)
			break;
		printf("device %zu:      %s %u: %s (%s)\n", i, d.backend, d.backend_index, d.name,
		       edgeml_device_type_name(d.type));
		if (d.type == EDGEML_DEVICE_CPU)
			printf("  driver:        %s\n", d.driver);
		else
			printf("  driver:        %s %s, API %s\n", d.driver, d.driver_info,
			       d.api_version);
		if (d.type != EDGEML_DEVICE_CPU)
			printf("  drm node:      %s\n", d.drm_node[0] ? d.drm_node : "none found");
		printf("  features:      %s\n", d.features[0] ? d.features : "none");
		if (d.unusable[0])
			printf("  unusable:      %s\n", d.unusable);
	}
	size_t index;
	char why[512];
	if (edgeml_device_choose(NULL, &index, why, sizeof(why)) == EDGEML_OK)
		printf("auto device:   %zu (%s)\n", index, why);
	else
		printf("auto device:   none: %s\n", edgeml_last_error());
}

/* Prints the trust store this process would use for packages (docs/fleet.md). */
static void print_trust(void)
{
	edgeml_trust_info t;
	if (edgeml_trust_info_get(NULL, &t) != EDGEML_OK)
		printf("trust store:   unreadable: %s\n", edgeml_last_error());
	else if (!t.active)
		printf("trust store:   none (no %s/trusted.d): any model loads\n", t.dir);
	else
		printf("trust store:   %s: %u trusted, %u revoked key(s), %u decryption key(s); "
		       "only signed packages load\n",
		       t.dir, t.n_trusted, t.n_revoked, t.n_decrypt);
}

/* Prints a tensor's name, type, shape and quantization. */
static void print_tensor(const char *what, size_t i, const edgeml_tensor_info *t)
{
	printf("%s %zu:%*s%s %s[", what, i, what[0] == 'i' ? 6 : 5, "", t->name,
	       edgeml_dtype_name(t->dtype));
	for (uint32_t d = 0; d < t->rank; d++)
		printf("%s%lld", d ? "," : "", (long long)t->dims[d]);
	printf("]");
	if (t->quant_count == 1)
		printf(" scale %g zero point %d", (double)t->quant_scales[0],
		       t->quant_zero_points[0]);
	else if (t->quant_count > 1)
		printf(" per-axis quantization (axis %d, %u channels)", t->quant_axis,
		       t->quant_count);
	printf("\n");
}

/* Prints an image input's preprocessing (docs/stream.md). */
static void print_image(const edgeml_image_input_info *im)
{
	printf("  image input:   %s %ux%u frames (%zu bytes), crop %u,%u %ux%u, %s resize to "
	       "%ux%u, %s %s\n",
	       im->format_name, im->width, im->height, im->frame_bytes, im->crop_x, im->crop_y,
	       im->crop_width, im->crop_height, im->resize, im->out_width, im->out_height,
	       im->layout, im->channel_order);
	printf("  normalise:     (x/255 - mean) / std, mean %g,%g,%g std %g,%g,%g\n",
	       (double)im->mean[0], (double)im->mean[1], (double)im->mean[2], (double)im->std[0],
	       (double)im->std[1], (double)im->std[2]);
	if (im->out_dtype == EDGEML_DTYPE_FLOAT32)
		printf("  output:        float32\n");
	else
		printf("  output:        %s, scale %g zero point %d\n",
		       edgeml_dtype_name(im->out_dtype), (double)im->out_scale,
		       im->out_zero_point);
}

/* Prints a model's inputs (with image preprocessing) and outputs; returns an exit code. */
static int print_model(edgeml_context *ctx, const char *path)
{
	edgeml_model *m;
	if (edgeml_model_load_file(ctx, path, &m) != EDGEML_OK) {
		fprintf(stderr, "edgeml info: %s\n", edgeml_last_error());
		return 1;
	}
	printf("model:         %s\n", path);
	for (size_t i = 0; i < edgeml_model_input_count(m); i++) {
		edgeml_tensor_info t;
		edgeml_image_input_info im;
		if (edgeml_model_input_info(m, i, &t) != EDGEML_OK)
			break;
		print_tensor("input", i, &t);
		if (edgeml_model_input_image(m, i, &im) == EDGEML_OK)
			print_image(&im);
	}
	for (size_t i = 0; i < edgeml_model_output_count(m); i++) {
		edgeml_tensor_info t;
		if (edgeml_model_output_info(m, i, &t) != EDGEML_OK)
			break;
		print_tensor("output", i, &t);
	}
	edgeml_model_free(m);
	return 0;
}

int edgeml_cmd_info(int argc, char **argv)
{
	const char *model = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (argv[i][0] != '-' && !model) {
			model = argv[i];
			continue;
		}
		fprintf(stderr, "edgeml info: unknown argument '%s'\n", argv[i]);
		usage(stderr);
		return 2;
	}
	edgeml_context *ctx;
	if (edgeml_context_create(&ctx) != EDGEML_OK) {
		fprintf(stderr, "edgeml info: %s\n", edgeml_last_error());
		return 1;
	}
	if (model) {
		int rc = print_model(ctx, model);
		edgeml_context_destroy(ctx);
		return rc;
	}
	printf("edgeml:        %s\n", edgeml_version());
	printf("build options: %s\n", edgeml_build_options());
	print_cpu();
	print_trust();
	print_devices();
	edgeml_context_destroy(ctx);
	return 0;
}
