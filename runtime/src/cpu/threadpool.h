/*
 * threadpool.h — a fixed pool of worker threads that run the tasks of one parallel loop
 * together with the calling thread. Workers spin briefly after a loop (the next layer's loop
 * usually follows within microseconds), then sleep on a condition variable. Running a loop
 * allocates nothing.
 */
#ifndef EML_CPU_THREADPOOL_H
#define EML_CPU_THREADPOOL_H

#include <stdint.h>

#include "edgeml.h"

/* The most threads a pool takes (the caller included). */
#define EML_THREADPOOL_MAX 64

typedef struct eml_threadpool eml_threadpool;

/* One task of a loop: task is its index, thread the index of the thread running it
 * (0 = the caller, 1.. = workers), for per-thread scratch memory. */
typedef void (*eml_task_fn)(void *ctx, uint32_t task, uint32_t thread);

/* Creates a pool of threads - 1 workers (threads in 1..EML_THREADPOOL_MAX). */
edgeml_status eml_threadpool_create(uint32_t threads, eml_threadpool **out);

/* Stops and joins the workers. NULL is a no-op. */
void eml_threadpool_destroy(eml_threadpool *pool);

/* The pool's thread count, the caller included (1 for NULL). */
uint32_t eml_threadpool_threads(const eml_threadpool *pool);

/* Runs fn(ctx, t, thread) for every t in [0, n_tasks) and returns when all are done. Tasks
 * are taken in order by whichever thread is free. A NULL pool runs them on the caller. Only
 * one loop runs on a pool at a time. */
void eml_threadpool_run(eml_threadpool *pool, eml_task_fn fn, void *ctx, uint32_t n_tasks);

#endif /* EML_CPU_THREADPOOL_H */
