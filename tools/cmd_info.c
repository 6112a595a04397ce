/* cmd_info.c — `edgeml info`: version, build options, CPU and backends of this machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "commands.h"
#include "context.h"
#include "cpu/isa.h"
#include "edgeml.h"
#include "package.h"
#include "vulkan/vk_device.h"

/* Prints the command's usage. */
static void usage(FILE *f)
{
	fprintf(f, "usage: edgeml info [--help]\n\n"
		   "Prints the library version, the options it was built with, the CPU's model\n"
		   "and the features the kernels can use, the trust store for packages, and the\n"
		   "backends available.\n");
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

/* Prints the backends, every Vulkan device with what the backend uses of it, and what the
 * automatic choice takes. */
static void print_vulkan(void)
{
	const eml_vk_instance *vi;
	char why[400];
	int gpu = eml_vulkan_auto_usable(why, sizeof(why));
	printf("backends:      %s, %s\n", eml_cpu_backend.name, eml_vulkan_backend.name);
	printf("auto backend:  %s (%s)\n", gpu ? eml_vulkan_backend.name : eml_cpu_backend.name,
	       why);
	if (eml_vk_instance_shared(&vi) != EDGEML_OK) {
		printf("vulkan:        unavailable: %s\n", edgeml_last_error());
		return;
	}
	for (uint32_t i = 0; i < vi->n_devices; i++) {
		const eml_vk_device_info *d = &vi->info[i];
		printf("vulkan device %u: %s (%s)\n", i, d->name, eml_vk_device_type_name(d->type));
		printf("  driver:        %s %s, Vulkan %u.%u.%u\n", d->driver_name, d->driver_info,
		       VK_API_VERSION_MAJOR(d->api_version), VK_API_VERSION_MINOR(d->api_version),
		       VK_API_VERSION_PATCH(d->api_version));
		printf("  drm node:      %s\n",
		       d->drm_node[0] ? d->drm_node :
		       d->has_drm_ext ? "none found" :
					"unknown (no VK_EXT_physical_device_drm)");
		printf("  subgroup size: %u (workgroups of %u)\n", d->subgroup_size, d->local_size);
		printf("  shared memory: %u bytes, %u invocations per workgroup\n",
		       d->shared_memory, d->max_invocations);
		printf("  features:      8-bit storage %s, int8 %s, fp16 %s, int dot product %s%s, "
		       "timestamps %s\n",
		       d->storage8 ? "yes" : "no", d->int8 ? "yes" : "no", d->fp16 ? "yes" : "no",
		       d->int_dot ? "yes" : "no", d->int_dot_accel ? " (accelerated)" : "",
		       d->timestamp_bits ? "yes" : "no");
		if (d->unusable[0])
			printf("  unusable:      %s\n", d->unusable);
	}
}

/* Prints the trust store this process would use for packages (docs/fleet.md). */
static void print_trust(void)
{
	eml_trust *trust = calloc(1, sizeof(*trust));
	if (!trust)
		return;
	const char *dir = eml_trust_dir(NULL);
	if (eml_trust_load(dir, trust) != EDGEML_OK)
		printf("trust store:   %s: unreadable: %s\n", dir, edgeml_last_error());
	else if (!trust->active)
		printf("trust store:   none (no %s/trusted.d): any model loads\n", dir);
	else
		printf("trust store:   %s: %u trusted, %u revoked key(s), %u decryption key(s); "
		       "only signed packages load\n",
		       dir, trust->n_trusted, trust->n_revoked, trust->n_decrypt);
	sodium_memzero(trust, sizeof(*trust));
	free(trust);
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
	print_trust();
	print_vulkan();
	edgeml_context_destroy(ctx);
	return 0;
}
