/*
 * cmocka.h — the few cmocka calls the kernel tests use, for the aarch64 cross build (Debian
 * has no arm64 cmocka without multiarch): failures and skips unwind with longjmp, and the
 * runner prints "N passed, M failed" and returns the failure count.
 */
#ifndef EML_TEST_CMOCKA_SHIM_H
#define EML_TEST_CMOCKA_SHIM_H

#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

struct CMUnitTest {
	const char *name;
	void (*fn)(void **state);
};

extern jmp_buf eml_shim_jump;

/* Ends the running test: 1 failed, 2 skipped. */
static inline void eml_shim_end(int how)
{
	longjmp(eml_shim_jump, how);
}

#define cmocka_unit_test(f) { #f, f }
#define test_malloc(n) malloc(n)
#define test_free(p) free(p)
#define skip() eml_shim_end(2)
#define fail_msg(...)                                                   \
	do {                                                            \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);         \
		fprintf(stderr, __VA_ARGS__);                           \
		fputc('\n', stderr);                                    \
		eml_shim_end(1);                                        \
	} while (0)
#define assert_true(c)                                                  \
	do {                                                            \
		if (!(c))                                               \
			fail_msg("assertion failed: %s", #c);           \
	} while (0)
#define assert_int_equal(a, b)                                          \
	do {                                                            \
		intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);        \
		if (a_ != b_)                                           \
			fail_msg("%jd != %jd (%s vs %s)", a_, b_, #a, #b);  \
	} while (0)
#define assert_string_equal(a, b)                                       \
	do {                                                            \
		const char *a_ = (a), *b_ = (b);                        \
		if (strcmp(a_, b_) != 0)                                \
			fail_msg("\"%s\" != \"%s\" (%s vs %s)", a_, b_, #a, #b); \
	} while (0)
#define assert_memory_equal(a, b, n)                                    \
	do {                                                            \
		if (memcmp((a), (b), (n)) != 0)                         \
			fail_msg("memory differs (%s vs %s)", #a, #b);  \
	} while (0)
#define assert_null(p) assert_true((p) == NULL)
#define assert_non_null(p) assert_true((p) != NULL)

/* Runs the tests; returns the number that failed. */
int eml_shim_run(const struct CMUnitTest *tests, size_t n);
#define cmocka_run_group_tests(t, setup, teardown) \
	eml_shim_run(t, sizeof(t) / sizeof((t)[0]))

#endif /* EML_TEST_CMOCKA_SHIM_H */
