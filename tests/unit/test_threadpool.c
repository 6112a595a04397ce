/* test_threadpool.c — the worker pool: every task of a loop runs exactly once, on a thread
 * index within the pool, across many back-to-back loops, after the workers fell asleep, with
 * many threads and more threads than cores; a worker frozen while idle (a stand-in for one the
 * scheduler does not run) delays nothing and, woken late, touches no finished loop; a slow
 * task delays only itself; pinned workers stay on their cores. Also the core counting behind
 * the default thread count (core lists, cgroup quotas, big.LITTLE capacities) on fake /proc
 * and /sys trees. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpu/cpu_topology.h"
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
		assert_int_equal(eml_threadpool_create(threads, NULL, 0, &pool), EDGEML_OK);
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
	assert_int_equal(eml_threadpool_create(3, NULL, 0, &pool), EDGEML_OK);
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
	assert_int_equal(eml_threadpool_create(0, NULL, 0, &pool), EDGEML_ERR_INVALID_ARGUMENT);
	assert_null(pool);
	assert_int_equal(eml_threadpool_create(EML_THREADPOOL_MAX + 1, NULL, 0, &pool),
			 EDGEML_ERR_INVALID_ARGUMENT);
	eml_threadpool_destroy(NULL);
	assert_int_equal(eml_threadpool_threads(NULL), 1);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void sleep_us(long us)
{
	struct timespec t = { us / 1000000, (us % 1000000) * 1000 };
	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/* The most threads, and more threads than cores (every worker then waits for a core of its
 * own, spinning only while that pays): still each task once, in bounded time. */
static void test_many_threads(void **state)
{
	(void)state;
	uint32_t counts[] = { 8, 17, EML_THREADPOOL_MAX };
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		eml_threadpool *pool;
		assert_int_equal(eml_threadpool_create(counts[i], NULL, 0, &pool), EDGEML_OK);
		double t0 = now_s();
		for (uint32_t n = 0; n < 300; n++)
			check_loop(pool, 1 + n * 7 % 200);
		check_loop(pool, MAX_TASKS);
		double took = now_s() - t0;
		if (took > 30.0)
			fail_msg("%u threads: 300 small loops took %.1f s", counts[i], took);
		eml_threadpool_destroy(pool);
	}
}

/* Records which pthread runs each thread index. */
typedef struct who_log {
	pthread_t tid[EML_THREADPOOL_MAX];
	atomic_uint seen[EML_THREADPOOL_MAX];
} who_log;

static void who_task(void *ctx, uint32_t task, uint32_t thread)
{
	who_log *w = ctx;
	(void)task;
	if (!atomic_exchange(&w->seen[thread], 1))
		w->tid[thread] = pthread_self();
	sleep_us(500);
}

/* Runs loops until worker 1 has taken a task; returns its thread. */
static pthread_t find_worker(eml_threadpool *pool)
{
	static who_log w;
	memset(&w, 0, sizeof(w));
	for (int i = 0; i < 2000 && !atomic_load(&w.seen[1]); i++)
		eml_threadpool_run(pool, who_task, &w, 8);
	if (!atomic_load(&w.seen[1]))
		fail_msg("worker 1 took no task in 2000 loops");
	return w.tid[1];
}

static sem_t frozen, thaw;

/* Holds the thread it interrupts until thaw is posted. */
static void freeze_handler(int sig)
{
	(void)sig;
	sem_post(&frozen);
	while (sem_wait(&thaw) != 0 && errno == EINTR)
		;
}

/* What the timed loops of test_frozen_worker report. */
typedef struct frozen_run {
	eml_threadpool *pool;
	int loops;
	sem_t done;
	atomic_int bad;
	atomic_uint on_worker;
} frozen_run;

static void caller_only_task(void *ctx, uint32_t task, uint32_t thread)
{
	frozen_run *r = ctx;
	(void)task;
	if (thread != 0)
		atomic_fetch_add(&r->on_worker, 1);
}

static void *frozen_loops(void *arg)
{
	frozen_run *r = arg;
	for (int i = 0; i < r->loops; i++)
		eml_threadpool_run(r->pool, caller_only_task, r, 1 + (uint32_t)i % 16);
	sem_post(&r->done);
	return NULL;
}

/* A worker that does not run (frozen in a signal handler while idle, as a core taken by
 * another process would leave it) must not hold up a single loop: the caller runs every
 * task and returns. Thawed, the worker finds every loop it missed finished and joins the next
 * ones correctly. */
