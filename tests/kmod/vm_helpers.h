/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vm_helpers.h - what the two programs run in the test VM share (edgeml_kmod_test.c and
 * edgeml_kmod_fuzz.c): a monotonic clock, module loading and a seeded xorshift generator.
 */
#ifndef EDGEML_VM_HELPERS_H
#define EDGEML_VM_HELPERS_H

#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Monotonic time in nanoseconds. */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Loads a module from @path with parameter string @params; returns 0 or -1 with errno. */
static inline int load_module(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	return ret;
}

/* The next value of the xorshift64* generator whose state is @state (never 0). */
static inline uint32_t xorshift_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (uint32_t)((*state * 0x2545f4914f6cdd1dULL) >> 32);
}

#endif /* EDGEML_VM_HELPERS_H */
