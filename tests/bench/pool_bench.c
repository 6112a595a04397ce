/* pool_bench.c — `make bench-pool`: the CPU thread pool alone, on a stand-in for a small
 * network (60 parallel steps of 8 tasks of about 20 us each, a short serial stretch between
 * steps), at 1 thread and at 2 or more, with the cores free and beside busy threads of
 * `edgeml bench --contention` (tools/bench/bench_busy.c). Medians of 21 runs. What to look for:
 * 2 threads beside a busy core near the 1-thread time, never a multiple of it. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/bench_busy.h"
#include "cpu/cpu_topology.h"
#include "cpu/threadpool.h"

#define STEPS 60
#define TASKS 8
#define RUNS 21

static volatile double sink;

/* About 20 us of arithmetic. */
static void task(void *ctx, uint32_t t, uint32_t thread)
{
	(void)ctx;
	(void)t;
	(void)thread;
	double x = 0;
	for (int i = 0; i < 20000; i++)
		x += i * 1e-9;
	sink = x;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median time of one pass over the steps with a pool of threads. */
static double measure(uint32_t threads)
{
	eml_threadpool *pool = NULL;
	if (threads > 1 && eml_threadpool_create(threads, NULL, 0, &pool) != EDGEML_OK) {
		fprintf(stderr, "pool_bench: %s\n", edgeml_last_error());
		exit(1);
	}
	double t[RUNS];
	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ms();
		for (int s = 0; s < STEPS; s++) {
			eml_threadpool_run(pool, task, NULL, TASKS);
			for (volatile int i = 0; i < 20000; i++)
				;
		}
		t[r] = now_ms() - t0;
	}
	eml_threadpool_destroy(pool);
	qsort(t, RUNS, sizeof(t[0]), cmp);
	return t[RUNS / 2];
}

int main(void)
{
	cpu_set_t cores;
	eml_cpu_allowed(&cores);
	uint32_t n = eml_cpu_default_threads(&cores);
	uint32_t counts[] = { 1, n < 2 ? 2 : n };
	printf("%u steps of %u tasks, ms per pass (median of %d)\n", STEPS, TASKS, RUNS);
	printf("%-8s %10s %16s\n", "threads", "free", "1 core busy");
	for (int i = 0; i < 2; i++) {
		double free_ms = measure(counts[i]);
		pid_t busy = eml_busy_start(1);
		if (busy < 0) {
			perror("pool_bench: busy thread");
			return 1;
		}
		double busy_ms = measure(counts[i]);
		eml_busy_stop(busy);
		printf("%-8u %10.2f %16.2f\n", counts[i], free_ms, busy_ms);
	}
	return 0;
}
