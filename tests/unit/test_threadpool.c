/* test_threadpool.c — the worker pool: every task of a loop runs exactly once, on a thread
 * index within the pool, across many back-to-back loops and after the workers fell asleep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "cpu/threadpool.h"

#define MAX_TASKS 1000

/* Per-task run counts and the threads seen. */
typedef struct loop_log {
	atomic_uint runs[MAX_TASKS];
	atomic_uint bad_thread;
	uint32_t threads;
} loop_log;

/* A task: counts itself and checks its thread index. */
static void count_task(void *ctx, uint32_t task, uint32_t thread)
{
	loop_log *log = ctx;
	atomic_fetch_add(&log->runs[task], 1);
	if (thread >= log->threads)
		atomic_fetch_add(&log->bad_thread, 1);
}

/* Runs a loop of n tasks and checks each ran once. */
static void check_loop(eml_threadpool *pool, uint32_t n)
{
	static loop_log log;
	for (uint32_t i = 0; i < MAX_TASKS; i++)
		atomic_store(&log.runs[i], 0);
	atomic_store(&log.bad_thread, 0);
	log.threads = eml_threadpool_threads(pool);
	eml_threadpool_run(pool, count_task, &log, n);
	for (uint32_t i = 0; i < MAX_TASKS; i++)
		assert_int_equal(atomic_load(&log.runs[i]), i < n ? 1 : 0);
	assert_int_equal(atomic_load(&log.bad_thread), 0);
}

/* Loops of every size from 0 up on pools of 1 to 5 threads, and on no pool. */
static void test_loops(void **state)
{
	(void)state;
	check_loop(NULL, 17);
	for (uint32_t threads = 1; threads <= 5; threads++) {
		eml_threadpool *pool;
		assert_int_equal(eml_threadpool_create(threads, &pool), EDGEML_OK);
		assert_int_equal(eml_threadpool_threads(pool), threads);
		for (uint32_t n = 0; n < 70; n++)
			check_loop(pool, n);
		check_loop(pool, MAX_TASKS);
		eml_threadpool_destroy(pool);
	}
}

/* Many loops back to back (workers still spinning), then one after they went to sleep. */
static void test_wake_up(void **state)
{
	(void)state;
	eml_threadpool *pool;
	assert_int_equal(eml_threadpool_create(3, &pool), EDGEML_OK);
	for (int i = 0; i < 2000; i++)
		check_loop(pool, 1 + i % 9);
	struct timespec nap = { 0, 50 * 1000 * 1000 };
	nanosleep(&nap, NULL);
	check_loop(pool, 200);
	nanosleep(&nap, NULL);
	check_loop(pool, 2);
	eml_threadpool_destroy(pool);
}

/* Thread counts outside 1..EML_THREADPOOL_MAX are refused; destroying NULL is fine. */
static void test_bad_counts(void **state)
{
	(void)state;
	eml_threadpool *pool = (eml_threadpool *)&pool;
	assert_int_equal(eml_threadpool_create(0, &pool), EDGEML_ERR_INVALID_ARGUMENT);
	assert_null(pool);
	assert_int_equal(eml_threadpool_create(EML_THREADPOOL_MAX + 1, &pool),
			 EDGEML_ERR_INVALID_ARGUMENT);
	eml_threadpool_destroy(NULL);
	assert_int_equal(eml_threadpool_threads(NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_wake_up),
		cmocka_unit_test(test_bad_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
