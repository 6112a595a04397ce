/*
 * bench_busy.h — the background load of `edgeml bench --contention N`: a child process of
 * the bench with N threads that spin, each pinned to a core (the last N cores this process
 * may use, wrapping around when N is larger), so that a cell measures how an engine copes
 * with cores that other work keeps busy, as on a board running its camera pipeline and app.
 */
#ifndef EML_BENCH_BUSY_H
#define EML_BENCH_BUSY_H

#include <stdint.h>
#include <sys/types.h>

/* Starts the load and returns once all n threads spin; -1 (errno set) when it cannot. The
 * child dies with the bench (PR_SET_PDEATHSIG). */
pid_t eml_busy_start(uint32_t n);

/* Ends the load started by eml_busy_start (pid -1 is a no-op). */
void eml_busy_stop(pid_t pid);

/* The core busy thread i is pinned to (for reports), -1 when unknown. */
int eml_busy_core(uint32_t n, uint32_t i);

#endif /* EML_BENCH_BUSY_H */
