/*
 * threadpool.h — a fixed pool of worker threads that run the tasks of one parallel loop
 * together with the calling thread, built to degrade gracefully when cores are shared:
 *  - tasks are claimed one at a time from a shared counter, so a slow or descheduled thread
 *    delays only the task it holds, never a fixed share of the loop;
 *  - the caller takes tasks too and waits only for tasks that were claimed: if it runs every
 *    task itself (the workers were asleep or preempted), the loop is over and a worker that
 *    wakes late finds nothing to do (each loop has its own epoch);
 *  - idle workers spin for a bounded, adaptive time (longer while the next loop came soon
 *    after the last, none after they found themselves preempted mid-spin), then sleep on a
 *    futex, as does the caller waiting for the last tasks.
 * Running a loop allocates nothing. docs/threads.md has the design and the measurements.
 */
#ifndef EML_CPU_THREADPOOL_H
#define EML_CPU_THREADPOOL_H

#include <sched.h>
#include <stdint.h>

#include "edgeml.h"

/* The most threads a pool takes (the caller included). */
#define EML_THREADPOOL_MAX 64

typedef struct eml_threadpool eml_threadpool;

/* One task of a loop: task is its index, thread the index of the thread running it
 * (0 = the caller, 1.. = workers), for per-thread scratch memory. */
typedef void (*eml_task_fn)(void *ctx, uint32_t task, uint32_t thread);

/* Workers keep the creating thread's scheduling policy and priority (else: see below). */
#define EML_POOL_WORKERS_COMPETE 1u

/* Creates a pool of threads - 1 workers (threads in 1..EML_THREADPOOL_MAX). cores, when not
 * NULL, is the set every worker may run on (the scheduler moves each within it; the calling
 * thread is the application's and keeps its own affinity). Unless flags has
 * EML_POOL_WORKERS_COMPETE, unpinned workers (cores NULL) created by a thread of the normal
 * policy (SCHED_OTHER) run as SCHED_IDLE: they take a core only when nothing else wants it, so a worker sharing a
 * core with other work (or with the caller) never takes time from it; the caller, the
 * application's thread, keeps its own. */
edgeml_status eml_threadpool_create(uint32_t threads, const cpu_set_t *cores, uint32_t flags,
				    eml_threadpool **out);

/* Stops and joins the workers. NULL is a no-op. */
void eml_threadpool_destroy(eml_threadpool *pool);

/* The pool's thread count, the caller included (1 for NULL). */
uint32_t eml_threadpool_threads(const eml_threadpool *pool);

/* Runs fn(ctx, t, thread) for every t in [0, n_tasks) and returns when all are done. Tasks
 * are handed out in increasing order to whichever thread asks next. A NULL pool runs them on
 * the caller. Only one loop runs on a pool at a time. */
void eml_threadpool_run(eml_threadpool *pool, eml_task_fn fn, void *ctx, uint32_t n_tasks);

/* Counters of a pool since its creation, for tests and `edgeml bench`: loops run, tasks the
 * caller ran, tasks workers ran, futex sleeps of workers and of the caller, and the time the
 * caller spent waiting for workers' tasks once none was left to claim. */
typedef struct eml_threadpool_stats {
	uint64_t loops, caller_tasks, worker_tasks, worker_sleeps, caller_sleeps;
	uint64_t caller_wait_ns;
} eml_threadpool_stats;
void eml_threadpool_stats_get(const eml_threadpool *pool, eml_threadpool_stats *stats);

#endif /* EML_CPU_THREADPOOL_H */
