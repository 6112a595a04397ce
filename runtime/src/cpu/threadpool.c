/* threadpool.c — the worker pool behind the fast CPU kernels' parallel loops (see
 * threadpool.h for the behaviour it promises, docs/threads.md for why). */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cpu/threadpool.h"
#include "error.h"

/* The longest a worker spins for the next loop: a serial stretch between two parallel
 * layers of a run is rarely longer, and a worker that waits longer sleeps. */
#define WORKER_SPIN_MAX_NS 200000u
/* What a new worker starts with, before it has seen how soon loops follow each other. */
#define WORKER_SPIN_START_NS 50000u
/* The longest the caller spins for claimed tasks to finish before it sleeps (they are
 * running, so usually they end within one task's time). */
#define CALLER_SPIN_MAX_NS 50000u
/* A gap this long between two polls of a spin means the thread lost its core: another
 * thread wants it, so spinning on is taking time from whoever runs the work. */
#define PREEMPTED_NS 30000u
/* Loops a worker does not spin after it found itself preempted while spinning. */
#define PREEMPT_COOLDOWN_LOOPS 64u
/* Polls between two clock reads while spinning. */
#define POLLS_PER_CLOCK 16

/* Tells the core a spin-wait is going on (cheaper for the sibling thread and the bus). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Sleeps while *word == expected (or until a signal or a spurious wake-up: callers loop). */
static void futex_wait(atomic_uint *word, uint32_t expected)
{
	syscall(SYS_futex, (void *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake(atomic_uint *word, uint32_t n)
{
	syscall(SYS_futex, (void *)word, FUTEX_WAKE_PRIVATE, n > INT_MAX ? INT_MAX : (int)n,
		NULL, NULL, 0);
}

/* Spins until *word != value (want_change) or *word == value (!want_change), at most
 * budget_ns; returns 1 when that happened, 0 when the budget ran out or the thread was
 * preempted (then *preempted is set). */
static int spin_on(atomic_uint *word, uint32_t value, int want_change, uint64_t budget_ns,
		   int *preempted)
{
	if (!budget_ns)
		return 0;
	uint64_t start = now_ns(), last = start;
	for (;;) {
		for (int i = 0; i < POLLS_PER_CLOCK; i++) {
			uint32_t v = atomic_load_explicit(word, memory_order_acquire);
			if ((v != value) == want_change)
				return 1;
			cpu_relax();
		}
		uint64_t t = now_ns();
		if (t - last > PREEMPTED_NS) {
			*preempted = 1;
			return 0;
		}
		if (t - start >= budget_ns)
			return 0;
		last = t;
	}
}

/* One worker thread and its own spin policy; a cache line of its own. */
typedef struct worker {
	_Alignas(64) eml_threadpool *pool;
	uint32_t index;
	pthread_t thread;
	uint32_t spin_ns;  /* how long it spins for the next loop */
	uint32_t cooldown; /* loops left without spinning after a preemption */
	atomic_ullong tasks, sleeps;
} worker;

struct eml_threadpool {
	uint32_t threads;
	uint32_t started; /* workers actually running */
	int workers_idle; /* workers run as SCHED_IDLE */
	worker *workers;
	/* The current loop. The caller writes these only while no task is claimed (before it
	 * publishes the loop in claim, after every claimed task finished); a worker reads them
	 * only while it holds a claimed task, so it never sees another loop's. */
	eml_task_fn fn;
	void *ctx;
	uint32_t n_tasks;
	uint32_t epoch;
	uint64_t loops, caller_tasks, caller_sleeps, caller_wait_ns;
	/* epoch << 32 | tasks not yet claimed: a claim is a compare-and-swap on both, so a
	 * worker that read a past loop's counter cannot take a task of the current one. */
	_Alignas(64) atomic_ullong claim;
	/* claimed tasks not yet finished, and whether the caller sleeps on it */
	_Alignas(64) atomic_uint pending;
	atomic_uint caller_waiting;
	/* bumped once per loop (and at stop): what idle workers spin and sleep on */
	_Alignas(64) atomic_uint wake_seq;
	atomic_uint sleepers;
	atomic_int stop;
};

/* Takes the next unclaimed task of the current loop into *task; 0 when none is left. */
static int claim_task(eml_threadpool *p, uint32_t *task)
{
	unsigned long long c = atomic_load_explicit(&p->claim, memory_order_acquire);
	for (;;) {
		uint32_t left = (uint32_t)c;
		if (!left)
			return 0;
		if (atomic_compare_exchange_weak_explicit(&p->claim, &c, c - 1,
							  memory_order_acquire,
							  memory_order_acquire)) {
			*task = p->n_tasks - left;
			return 1;
		}
	}
}

/* A worker runs tasks until none is left unclaimed; each finished task is counted at once,
 * so the caller waits for no task this worker has not started (and sees the worker's task
 * count include it when the loop returns). */
static void worker_run_tasks(eml_threadpool *p, worker *w)
{
	uint32_t t;
	while (claim_task(p, &t)) {
		p->fn(p->ctx, t, w->index);
		atomic_store_explicit(&w->tasks,
				      atomic_load_explicit(&w->tasks, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		if (atomic_fetch_sub(&p->pending, 1) == 1 && atomic_load(&p->caller_waiting))
			futex_wake(&p->pending, 1);
	}
}

/* Waits until wake_seq moves past seen (or stop); adapts the worker's spin to how long
 * that took. Returns the new wake_seq. */
static uint32_t worker_wait(eml_threadpool *p, worker *w, uint32_t seen)
{
	uint64_t start = now_ns();
	int preempted = 0;
	uint32_t budget = w->cooldown ? 0 : w->spin_ns;
	if (w->cooldown)
		w->cooldown--;
	if (spin_on(&p->wake_seq, seen, 1, budget, &preempted)) {
		uint64_t gap = now_ns() - start;
		if (2 * gap > w->spin_ns)
			w->spin_ns = 2 * gap > WORKER_SPIN_MAX_NS ? WORKER_SPIN_MAX_NS
								  : (uint32_t)(2 * gap);
		return atomic_load_explicit(&p->wake_seq, memory_order_acquire);
	}
	if (preempted) {
		w->spin_ns = 0;
		w->cooldown = PREEMPT_COOLDOWN_LOOPS;
	} else {
		w->spin_ns /= 2;
	}
	/* sleepers is counted before wake_seq is read again, the caller bumps wake_seq before
	 * it reads sleepers (both sequentially consistent): one of the two sees the other */
	atomic_fetch_add(&p->sleepers, 1);
	uint32_t g;
	while ((g = atomic_load(&p->wake_seq)) == seen && !atomic_load(&p->stop))
		futex_wait(&p->wake_seq, seen);
	atomic_fetch_sub(&p->sleepers, 1);
	atomic_store_explicit(&w->sleeps, atomic_load_explicit(&w->sleeps, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	/* had it spun this long, it would not have slept: spin that long next time */
	uint64_t gap = now_ns() - start;
	if (!w->cooldown && gap < WORKER_SPIN_MAX_NS / 2)
		w->spin_ns = (uint32_t)(2 * gap);
	return g;
}

/* A worker: joins every loop until the pool stops. */
static void *worker_main(void *arg)
{
	worker *w = arg;
	eml_threadpool *p = w->pool;
	uint32_t seen = 0;
	if (p->workers_idle) {
		/* lowering a thread's own priority needs no privilege; should it fail, the
		 * worker runs as its creator did, which is correct, only less gentle */
		struct sched_param sp = { 0 };
		(void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	}
	for (;;) {
		seen = worker_wait(p, w, seen);
		if (atomic_load(&p->stop))
			return NULL;
		worker_run_tasks(p, w);
	}
}

edgeml_status eml_threadpool_create(uint32_t threads, const cpu_set_t *cores, uint32_t flags,
				    eml_threadpool **out)
{
	*out = NULL;
	if (threads < 1 || threads > EML_THREADPOOL_MAX)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "thread count %u is out of range (1..%d)", threads,
				 EML_THREADPOOL_MAX);
	if (cores && CPU_COUNT(cores) == 0)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "the pool's core set is empty");
	eml_threadpool *p = aligned_alloc(64, sizeof(*p));
	size_t wbytes = (threads * sizeof(worker) + 63) / 64 * 64;
	worker *workers = aligned_alloc(64, wbytes);
	if (!p || !workers) {
		free(p);
		free(workers);
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for a thread pool");
	}
	memset(p, 0, sizeof(*p));
	memset(workers, 0, wbytes);
	p->threads = threads;
	p->workers = workers;
	/* only below a thread of the normal policy (a real-time, batch or idle caller's
	 * workers keep its policy, which pthread_create gives them), and only for workers free
	 * to run on any core: one pinned to a set without the caller's core could starve
	 * there, holding a task the caller waits for, where an unpinned one moves to the
	 * caller's core as soon as the caller sleeps */
	int policy;
	struct sched_param sp;
	p->workers_idle = !(flags & EML_POOL_WORKERS_COMPETE) && !cores &&
			  pthread_getschedparam(pthread_self(), &policy, &sp) == 0 &&
			  policy == SCHED_OTHER;
	pthread_attr_t attr;
	int err = pthread_attr_init(&attr);
	if (!err && cores)
		err = pthread_attr_setaffinity_np(&attr, sizeof(*cores), cores);
	for (uint32_t i = 1; !err && i < threads; i++) {
		worker *w = &p->workers[i];
		w->pool = p;
		w->index = i;
		w->spin_ns = WORKER_SPIN_START_NS;
		err = pthread_create(&w->thread, &attr, worker_main, w);
		if (!err)
			p->started = i;
	}
	pthread_attr_destroy(&attr);
	if (err) {
		eml_threadpool_destroy(p);
		return eml_error(err == EINVAL ? EDGEML_ERR_INVALID_ARGUMENT : EDGEML_ERR_NO_MEMORY,
				 "could not start the thread pool's workers (%u threads%s): %s",
				 threads, cores ? ", pinned" : "", strerror(err));
	}
	*out = p;
	return EDGEML_OK;
}

void eml_threadpool_destroy(eml_threadpool *pool)
{
	if (!pool)
		return;
	atomic_store(&pool->stop, 1);
	atomic_fetch_add(&pool->wake_seq, 1);
	futex_wake(&pool->wake_seq, INT_MAX);
	for (uint32_t i = 1; i <= pool->started; i++)
		pthread_join(pool->workers[i].thread, NULL);
	free(pool->workers);
	free(pool);
}

uint32_t eml_threadpool_threads(const eml_threadpool *pool)
{
	return pool ? pool->threads : 1;
}

/* The caller waits for the tasks workers claimed and still run: a short spin (they are
 * running), then a futex sleep that frees its core for them. */
static void caller_wait(eml_threadpool *p)
{
	int preempted = 0;
	if (spin_on(&p->pending, 0, 0, CALLER_SPIN_MAX_NS, &preempted))
		return;
	p->caller_sleeps++;
	atomic_store(&p->caller_waiting, 1);
	uint32_t v;
	while ((v = atomic_load(&p->pending)) != 0)
		futex_wait(&p->pending, v);
	atomic_store(&p->caller_waiting, 0);
}

void eml_threadpool_run(eml_threadpool *pool, eml_task_fn fn, void *ctx, uint32_t n_tasks)
{
	if (!pool || pool->threads == 1 || n_tasks <= 1) {
		for (uint32_t t = 0; t < n_tasks; t++)
			fn(ctx, t, 0);
		return;
	}
	eml_threadpool *p = pool;
	p->fn = fn;
	p->ctx = ctx;
	p->n_tasks = n_tasks;
	p->epoch++;
	p->loops++;
	atomic_store_explicit(&p->pending, n_tasks, memory_order_relaxed);
	atomic_store_explicit(&p->claim, (unsigned long long)p->epoch << 32 | n_tasks,
			      memory_order_release);
	atomic_fetch_add(&p->wake_seq, 1);
	uint32_t sleepers = atomic_load(&p->sleepers);
	if (sleepers)
		futex_wake(&p->wake_seq, sleepers < n_tasks - 1 ? sleepers : n_tasks - 1);
	uint32_t t, mine = 0;
	while (claim_task(p, &t)) {
		fn(ctx, t, 0);
		mine++;
	}
	p->caller_tasks += mine;
	if (mine && atomic_fetch_sub(&p->pending, mine) == mine)
		return;
	uint64_t t0 = now_ns();
	caller_wait(p);
	p->caller_wait_ns += now_ns() - t0;
}

void eml_threadpool_stats_get(const eml_threadpool *pool, eml_threadpool_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (!pool)
		return;
	stats->loops = pool->loops;
	stats->caller_tasks = pool->caller_tasks;
	stats->caller_sleeps = pool->caller_sleeps;
	stats->caller_wait_ns = pool->caller_wait_ns;
	for (uint32_t i = 1; i <= pool->started; i++) {
		stats->worker_tasks += atomic_load_explicit(&pool->workers[i].tasks,
							    memory_order_relaxed);
		stats->worker_sleeps += atomic_load_explicit(&pool->workers[i].sleeps,
							     memory_order_relaxed);
	}
}
