/* cmd_info.c — `edgeml info`: version, build options, CPU and backends of this machine. */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "commands.h"
#include "context.h"
#include "cpu/isa.h"
#include "edgeml.h"

/* Prints the command's usage. */
static void usage(FILE *f)
{
	fprintf(f, "usage: edgeml info [--help]\n\n"
		   "Prints the library version, the options it was built with, the CPU's model\n"
		   "and the features the kernels can use, and the backends available.\n");
}

/* Prints the CPU line and its features, space-separated ("none" when it has none). */
static void print_cpu(const eml_cpu_info *cpu)
{
	printf("cpu:           %s (%s)\n", cpu->model, cpu->arch);
	printf("cpu features: ");
	for (uint32_t f = 1; f < EML_CPU_FEATURE_END; f <<= 1)
		if (cpu->features & f)
			printf(" %s", eml_cpu_feature_name(f));
	printf("%s\n", cpu->features ? "" : " none");
}

int edgeml_cmd_info(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
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
	printf("edgeml:        %s\n", edgeml_version());
	printf("build options: %s\n", edgeml_build_options());
	print_cpu(&ctx->cpu);
	printf("cpu kernels:   %s", eml_isa_name(eml_isa_active()));
	if (eml_isa_rejected())
		printf(" (EDGEML_CPU_ISA=%s is not a level this CPU runs)", eml_isa_rejected());
	printf("\n");
	printf("backends:      %s (vulkan: not in this build)\n", eml_cpu_backend.name);
	edgeml_context_destroy(ctx);
	return 0;
}
