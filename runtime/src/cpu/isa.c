/* isa.c — choosing the fast kernels' instruction-set level once per process. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/isa.h"
#include "cpu_features.h"

static const char *const isa_names[EML_ISA_COUNT] = {
	[EML_ISA_SCALAR] = "scalar",	 [EML_ISA_NEON] = "neon", [EML_ISA_DOTPROD] = "dotprod",
	[EML_ISA_I8MM] = "i8mm",	 [EML_ISA_AVX2] = "avx2",
	[EML_ISA_AVX512VNNI] = "avx512vnni",
};

/* The CPU features each level's kernels execute. */
static const uint32_t isa_needs[EML_ISA_COUNT] = {
	[EML_ISA_SCALAR] = 0,
	[EML_ISA_NEON] = EML_CPU_NEON,
	[EML_ISA_DOTPROD] = EML_CPU_NEON | EML_CPU_DOTPROD,
	[EML_ISA_I8MM] = EML_CPU_NEON | EML_CPU_DOTPROD | EML_CPU_I8MM,
	[EML_ISA_AVX2] = EML_CPU_AVX2 | EML_CPU_FMA,
	[EML_ISA_AVX512VNNI] = EML_CPU_AVX2 | EML_CPU_AVX512F | EML_CPU_AVX512BW |
			       EML_CPU_AVX512VNNI,
};

/* Levels with kernels in this build, best first; the first one the CPU supports wins. */
static const eml_isa isa_order[] = {
#if defined(__x86_64__)
	EML_ISA_AVX512VNNI, EML_ISA_AVX2,
#elif defined(__aarch64__)
	EML_ISA_I8MM, EML_ISA_DOTPROD, EML_ISA_NEON,
#endif
	EML_ISA_SCALAR,
};

static pthread_once_t isa_once = PTHREAD_ONCE_INIT;
static uint32_t cpu_features;
static eml_isa isa_chosen;
static char isa_rejected[64];

/* Whether this build holds kernels of a level. */
static int isa_built(eml_isa isa)
{
	for (size_t i = 0; i < sizeof(isa_order) / sizeof(isa_order[0]); i++)
		if (isa_order[i] == isa)
			return 1;
	return 0;
}

/* Whether a level is built and the probed features cover it (no probing here). */
static int isa_usable(eml_isa isa)
{
	return (unsigned)isa < EML_ISA_COUNT && isa_built(isa) &&
	       (cpu_features & isa_needs[isa]) == isa_needs[isa];
}

/* Probes the CPU and applies EDGEML_CPU_ISA. */
static void isa_init(void)
{
	eml_cpu_info info;
	eml_cpu_detect(&info);
	cpu_features = info.features;
	isa_chosen = EML_ISA_SCALAR;
	for (size_t i = 0; i < sizeof(isa_order) / sizeof(isa_order[0]); i++) {
		if (isa_usable(isa_order[i])) {
			isa_chosen = isa_order[i];
			break;
		}
	}
	const char *want = getenv("EDGEML_CPU_ISA");
	if (!want || !*want)
		return;
	for (int i = 0; i < EML_ISA_COUNT; i++) {
		if (strcmp(want, isa_names[i]) == 0 && isa_usable((eml_isa)i)) {
			isa_chosen = (eml_isa)i;
			return;
		}
	}
	strncpy(isa_rejected, want, sizeof(isa_rejected) - 1);
}

eml_isa eml_isa_active(void)
{
	pthread_once(&isa_once, isa_init);
	return isa_chosen;
}

int eml_isa_supported(eml_isa isa)
{
	pthread_once(&isa_once, isa_init);
	return isa_usable(isa);
}

const char *eml_isa_name(eml_isa isa)
{
	return (unsigned)isa < EML_ISA_COUNT ? isa_names[isa] : NULL;
}

const char *eml_isa_rejected(void)
{
	pthread_once(&isa_once, isa_init);
	return isa_rejected[0] ? isa_rejected : NULL;
}
