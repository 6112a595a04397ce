/*
 * kernel_case.h — one node under test for the kernel suites (test_cpu_kernels.c,
 * test_f32_kernels.c): the node, its attributes and its input tensors, built in place, with
 * deterministic random data. The includer defines MAX_IN (most inputs of a node it tests) and
 * KCASE_SEED (its data's seed), and writes its own kc_in and kc_check for its types.
 */
#ifndef EML_KERNEL_CASE_H
#define EML_KERNEL_CASE_H

#include <stdint.h>
#include <string.h>

#include "cpu/isa.h"
#include "graph.h"

/* One node under test with its inputs. */
typedef struct kcase {
	eml_node node;
	eml_attr attrs[10];
	int64_t ints[4][6];
	uint32_t in_idx[MAX_IN], out_idx[1];
	eml_tensor in[MAX_IN];
	const eml_tensor *inp[MAX_IN];
	const void *in_data[MAX_IN];
	void *owned[MAX_IN];
	eml_tensor out;
	int exact_float; /* prepare as under EDGEML_SESSION_EXACT_FLOAT */
} kcase;

static uint64_t rng = KCASE_SEED;

/* xorshift64*: deterministic test data. */
static inline uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* Starts a node of op. */
static inline void kc_init(kcase *c, uint32_t op)
{
	memset(c, 0, sizeof(*c));
	c->node.name = "k";
	c->node.op = op;
	c->node.attrs = c->attrs;
	c->node.inputs = c->in_idx;
	c->node.outputs = c->out_idx;
	c->node.n_outputs = 1;
	c->out.name = "y";
}

/* Appends an absent input. */
static inline void kc_absent(kcase *c)
{
	c->in_idx[c->node.n_inputs++] = EML_NO_TENSOR;
}

/* Adds an INTS attribute of n (at most 6) values. */
static inline void kc_ints(kcase *c, const char *name, uint32_t n, const int64_t *v)
{
	uint32_t a = c->node.n_attrs++;
	memcpy(c->ints[a % 4], v, n * sizeof(int64_t));
	c->attrs[a] = (eml_attr){ .name = name, .type = EML_ATTR_INTS, .count = n,
				  .ints = c->ints[a % 4] };
}

/* Adds a FLOAT attribute. */
static inline void kc_float(kcase *c, const char *name, float v)
{
	c->attrs[c->node.n_attrs++] = (eml_attr){ .name = name, .type = EML_ATTR_FLOAT, .f = v };
}

/* Adds an INT attribute. */
static inline void kc_int(kcase *c, const char *name, int64_t v)
{
	c->attrs[c->node.n_attrs++] = (eml_attr){ .name = name, .type = EML_ATTR_INT, .i = v };
}

/* Frees the case's buffers (cmocka's test_free, so leaks fail the test). */
static inline void kc_free(kcase *c)
{
	for (uint32_t k = 0; k < MAX_IN; k++)
		test_free(c->owned[k]);
}

/* The ISA levels with fast kernels this CPU runs. */
static inline uint32_t fast_levels(eml_isa *out)
{
	uint32_t n = 0;
	for (int i = 0; i < EML_ISA_COUNT; i++)
		if (i != EML_ISA_SCALAR && eml_isa_supported((eml_isa)i))
			out[n++] = (eml_isa)i;
	return n;
}

/* Whether a level runs the AVX-512 kernels (the VNNI level, and the AMX level, which differs
 * from it only in the int8 GEMM). */
static inline int avx512_level(eml_isa isa)
{
	return isa == EML_ISA_AVX512VNNI || isa == EML_ISA_AVX512AMX;
}

#endif /* EML_KERNEL_CASE_H */
