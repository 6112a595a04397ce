/*
 * isa.h — which instruction-set level the fast CPU kernels use, chosen once per process from
 * the CPU's features (cpuid / getauxval) or forced with EDGEML_CPU_ISA for tests and
 * comparisons. "scalar" means the reference kernels only.
 */
#ifndef EML_CPU_ISA_H
#define EML_CPU_ISA_H

#include <stdint.h>

typedef enum eml_isa {
	EML_ISA_SCALAR = 0,
	EML_ISA_NEON,	    /* aarch64 v8.0: smull/smlal/sadalp */
	EML_ISA_DOTPROD,    /* aarch64 v8.2 sdot */
	EML_ISA_I8MM,	    /* aarch64 v8.6 smmla */
	EML_ISA_AVX2,	    /* x86-64 AVX2: vpmaddwd */
	EML_ISA_AVX512VNNI, /* x86-64 AVX-512 VNNI: vpdpbusd */
	EML_ISA_AVX512AMX,  /* x86-64 AVX-512 VNNI and AMX-INT8 tiles: tdpbsud */
	EML_ISA_COUNT
} eml_isa;

/* The level this process uses: EDGEML_CPU_ISA when set to a level the CPU supports, else
 * the best level the CPU supports. Probed on the first call; thread-safe. */
eml_isa eml_isa_active(void);

/* Whether the CPU this process runs on can execute the kernels of a level. */
int eml_isa_supported(eml_isa isa);

/* The level's name as EDGEML_CPU_ISA spells it ("avx512vnni"), or NULL for no level. */
const char *eml_isa_name(eml_isa isa);

/* What EDGEML_CPU_ISA asked for when it could not be honoured (unknown name or a level the
 * CPU lacks), for `edgeml info` to explain; NULL when it was honoured or unset. */
const char *eml_isa_rejected(void);

#endif /* EML_CPU_ISA_H */