static void test_frozen_worker(void **state)
{
	(void)state;
	eml_threadpool *pool;
	assert_int_equal(eml_threadpool_create(2, NULL, 0, &pool), EDGEML_OK);
	pthread_t worker = find_worker(pool);
	assert_int_equal(sem_init(&frozen, 0, 0), 0);
	assert_int_equal(sem_init(&thaw, 0, 0), 0);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = freeze_handler;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	assert_int_equal(pthread_kill(worker, SIGUSR1), 0);
	while (sem_wait(&frozen) != 0 && errno == EINTR)
		;
	static frozen_run r;
	r.pool = pool;
	r.loops = 20000;
	atomic_store(&r.bad, 0);
	atomic_store(&r.on_worker, 0);
	assert_int_equal(sem_init(&r.done, 0, 0), 0);
	pthread_t runner;
	assert_int_equal(pthread_create(&runner, NULL, frozen_loops, &r), 0);
	struct timespec limit;
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 20;
	int finished = 0;
	while (!finished) {
		if (sem_timedwait(&r.done, &limit) == 0)
			finished = 1;
		else if (errno != EINTR)
			break;
	}
	sem_post(&thaw);
	if (!finished) {
		/* the runner is stuck waiting for the frozen worker: thawing it ends the loops */
		pthread_join(runner, NULL);
		fail_msg("20000 loops did not finish in 20 s with the worker frozen");
	}
	pthread_join(runner, NULL);
	assert_int_equal(atomic_load(&r.on_worker), 0);
	/* thawed, it finds the loops it missed over and takes part in new ones */
	for (int i = 0; i < 2000; i++)
		check_loop(pool, 1 + (uint32_t)i % 40);
	(void)find_worker(pool);
	sigaction(SIGUSR1, &old, NULL);
	sem_destroy(&frozen);
	sem_destroy(&thaw);
	sem_destroy(&r.done);
	eml_threadpool_destroy(pool);
}

/* A loop where the first task a worker takes is slow. */
typedef struct slow_run {
	atomic_int slow_taken;
	atomic_uint done;
	uint32_t done_when_slow_ended;
	uint32_t n;
} slow_run;

static void slow_task(void *ctx, uint32_t task, uint32_t thread)
{
	slow_run *r = ctx;
	(void)task;
	int expected = 0;
	if (thread != 0 && atomic_compare_exchange_strong(&r->slow_taken, &expected, 1)) {
		sleep_us(300000);
		r->done_when_slow_ended = atomic_load(&r->done);
	} else {
		sleep_us(2000);
	}
	atomic_fetch_add(&r->done, 1);
}

/* A slow thread delays only the task it holds: the others finish every other task (about
 * 40 x 2 ms / 3 threads) while it works on its one. */
static void test_slow_task(void **state)
{
	(void)state;
	eml_threadpool *pool;
	assert_int_equal(eml_threadpool_create(4, NULL, 0, &pool), EDGEML_OK);
	static slow_run r;
	memset(&r, 0, sizeof(r));
	r.n = 40;
	eml_threadpool_run(pool, slow_task, &r, r.n);
	assert_int_equal(atomic_load(&r.done), r.n);
	if (atomic_load(&r.slow_taken))
		assert_int_equal(r.done_when_slow_ended, r.n - 1);
	eml_threadpool_stats st;
	eml_threadpool_stats_get(pool, &st);
	assert_int_equal(st.loops, 1);
	assert_int_equal(st.caller_tasks + st.worker_tasks, r.n);
	/* the caller ran out of tasks long before the slow one ended (about 40 x 2 ms / 3
	 * threads against 300 ms) and waited for it: that wait is counted */
	if (atomic_load(&r.slow_taken))
		assert_true(st.caller_wait_ns >= 100000000u);
	eml_threadpool_destroy(pool);
}

/* Records the cores workers run on. */
typedef struct core_log {
	cpu_set_t cores;
	atomic_int outside;
} core_log;

static void core_task(void *ctx, uint32_t task, uint32_t thread)
{
	core_log *c = ctx;
	(void)task;
	int cpu = sched_getcpu();
	if (thread != 0 && cpu >= 0 && !CPU_ISSET(cpu, &c->cores))
		atomic_fetch_add(&c->outside, 1);
	sleep_us(200);
}

