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
	fprintf(f, "usage: edgeml info [--help]\n\n"
		   "Prints the library version, the options it was built with, the CPU's model\n"
		   "and the features the kernels can use, the trust store for packages, and the\n"
		   "backends available.\n");
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
	print_cpu();
	print_trust();
	print_devices();
	edgeml_context_destroy(ctx);
	return 0;
}
