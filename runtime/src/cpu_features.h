/*
 * cpu_features.h — what the CPU this process runs on can do, probed once (x86 cpuid/xgetbv,
 * aarch64 getauxval), so fast kernels can be chosen and `edgeml info` can report them.
 */
#ifndef EML_CPU_FEATURES_H
#define EML_CPU_FEATURES_H

#include <stddef.h>
#include <stdint.h>

enum eml_cpu_feature {
	EML_CPU_SSE41 = 1u << 0,
	EML_CPU_AVX2 = 1u << 1,
	EML_CPU_FMA = 1u << 2,
	EML_CPU_AVX512F = 1u << 3,
	EML_CPU_AVX512BW = 1u << 4,
	EML_CPU_AVX512VNNI = 1u << 5,
	EML_CPU_NEON = 1u << 6,
	EML_CPU_DOTPROD = 1u << 7, /* aarch64 sdot/udot (HWCAP_ASIMDDP) */
	EML_CPU_I8MM = 1u << 8,	   /* aarch64 smmla (HWCAP2_I8MM) */
	/* x86 AMX-INT8 tiles, with the OS saving them and granting this process their use */
	EML_CPU_AMX = 1u << 9,
};

/* Bit after the last feature, to iterate over them. */
#define EML_CPU_FEATURE_END (1u << 10)

typedef struct eml_cpu_info {
	char model[96];	   /* marketing name, or "unknown" */
	const char *arch;  /* "x86_64", "aarch64", ... */
	uint32_t features; /* eml_cpu_feature bits the CPU and the OS both support */
} eml_cpu_info;

/* Probes the CPU. AVX features count only when the OS saves their registers (XCR0). */
void eml_cpu_detect(eml_cpu_info *info);
/* The CPU's name from the text of /proc/cpuinfo: its "model name" or "Hardware" line, else
 * (arm64 kernels print neither) the kinds of core its "CPU implementer"/"CPU part" lines
 * name ("Cortex-A76 + Cortex-A55" on an RK3588). Leaves out untouched when it finds none. */
void eml_cpu_model_from_cpuinfo(const char *text, char *out, size_t size);
/* Short name of one feature bit ("avx2"), or NULL for a bit that is not a feature. */
const char *eml_cpu_feature_name(uint32_t feature);

#endif /* EML_CPU_FEATURES_H */