/* Workers pinned to one core run there; an empty set is refused. */
static void test_pinned(void **state)
{
	(void)state;
	cpu_set_t allowed;
	eml_cpu_allowed(&allowed);
	int first = 0;
	while (!CPU_ISSET(first, &allowed))
		first++;
	static core_log c;
	CPU_ZERO(&c.cores);
	CPU_SET(first, &c.cores);
	atomic_store(&c.outside, 0);
	eml_threadpool *pool;
	assert_int_equal(eml_threadpool_create(3, &c.cores, 0, &pool), EDGEML_OK);
	for (int i = 0; i < 50; i++)
		eml_threadpool_run(pool, core_task, &c, 12);
	assert_int_equal(atomic_load(&c.outside), 0);
	eml_threadpool_destroy(pool);
	cpu_set_t none;
	CPU_ZERO(&none);
	assert_int_equal(eml_threadpool_create(2, &none, 0, &pool), EDGEML_ERR_INVALID_ARGUMENT);
	assert_null(pool);
}

/* Records each thread's scheduling policy as it runs a task. */
typedef struct policy_log {
	atomic_int worker_idle, worker_other, caller_idle;
} policy_log;

static void policy_task(void *ctx, uint32_t task, uint32_t thread)
{
	policy_log *l = ctx;
	(void)task;
	int policy = sched_getscheduler(0);
	if (thread == 0)
		atomic_fetch_add(&l->caller_idle, policy == SCHED_IDLE);
	else
		atomic_fetch_add(policy == SCHED_IDLE ? &l->worker_idle : &l->worker_other, 1);
	sleep_us(500);
}

/* Unpinned workers of a normal-policy caller run as SCHED_IDLE (they take no time from busy
 * cores), the caller keeps its policy; with EML_POOL_WORKERS_COMPETE, or pinned to a core
 * set, they keep the caller's. */
static void test_worker_policy(void **state)
{
	(void)state;
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
	for (int compete = 0; compete < 2; compete++) {
		static policy_log l;
		memset(&l, 0, sizeof(l));
		eml_threadpool *pool;
		assert_int_equal(eml_threadpool_create(3, NULL,
						       compete ? EML_POOL_WORKERS_COMPETE : 0,
						       &pool),
				 EDGEML_OK);
		/* tasks of 0.5 ms: the workers get some whatever the machine's load */
		for (int i = 0; i < 40 && atomic_load(&l.worker_idle) + atomic_load(&l.worker_other) < 4;
		     i++)
			eml_threadpool_run(pool, policy_task, &l, 16);
		eml_threadpool_destroy(pool);
		assert_int_equal(atomic_load(&l.caller_idle), 0);
		assert_true(atomic_load(&l.worker_idle) + atomic_load(&l.worker_other) > 0);
		if (compete)
			assert_int_equal(atomic_load(&l.worker_idle), 0);
		else
			assert_int_equal(atomic_load(&l.worker_other), 0);
	}
	/* pinned workers keep the caller's policy */
	static policy_log l;
	memset(&l, 0, sizeof(l));
	cpu_set_t all;
	eml_cpu_allowed(&all);
	eml_threadpool *pool;
	assert_int_equal(eml_threadpool_create(3, &all, 0, &pool), EDGEML_OK);
	for (int i = 0; i < 40 && atomic_load(&l.worker_other) < 4; i++)
		eml_threadpool_run(pool, policy_task, &l, 16);
	eml_threadpool_destroy(pool);
	assert_true(atomic_load(&l.worker_other) > 0);
	assert_int_equal(atomic_load(&l.worker_idle), 0);
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
}

