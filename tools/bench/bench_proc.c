/* bench_proc.c — running a cell in a child process and collecting its output and peak RSS. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_proc.h"

/* Monotonic time in seconds. */
static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Reads the child's stdout to its end (or the deadline), then reaps it. */
static void collect(pid_t pid, int fd, double timeout_s, eml_proc_result *r)
{
	size_t cap = 0;
	double deadline = timeout_s > 0 ? now_s() + timeout_s : 0;
	char chunk[65536];
	for (;;) {
		int wait_ms = -1;
		if (deadline) {
			double left = deadline - now_s();
			if (left <= 0) {
				r->timed_out = 1;
				kill(pid, SIGKILL);
				break;
			}
			wait_ms = (int)(left * 1e3) + 1;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr = poll(&pfd, 1, wait_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			continue;
		ssize_t n = pr < 0 ? -1 : read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (r->len + (size_t)n + 1 > cap && r->len + (size_t)n < EML_PROC_MAX_OUTPUT) {
			size_t want = (r->len + (size_t)n + 1) * 2;
			char *p = realloc(r->out, want);
			if (p) {
				r->out = p;
				cap = want;
			}
		}
		if (r->len + (size_t)n + 1 <= cap) {
			memcpy(r->out + r->len, chunk, (size_t)n);
			r->len += (size_t)n;
			r->out[r->len] = 0;
		}
	}
	close(fd);
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	r->maxrss_kb = ru.ru_maxrss;
	r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

int eml_proc_fork(int (*fn)(void *arg, FILE *out), void *arg, double timeout_s,
		  eml_proc_result *r)
{
	memset(r, 0, sizeof(*r));
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		FILE *out = fdopen(fds[1], "w");
		int rc = out ? fn(arg, out) : 1;
		if (out)
			fclose(out);
		_exit(rc & 0xff);
	}
	close(fds[1]);
	collect(pid, fds[0], timeout_s, r);
	return 0;
}

/* Keeps the last non-empty line of a file in line. */
static void last_line(const char *path, char *line, size_t size)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	line[0] = 0;
	while (f && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		size_t n = strlen(buf);
		if (n == 0)
			continue;
		n = n < size ? n : size - 1;
		memcpy(line, buf, n);
		line[n] = 0;
	}
	if (f)
		fclose(f);
}

int eml_proc_exec(char *const argv[], const char *err_path, double timeout_s,
		  eml_proc_result *r)
{
	memset(r, 0, sizeof(*r));
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (err >= 0)
			dup2(err, STDERR_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	collect(pid, fds[0], timeout_s, r);
	last_line(err_path, r->err_line, sizeof(r->err_line));
	return 0;
}

void eml_proc_result_free(eml_proc_result *r)
{
	free(r->out);
	r->out = NULL;
}
