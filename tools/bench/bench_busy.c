/* bench_busy.c — the spinning background load of `edgeml bench --contention`. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench_busy.h"

/* The cores this process may use, in increasing order; returns their count. */
static int allowed_cores(int *cores, int max)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	int n = 0;
	for (int c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cores[n++] = c;
	return n;
}

int eml_busy_core(uint32_t n, uint32_t i)
{
	int cores[CPU_SETSIZE];
	int count = allowed_cores(cores, CPU_SETSIZE);
	if (count == 0 || n == 0)
		return -1;
	/* the last n cores: core 0 is often the one the kernel's interrupts land on */
	int first = (int)n >= count ? 0 : count - (int)n;
	return cores[(first + (int)(i % (uint32_t)count)) % count];
}

static atomic_int spin_forever;
static int ready_fd;

/* One busy thread: tells the parent it runs, then spins until killed. */
static void *spin(void *arg)
{
	(void)arg;
	char b = 1;
	if (write(ready_fd, &b, 1) != 1)
		_exit(1);
	while (!atomic_load_explicit(&spin_forever, memory_order_relaxed))
		;
	return NULL;
}

/* The load's process: n pinned spinning threads; the main thread sleeps. */
static void busy_child(uint32_t n, int fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(0);
	ready_fd = fd;
	for (uint32_t i = 0; i < n; i++) {
		pthread_attr_t attr;
		pthread_t t;
		pthread_attr_init(&attr);
		int core = eml_busy_core(n, i);
		if (core >= 0) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(core, &one);
			pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
		}
		if (pthread_create(&t, &attr, spin, NULL) != 0)
			_exit(1);
		pthread_attr_destroy(&attr);
	}
	for (;;)
		pause();
}

pid_t eml_busy_start(uint32_t n)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		busy_child(n, fds[1]);
	}
	close(fds[1]);
	uint32_t ready = 0;
	char buf[64];
	while (ready < n) {
		ssize_t got = read(fds[0], buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		ready += (uint32_t)got;
	}
	close(fds[0]);
	if (ready < n) {
		eml_busy_stop(pid);
		errno = EAGAIN;
		return -1;
	}
	return pid;
}

void eml_busy_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