/* Core lists as in /sys and taskset -c. */
static void test_core_lists(void **state)
{
	(void)state;
	cpu_set_t s;
	assert_int_equal(eml_cpu_parse_list("0-3,6", &s), EDGEML_OK);
	assert_int_equal(CPU_COUNT(&s), 5);
	assert_true(CPU_ISSET(6, &s) && CPU_ISSET(0, &s) && !CPU_ISSET(4, &s));
	assert_int_equal(eml_cpu_parse_list("5", &s), EDGEML_OK);
	assert_int_equal(CPU_COUNT(&s), 1);
	const char *bad[] = { "", "3-1", "a", "1,,2", "0-", "-1", "1 2", "99999", "0-99999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (eml_cpu_parse_list(bad[i], &s) != EDGEML_ERR_INVALID_ARGUMENT)
			fail_msg("core list '%s' was accepted", bad[i]);
	assert_true(strstr(edgeml_last_error(), "0-99999") != NULL);
}

/* Writes text to dir/rel, making the directories on the way. */
static void put_file(const char *dir, const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			mkdir(path, 0755);
			*p = '/';
		}
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* cgroup v2 and v1 quotas, the smallest on the way up counting, "max" for none. */
static void test_cgroup_quota(void **state)
{
	(void)state;
	char dir[] = "/tmp/eml_cgroup_XXXXXX", proc[600], root[600];
	assert_non_null(mkdtemp(dir));
	snprintf(proc, sizeof(proc), "%s/proc_cgroup", dir);
	snprintf(root, sizeof(root), "%s/fs", dir);
	put_file(dir, "proc_cgroup", "0::/app/worker\n");
	put_file(dir, "fs/app/worker/cpu.max", "max 100000\n");
	assert_int_equal(eml_cpu_cgroup_limit(proc, root), 0);
	put_file(dir, "fs/app/cpu.max", "150000 100000\n");
	assert_int_equal(eml_cpu_cgroup_limit(proc, root), 2);
	put_file(dir, "fs/app/worker/cpu.max", "50000 100000\n");
	assert_int_equal(eml_cpu_cgroup_limit(proc, root), 1);
	/* v1, cpu and cpuacct mounted together */
	put_file(dir, "proc_cgroup", "4:cpu,cpuacct:/job\n1:name=systemd:/\n");
	put_file(dir, "fs/cpu,cpuacct/job/cpu.cfs_quota_us", "300000\n");
	put_file(dir, "fs/cpu,cpuacct/job/cpu.cfs_period_us", "100000\n");
	assert_int_equal(eml_cpu_cgroup_limit(proc, root), 3);
	put_file(dir, "fs/cpu,cpuacct/job/cpu.cfs_quota_us", "-1\n");
	assert_int_equal(eml_cpu_cgroup_limit(proc, root), 0);
	snprintf(proc, sizeof(proc), "%s/missing", dir);
	assert_int_equal(eml_cpu_cgroup_limit(proc, root), 0);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	/* this process: at least one thread, at most the pool's limit */
	cpu_set_t allowed;
	eml_cpu_allowed(&allowed);
	uint32_t n = eml_cpu_default_threads(&allowed);
	assert_true(n >= 1 && n <= (uint32_t)CPU_COUNT(&allowed) && n <= EML_THREADPOOL_MAX);
}

/* big.LITTLE: the cores of the largest capacity stay; alike or unknown cores all stay. */
static void test_big_cores(void **state)
{
	(void)state;
	char dir[] = "/tmp/eml_sysfs_XXXXXX";
	assert_non_null(mkdtemp(dir));
	cpu_set_t s;
	assert_int_equal(eml_cpu_parse_list("0-5", &s), EDGEML_OK);
	eml_cpu_keep_big(&s, dir); /* nothing known */
	assert_int_equal(CPU_COUNT(&s), 6);
	const char *freq[] = { "1800000", "1800000", "1800000", "1800000", "2400000", "2400000" };
	char rel[64];
	for (int c = 0; c < 6; c++) {
		snprintf(rel, sizeof(rel), "cpu%d/cpufreq/cpuinfo_max_freq", c);
		put_file(dir, rel, freq[c]);
	}
	eml_cpu_keep_big(&s, dir);
	assert_int_equal(CPU_COUNT(&s), 2);
	assert_true(CPU_ISSET(4, &s) && CPU_ISSET(5, &s));
	/* capacity first, where the kernel gives it */
	const char *cap[] = { "1024", "1024", "446", "446", "446", "446" };
	for (int c = 0; c < 6; c++) {
		snprintf(rel, sizeof(rel), "cpu%d/cpu_capacity", c);
		put_file(dir, rel, cap[c]);
	}
	assert_int_equal(eml_cpu_parse_list("0-5", &s), EDGEML_OK);
	eml_cpu_keep_big(&s, dir);
	assert_int_equal(CPU_COUNT(&s), 2);
	assert_true(CPU_ISSET(0, &s) && CPU_ISSET(1, &s));
	assert_int_equal(eml_cpu_parse_list("2-5", &s), EDGEML_OK);
	eml_cpu_keep_big(&s, dir); /* all alike */
	assert_int_equal(CPU_COUNT(&s), 4);
	char cmd[100];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_wake_up),
		cmocka_unit_test(test_bad_counts),
		cmocka_unit_test(test_many_threads),
		cmocka_unit_test(test_frozen_worker),
		cmocka_unit_test(test_slow_task),
		cmocka_unit_test(test_pinned),
		cmocka_unit_test(test_worker_policy),
		cmocka_unit_test(test_core_lists),
		cmocka_unit_test(test_cgroup_quota),
		cmocka_unit_test(test_big_cores),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
