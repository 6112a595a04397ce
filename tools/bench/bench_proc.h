/*
 * bench_proc.h — the child processes of `edgeml bench`: each cell runs in a process of its own
 * (a fork for edgeml, an exec for a peer harness), so that its peak RSS is its own, a crash or
 * hang costs one cell, and every cold start is really cold. What the child prints on stdout is
 * captured; the peak RSS comes from wait4().
 */
#ifndef EML_BENCH_PROC_H
#define EML_BENCH_PROC_H

#include <stddef.h>
#include <stdio.h>

/* Most bytes of a child's output kept. */
#define EML_PROC_MAX_OUTPUT ((size_t)64 << 20)

typedef struct eml_proc_result {
	char *out;	    /* the child's stdout, NUL-terminated (NULL when nothing came) */
	size_t len;
	int exit_code;	    /* -1 when the child did not exit by itself */
	int signal;	    /* the signal that ended it, 0 if none */
	int timed_out;	    /* killed after the time limit */
	long maxrss_kb;	    /* the child's peak resident set */
	char err_line[512]; /* the last line the child wrote to stderr (exec only) */
} eml_proc_result;

/* Runs fn(arg, out) in a forked child whose `out` is the captured stdout; the child exits
 * with fn's return value. timeout_s 0 means no limit. Returns 0 when the child ran (whatever
 * its exit), nonzero when it could not be started. */
int eml_proc_fork(int (*fn)(void *arg, FILE *out), void *arg, double timeout_s,
		  eml_proc_result *r);

/* Runs argv (looked up in PATH) with stdout captured and stderr written to err_path. */
int eml_proc_exec(char *const argv[], const char *err_path, double timeout_s,
		  eml_proc_result *r);

void eml_proc_result_free(eml_proc_result *r);

#endif /* EML_BENCH_PROC_H */
