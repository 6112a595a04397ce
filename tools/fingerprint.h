/*
 * fingerprint.h — where a benchmark ran: the machine, its CPU and kernel, its Vulkan devices
 * and drivers, the edgeml build, and whether /dev/edgeml is present. `edgeml bench` stores it
 * with every result so that `edgeml report` can tell machines apart and a number quoted in an
 * issue says what produced it.
 */
#ifndef EML_TOOLS_FINGERPRINT_H
#define EML_TOOLS_FINGERPRINT_H

#include <stdint.h>
#include <stdio.h>

/* Most Vulkan devices a fingerprint lists. */
#define EML_FP_MAX_GPUS 8

typedef struct eml_fp_gpu {
	uint32_t index;
	char name[256];
	char type[32];
	char driver_name[256];
	char driver_info[256];
	char driver_version[32];
	char api_version[32];
	uint32_t vendor_id, device_id;
	char drm_node[64];
	char unusable[128]; /* why the backend cannot use it, "" when it can */
} eml_fp_gpu;

typedef struct eml_fingerprint {
	char hostname[256];
	char board[128]; /* device-tree model or DMI product name, "" when unknown */
	char cpu_model[256];
	char cpu_arch[65];
	char cpu_features[256]; /* space-separated, as edgeml_device_info gives them */
	long cores_online;
	long cores_usable; /* in this process's affinity mask */
	char governor[32]; /* cpu0's cpufreq governor, "" when there is none */
	const char *isa;   /* the fast kernels' level in this process */
	char isa_requested[32]; /* EDGEML_CPU_ISA, "" when unset */
	char kernel_release[128];
	char kernel_version[256];
	uint64_t mem_total_kb;
	const char *edgeml_version, *build_options;
	int dev_edgeml;	/* /dev/edgeml exists */
	char vulkan_error[256]; /* why no device is listed, "" when Vulkan answered */
	uint32_t n_gpus;
	eml_fp_gpu gpus[EML_FP_MAX_GPUS];
} eml_fingerprint;

/* Probes this machine through the public device API. */
void eml_fingerprint_probe(eml_fingerprint *fp);

/* Writes the fingerprint as a JSON object; indent is the prefix of each of its lines. */
void eml_fingerprint_write_json(FILE *f, const eml_fingerprint *fp, const char *indent);

#endif /* EML_TOOLS_FINGERPRINT_H */
