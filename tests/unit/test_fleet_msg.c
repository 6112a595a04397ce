/* test_fleet_msg.c — what the fleet commands parse from the network (tools/fleet_msg.c): OCI
 * references, manifests, desired states and device statuses, good and hostile, and the
 * devices' stage hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fleet_msg.h"

#define D1 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D2 "sha256:1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_refs(void **state)
{
	(void)state;
	eml_oci_ref r;
	char err[EML_FLEET_ERR];
	assert_int_equal(eml_oci_ref_parse("127.0.0.1:5000/fleet/kws:1.4.0", &r, err), 0);
	assert_string_equal(r.base, "http://127.0.0.1:5000");
	assert_string_equal(r.repository, "fleet/kws");
	assert_string_equal(r.reference, "1.4.0");
	assert_int_equal(r.by_digest, 0);
	assert_int_equal(eml_oci_ref_parse("registry.example.com/kws@" D1, &r, err), 0);
	assert_string_equal(r.base, "https://registry.example.com");
	assert_string_equal(r.reference, D1);
	assert_int_equal(r.by_digest, 1);
	assert_int_equal(eml_oci_ref_parse("http://h:1/a/b", &r, err), 0);
	assert_string_equal(r.reference, "latest");
	static const char *const bad[] = {
		"kws:1.0", "/kws:1", "h:1/", "h:1/Kws:1", "h:1/kws:-1", "h:1/kws@sha256:00",
		"h:1/kws@" D1 "0", "h:1/a//b:1", "h:1/a/:1", "h 1/a:1", "h:1/kws:1.0+build",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (eml_oci_ref_parse(bad[i], &r, err) == 0)
			fail_msg("'%s' parsed", bad[i]);
}

static void test_manifest(void **state)
{
	(void)state;
	eml_oci_artifact a = { .media_type = EML_OCI_PATCH_TYPE, .digest = D1, .size = 1234,
			       .title = "a \"b\".patch" }, b;
	char err[EML_FLEET_ERR];
	char *m = eml_oci_manifest_make(&a, "kws", "1.1.0");
	assert_non_null(m);
	assert_int_equal(eml_oci_manifest_parse(m, strlen(m), 1 << 20, &b, err), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* a size above the caller's bound */
	assert_int_equal(eml_oci_manifest_parse(m, strlen(m), 1000, &b, err), -1);
	assert_non_null(strstr(err, "layer size 1234"));
	free(m);
	static const char *const bad[] = {
		"", "[]", "{\"schemaVersion\":1,\"layers\":[]}",
		"{\"schemaVersion\":2,\"layers\":[]}",
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}",
		"{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"application/vnd.edgeml.package.v1\","
		"\"digest\":\"sha256:00\",\"size\":1}]}",
		"{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"application/vnd.edgeml.package.v1\","
		"\"digest\":\"" D1 "\",\"size\":-1}]}",
		"{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"application/vnd.edgeml.package.v1\","
		"\"digest\":\"" D1 "\",\"size\":0}]}",
		"{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"application/vnd.edgeml.package.v1\","
		"\"digest\":\"" D1 "\",\"size\":1},{\"mediaType\":\"application/vnd.edgeml.patch.v1\","
		"\"digest\":\"" D1 "\",\"size\":1}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (eml_oci_manifest_parse(bad[i], strlen(bad[i]), 1 << 20, &b, err) == 0)
			fail_msg("manifest %zu parsed: %s", i, bad[i]);
}

static void test_desired_and_status(void **state)
{
	(void)state;
	eml_fleet_desired d = { .name = "kws", .repository = "fleet/kws", .rollout = "r-1",
				.version = "1.1.0", .digest = D1, .base_version = "1.0.0",
				.base_digest = D2, .threshold = 0x3fffffffffffffffull, .stage = 2 },
			  e;
	char err[EML_FLEET_ERR];
	char *m = eml_fleet_desired_make(&d);
	assert_non_null(m);
	assert_int_equal(eml_fleet_desired_parse(m, strlen(m), &e, err), 0);
	assert_memory_equal(&d, &e, sizeof(d));
	free(m);
	static const char *const bad[] = {
		"{}", "{\"name\":\"kws\"}",
		"{\"name\":\"../x\",\"repository\":\"kws\",\"rollout\":\"r\",\"stage\":1,\"version\":"
		"\"1.0.0\",\"digest\":\"" D1 "\",\"threshold\":\"ffffffffffffffff\"}",
		"{\"name\":\"kws\",\"repository\":\"kws\",\"rollout\":\"r\",\"stage\":1,\"version\":"
		"\"1.0.0\",\"digest\":\"" D1 "\",\"threshold\":\"fffffffffffffffff\"}",
		"{\"name\":\"kws\",\"repository\":\"kws\",\"rollout\":\"r/+\",\"stage\":1,\"version\":"
		"\"1.0.0\",\"digest\":\"" D1 "\",\"threshold\":\"ffffffffffffffff\"}",
		"{\"name\":\"kws\",\"repository\":\"kws\",\"rollout\":\"r\",\"stage\":1.5,\"version\":"
		"\"1.0.0\",\"digest\":\"" D1 "\",\"threshold\":\"ffffffffffffffff\"}",
		"{\"name\":\"kws\",\"repository\":\"kws\",\"rollout\":\"r\",\"stage\":1,\"version\":"
		"\"1.0.0\",\"digest\":\"" D1 "\",\"threshold\":\"ffffffffffffffff\",\"baseline\":3}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (eml_fleet_desired_parse(bad[i], strlen(bad[i]), &e, err) == 0)
			fail_msg("desired state %zu parsed: %s", i, bad[i]);

	eml_fleet_status s = { .device = "dev-1", .name = "kws", .version = "1.0.0",
			       .wanted = "1.1.0", .rollout = "r-1", .state = "failed",
			       .error = "install kws 1.1.0: self-test", .p50_us = 12.5,
			       .p90_us = 20, .p99_us = 31.25, .anomalies = 2, .time = 1700000000 },
			 t;
	m = eml_fleet_status_make(&s);
	assert_non_null(m);
	assert_int_equal(eml_fleet_status_parse(m, strlen(m), &t, err), 0);
	assert_memory_equal(&s, &t, sizeof(s));
	free(m);
	static const char *const bad_status[] = {
		"{\"device\":\"d\"}", "{\"device\":\"a/b\",\"state\":\"ok\"}",
		"{\"device\":\"d\",\"state\":\"happy\"}",
		"{\"device\":\"d\",\"state\":\"ok\",\"latency_us\":{\"p50\":-1}}",
	};
	for (size_t i = 0; i < sizeof(bad_status) / sizeof(bad_status[0]); i++)
		if (eml_fleet_status_parse(bad_status[i], strlen(bad_status[i]), &t, err) == 0)
			fail_msg("status %zu parsed: %s", i, bad_status[i]);
}

/* The stage hash is BLAKE2b-64 of the id, little-endian (tests/fleet/fleet.sh computes the
 * same with Python's hashlib to know which devices a stage takes). */
static void test_device_hash(void **state)
{
	(void)state;
	assert_true(eml_fleet_device_hash("dev-00") == 0x15b71a1325ef8fddull);
	assert_true(eml_fleet_device_hash("dev-00") != eml_fleet_device_hash("dev-01"));
	assert_true(eml_fleet_id_valid("dev-00") && !eml_fleet_id_valid("a/b") &&
		    !eml_fleet_id_valid("") && !eml_fleet_id_valid("+"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_desired_and_status),
		cmocka_unit_test(test_device_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
