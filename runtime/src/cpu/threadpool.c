/* threadpool.c — the worker pool behind the fast CPU kernels' parallel loops. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "cpu/threadpool.h"
#include "error.h"

/* Polls of the loop counter a worker makes before it sleeps, each after a pause: a few
 * hundred microseconds, enough to bridge the serial layers between two parallel ones of a
 * run without a futex wake-up, short enough to sleep soon between runs. */
#define SPIN_POLLS 20000

/* Tells the core a spin-wait is going on (cheaper for the sibling thread and the bus). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

typedef struct worker {
	eml_threadpool *pool;
	uint32_t index;
	pthread_t thread;
} worker;

struct eml_threadpool {
	uint32_t threads;
	uint32_t started; /* workers actually running */
	worker *workers;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t done;
	/* The current loop; written by the caller before generation is bumped. */
	eml_task_fn fn;
	void *ctx;
	uint32_t n_tasks;
	atomic_uint next_task;
	atomic_uint generation; /* bumped once per loop */
	atomic_uint busy;	/* workers still inside the current loop */
	atomic_int stop;
};

/* Takes and runs tasks of the current loop until none are left. */
static void run_tasks(eml_threadpool *p, uint32_t thread)
{
	for (;;) {
		uint32_t t = atomic_fetch_add_explicit(&p->next_task, 1, memory_order_relaxed);
		if (t >= p->n_tasks)
			return;
		p->fn(p->ctx, t, thread);
	}
}

/* Waits until generation differs from seen (or stop): spins first, then sleeps. */
static uint32_t wait_for_loop(eml_threadpool *p, uint32_t seen)
{
	for (int i = 0; i < SPIN_POLLS; i++) {
		uint32_t g = atomic_load_explicit(&p->generation, memory_order_acquire);
		if (g != seen || atomic_load(&p->stop))
			return g;
		cpu_relax();
	}
	pthread_mutex_lock(&p->lock);
	uint32_t g;
	while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->stop))
		pthread_cond_wait(&p->wake, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return g;
}

/* A worker: joins every loop until the pool stops. */
static void *worker_main(void *arg)
{
	worker *w = arg;
	eml_threadpool *p = w->pool;
	uint32_t seen = 0;
	for (;;) {
		seen = wait_for_loop(p, seen);
		if (atomic_load(&p->stop))
			return NULL;
		run_tasks(p, w->index);
		if (atomic_fetch_sub_explicit(&p->busy, 1, memory_order_acq_rel) == 1) {
			pthread_mutex_lock(&p->lock);
			pthread_cond_signal(&p->done);
			pthread_mutex_unlock(&p->lock);
		}
	}
}

edgeml_status eml_threadpool_create(uint32_t threads, eml_threadpool **out)
{
	*out = NULL;
	if (threads < 1 || threads > EML_THREADPOOL_MAX)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "thread count %u is out of range (1..%d)", threads,
				 EML_THREADPOOL_MAX);
	eml_threadpool *p = calloc(1, sizeof(*p));
	if (!p)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a thread pool");
	p->threads = threads;
	p->workers = calloc(threads, sizeof(*p->workers));
	if (!p->workers) {
		free(p);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a thread pool");
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	for (uint32_t i = 1; i < threads; i++) {
		p->workers[i] = (worker){ p, i, 0 };
		if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i])) {
			eml_threadpool_destroy(p);
			return eml_error(EDGEML_ERR_NO_MEMORY,
					 "could not start worker thread %u of %u", i, threads);
		}
		p->started = i;
	}
	*out = p;
	return EDGEML_OK;
}

void eml_threadpool_destroy(eml_threadpool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	atomic_store(&pool->stop, 1);
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	for (uint32_t i = 1; i <= pool->started; i++)
		pthread_join(pool->workers[i].thread, NULL);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->wake);
	pthread_cond_destroy(&pool->done);
	free(pool->workers);
	free(pool);
}

uint32_t eml_threadpool_threads(const eml_threadpool *pool)
{
	return pool ? pool->threads : 1;
}

void eml_threadpool_run(eml_threadpool *pool, eml_task_fn fn, void *ctx, uint32_t n_tasks)
{
	if (!pool || pool->threads == 1 || n_tasks <= 1) {
		for (uint32_t t = 0; t < n_tasks; t++)
			fn(ctx, t, 0);
		return;
	}
	uint32_t workers = pool->threads - 1;
	pool->fn = fn;
	pool->ctx = ctx;
	pool->n_tasks = n_tasks;
	atomic_store_explicit(&pool->next_task, 0, memory_order_relaxed);
	atomic_store_explicit(&pool->busy, workers, memory_order_relaxed);
	/* The lock orders the bump against a worker about to sleep, so no wake-up is lost. */
	pthread_mutex_lock(&pool->lock);
	atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	run_tasks(pool, 0);
	for (int i = 0; i < SPIN_POLLS; i++) {
		if (atomic_load_explicit(&pool->busy, memory_order_acquire) == 0)
			return;
		cpu_relax();
	}
	pthread_mutex_lock(&pool->lock);
	while (atomic_load(&pool->busy) != 0)
		pthread_cond_wait(&pool->done, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
}
