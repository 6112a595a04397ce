/* cpu_device.c — the host CPU described as a device: its model, the level of the fast
 * kernels this process runs (EDGEML_CPU_ISA may lower it) and the features they can use. */
#include <stdio.h>
#include <string.h>

#include "cpu/cpu_device.h"
#include "cpu/isa.h"
#include "cpu/threadpool.h"
#include "cpu_features.h"

_Static_assert(EDGEML_MAX_THREADS == EML_THREADPOOL_MAX,
	       "the public thread limit is the thread pool's");

uint32_t eml_cpu_devices(edgeml_device_properties *out, uint32_t max, char *why, size_t size)
{
	if (!max)
		return 1;
	eml_cpu_info cpu;
	eml_cpu_detect(&cpu);
	memset(out, 0, sizeof(*out));
	out->type = EDGEML_DEVICE_CPU;
	snprintf(out->name, sizeof(out->name), "%s", cpu.model);
	snprintf(out->driver, sizeof(out->driver), "%s, edgeml %s kernels", cpu.arch,
		 eml_isa_name(eml_isa_active()));
	size_t len = 0;
	for (uint32_t f = 1; f < EML_CPU_FEATURE_END; f <<= 1) {
		if (!(cpu.features & f) || len >= sizeof(out->features))
			continue;
		int w = snprintf(out->features + len, sizeof(out->features) - len, "%s%s",
				 len ? " " : "", eml_cpu_feature_name(f));
		len += w > 0 ? (size_t)w : 0;
	}
	return 1;
}

const char *edgeml_cpu_kernels(const char **rejected)
{
	if (rejected)
		*rejected = eml_isa_rejected();
	return eml_isa_name(eml_isa_active());
}
