/* cpu_peak.c — the MAC rate one core reaches in the active level's peak probes (register-only
 * loops of the micro-kernels' instructions), for `edgeml bench --peak` and its efficiency
 * column. */
#include <time.h>

#include "cpu/isa.h"
#include "cpu/kernels.h"
#include "edgeml.h"

/* Monotonic time in seconds. */
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double edgeml_cpu_peak_macs(edgeml_dtype dtype)
{
	const eml_cpu_kernels *kt = eml_cpu_kernels_for(eml_isa_active());
	uint64_t (*fn)(uint64_t) = dtype == EDGEML_DTYPE_INT8	 ? kt->qpeak :
				   dtype == EDGEML_DTYPE_FLOAT32 ? kt->f32_peak :
								   NULL;
	if (!fn)
		return 0.0;
	double best = 0.0;
	uint64_t iters = 1u << 20;
	fn(iters); /* warm the core up to its working clock */
	for (int r = 0; r < 5; r++) {
		double t0 = now();
		uint64_t macs = fn(iters);
		double rate = (double)macs / (now() - t0);
		best = rate > best ? rate : best;
	}
	return best;
}
