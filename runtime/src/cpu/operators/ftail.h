/*
 * ftail.h — the function a float Conv applies to its result (activation_fn: Sigmoid, Swish,
 * HardSwish, HardSigmoid; docs/ops.md), applied by the operator to each run of outputs it has just
 * written, while the run is in cache: EfficientNet's and YOLO's SiLU costs no pass over
 * memory of its own. The level's vector kernels, the ones the standalone Sigmoid and
 * HardSwish / HardSigmoid run on (Swish: x times that sigmoid, in one kernel), so a fused
 * node's outputs are the unfused nodes' bit for bit; under exact_float (or on a level
 * without them), the reference's float operations.
 */
#ifndef EML_CPU_FTAIL_H
#define EML_CPU_FTAIL_H

#include "cpu/kernels.h"
#include "cpu/operators/operator.h"

typedef struct eml_f32_tail {
	uint32_t fn;		   /* eml_act_fn; EML_ACT_FN_NONE: nothing to do */
	eml_f32_vunary_fn sigmoid; /* the level's vector sigmoid, or NULL: the reference's */
	eml_f32_vunary_fn swish;   /* the level's x * sigmoid(x), or NULL: the reference's */
	eml_f32_vhsig_fn hswish;   /* the level's HardSwish / HardSigmoid, or NULL: the reference's */
	float alpha, beta;	   /* HardSigmoid's */
} eml_f32_tail;

void eml_f32_tail_init(eml_f32_tail *t, uint32_t fn, float alpha, float beta, eml_isa isa,
		       int exact_float);

/* Applies t to n floats in place. */
void eml_f32_tail_apply(const eml_f32_tail *t, size_t n, float *y);

/* Applies t to a whole tensor of n floats, in chunks across the pool: for operators whose
 * tiles do not take it (Winograd's output tiles). */
void eml_f32_tail_run(const eml_f32_tail *t, const eml_fast_env *env, size_t n, float *y);

#endif /* EML_CPU_FTAIL_H */
