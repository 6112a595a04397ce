/*
 * alloc_fail.h — failure injection for the allocation tests: the library's and the
 * converter's malloc-family calls reach these wrappers through -Wl,--wrap (see the Makefile),
 * which works under ASan too; fail_each() runs a scenario once to count its allocations, then
 * once failing each of them in turn. Include once per test program, after cmocka.h.
 */
#ifndef EML_ALLOC_FAIL_H
#define EML_ALLOC_FAIL_H

#include <stdatomic.h>
#include <stdlib.h>

#include "edgeml.h"

/* One attempt of the operation under test; returns its status, with everything it made
 * released again. */
typedef edgeml_status (*scenario)(void);

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_posix_memalign(void **out, size_t align, size_t n);
char *__real_strdup(const char *s);
void __real_free(void *p);

static atomic_long calls;    /* allocations seen while armed */
static atomic_long fail_at;  /* the call number to fail; 0: none */
static atomic_long failures; /* allocations failed */
static atomic_long live;     /* allocations minus frees while armed */
static atomic_int armed;

/* True when this allocation must fail. */
static int should_fail(void)
{
	if (!atomic_load(&armed))
		return 0;
	long k = atomic_fetch_add(&calls, 1) + 1;
	if (k == atomic_load(&fail_at)) {
		atomic_fetch_add(&failures, 1);
		return 1;
	}
	return 0;
}

/* Counts a successful allocation as live. */
static void *counted(void *p)
{
	if (p && atomic_load(&armed))
		atomic_fetch_add(&live, 1);
	return p;
}

void *__wrap_malloc(size_t n);
void *__wrap_malloc(size_t n)
{
	return should_fail() ? NULL : counted(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : counted(__real_calloc(n, size));
}

void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	void *q = __real_realloc(p, n);
	return p ? q : counted(q);
}

void *__wrap_aligned_alloc(size_t align, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n)
{
	return should_fail() ? NULL : counted(__real_aligned_alloc(align, n));
}

int __wrap_posix_memalign(void **out, size_t align, size_t n);
int __wrap_posix_memalign(void **out, size_t align, size_t n)
{
	if (should_fail())
		return 12; /* ENOMEM */
	int rc = __real_posix_memalign(out, align, n);
	if (rc == 0)
		counted(*out);
	return rc;
}

char *__wrap_strdup(const char *s);
char *__wrap_strdup(const char *s)
{
	return should_fail() ? NULL : counted(__real_strdup(s));
}

void __wrap_free(void *p);
void __wrap_free(void *p)
{
	if (p && atomic_load(&armed))
		atomic_fetch_sub(&live, 1);
	__real_free(p);
}

/* Runs scenario once to count its allocations, then once failing each of them in turn. */
static void fail_each(const char *name, scenario run)
{
	atomic_store(&fail_at, 0);
	atomic_store(&calls, 0);
	atomic_store(&live, 0);
	atomic_store(&armed, 1);
	edgeml_status st = run();
	atomic_store(&armed, 0);
	if (st != EDGEML_OK)
		fail_msg("%s: fails without injected failures: %s", name, edgeml_last_error());
	long n = atomic_load(&calls);
	assert_int_equal(atomic_load(&live), 0);
	assert_true(n > 0);
	long absorbed = 0;
	for (long k = 1; k <= n; k++) {
		atomic_store(&calls, 0);
		atomic_store(&live, 0);
		atomic_store(&failures, 0);
		atomic_store(&fail_at, k);
		atomic_store(&armed, 1);
		st = run();
		atomic_store(&armed, 0);
		if (atomic_load(&failures) == 0)
			continue; /* this attempt made fewer allocations */
		if (st == EDGEML_OK) {
			absorbed++;
			if (getenv("ALLOC_FAIL_VERBOSE"))
				print_message("%s: allocation %ld of %ld failed and was absorbed\n",
					      name, k, n);
		}
		else if (st != EDGEML_ERR_NO_MEMORY)
			fail_msg("%s: allocation %ld of %ld failed: status '%s' (%s), expected "
				 "'%s'",
				 name, k, n, edgeml_status_string(st), edgeml_last_error(),
				 edgeml_status_string(EDGEML_ERR_NO_MEMORY));
		else if (edgeml_last_error()[0] == '\0')
			fail_msg("%s: allocation %ld failed without a message", name, k);
		if (atomic_load(&live) != 0)
			fail_msg("%s: allocation %ld of %ld failed: %ld allocations leaked", name, k,
				 n, atomic_load(&live));
	}
	print_message("%s: failed each of %ld allocations (%ld absorbed)\n", name, n, absorbed);
}

#endif /* EML_ALLOC_FAIL_H */
