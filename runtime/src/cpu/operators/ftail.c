/* ftail.c — the fused activation function of a float Conv (ftail.h). */
#include <math.h>

#include "cpu/operators/ftail.h"
#include "ops/infer_helpers.h"

/* Elements per task of eml_f32_tail_run, at least. */
#define TAIL_CHUNK 8192

void eml_f32_tail_init(eml_f32_tail *t, uint32_t fn, float alpha, float beta, eml_isa isa,
		       int exact_float)
{
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(isa);
	t->fn = fn;
	t->alpha = alpha;
	t->beta = beta;
	/* the vector sigmoid is within the float tolerance, not the reference's bits */
	t->sigmoid = exact_float ? NULL : kt->f32_vsigmoid;
	t->swish = exact_float ? NULL : kt->f32_vswish;
	/* bit-identical to the reference's HardSwish and HardSigmoid (fhswish.c), but where
	 * beta is -0: fmaxf(0, -0) is the one case where libms and vectors differ */
	t->hswish = fn == EML_ACT_FN_HARD_SIGMOID && beta == 0.0f && signbit(beta) ? NULL
										 : kt->f32_vhsig;
}

void eml_f32_tail_apply(const eml_f32_tail *t, size_t n, float *y)
{
	switch (t->fn) {
	case EML_ACT_FN_SIGMOID:
		if (t->sigmoid)
			t->sigmoid(n, y, y);
		else
			eml_ref_activation_fn(t->fn, t->alpha, t->beta, n, y);
		return;
	case EML_ACT_FN_SWISH:
		if (t->swish)
			t->swish(n, y, y);
		else
			eml_ref_activation_fn(t->fn, t->alpha, t->beta, n, y);
		return;
	case EML_ACT_FN_HARD_SWISH:
	case EML_ACT_FN_HARD_SIGMOID:
		if (!t->hswish)
			eml_ref_activation_fn(t->fn, t->alpha, t->beta, n, y);
		else if (t->fn == EML_ACT_FN_HARD_SWISH)
			t->hswish(n, y, y, 1.0f / 6.0f, 0.5f, 1);
		else
			t->hswish(n, y, y, t->alpha, t->beta, 0);
		return;
	default:
		return;
	}
}

typedef struct tail_run {
	const eml_f32_tail *t;
	float *y;
	size_t n, chunk;
} tail_run;

static void tail_task(void *arg, uint32_t task, uint32_t thread)
{
	const tail_run *r = arg;
	size_t i0 = (size_t)task * r->chunk;
	(void)thread;
	eml_f32_tail_apply(r->t, r->n - i0 < r->chunk ? r->n - i0 : r->chunk, r->y + i0);
}

void eml_f32_tail_run(const eml_f32_tail *t, const eml_fast_env *env, size_t n, float *y)
{
	if (t->fn == EML_ACT_FN_NONE || n == 0)
		return;
	/* some 20 operations an element, as the standalone Sigmoid (fvunary.c) */
	eml_threadpool *pool = eml_fast_pool(env, n * 20);
	size_t threads = pool ? eml_threadpool_threads(pool) : 1;
	size_t want = threads * EML_FAST_TASKS_PER_THREAD;
	size_t chunk = (n + want - 1) / want;
	tail_run r = { t, y, n, chunk < TAIL_CHUNK ? TAIL_CHUNK : chunk };
	eml_threadpool_run(pool, tail_task, &r, (uint32_t)((n + r.chunk - 1) / r.chunk));
}
