/* cmocka_shim.c — the runner behind tests/arm/cmocka.h. */
#include "cmocka.h"

jmp_buf eml_shim_jump;

/* Runs one test: 0 passed, 1 failed, 2 skipped. */
static int run_one(const struct CMUnitTest *t)
{
	int how = setjmp(eml_shim_jump);
	if (how == 0)
		t->fn(NULL);
	return how;
}

int eml_shim_run(const struct CMUnitTest *tests, size_t n)
{
	static const char *const tag[] = { "[ OK ]", "[FAIL]", "[SKIP]" };
	size_t count[3] = { 0 };
	for (size_t i = 0; i < n; i++) {
		int how = run_one(&tests[i]);
		count[how]++;
		printf("%s %s\n", tag[how], tests[i].name);
	}
	printf("%zu passed, %zu failed, %zu skipped\n", count[0], count[1], count[2]);
	return (int)count[1];
}
