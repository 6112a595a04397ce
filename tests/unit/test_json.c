/* test_json.c — the JSON writer of the tools (tools/json.c): numbers survive a write and a
 * read exactly, so a result file read back (edgeml report) holds the values that were
 * measured. The reader's own tests are in test_bench.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

/* v written by eml_json_write_number, into buf. */
static void write_number(double v, char *buf, size_t cap)
{
	FILE *f = fmemopen(buf, cap, "w");
	assert_non_null(f);
	eml_json_write_number(f, v);
	fclose(f);
}

/* Every finite double reads back as itself; round values keep their short form. */
static void test_number_round_trip(void **state)
{
	(void)state;
	static const double values[] = { 0.0, -0.0, 1.0, 100.0, 0.412, 0.1, 1e-300, 1e308,
					 -1e-308, 5e-324, 1234567891.0, 1234567891.5,
					 123467890123456.789, 12345678901234567890.0,
					 9007199254740993.0, 3.14159265358979311600 };
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char text[64];
		write_number(values[i], text, sizeof(text));
		eml_json *v = NULL;
		assert_int_equal(eml_json_parse(text, strlen(text), "t", &v), EDGEML_OK);
		if (v->type != EML_JSON_NUMBER || memcmp(&v->number, &values[i], sizeof(double)))
			fail_msg("%.17g written as '%s' reads back as %.17g", values[i], text,
				 v->number);
		eml_json_free(v);
	}
	char text[64];
	write_number(0.412, text, sizeof(text));
	assert_string_equal(text, "0.412");
	write_number(100.0, text, sizeof(text));
	assert_string_equal(text, "100");
	write_number(NAN, text, sizeof(text));
	assert_string_equal(text, "null");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
