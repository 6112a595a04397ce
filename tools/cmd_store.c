/*
 * cmd_store.c — `edgeml store`: the device's model store (runtime/src/store.c, docs/fleet.md):
 * install a package (verified, self-tested, then switched to atomically), list, activate,
 * roll back, report health, and status (which also loads and self-tests each active model).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "edgeml.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml store [--store DIR] COMMAND [ARGS]\n"
		"  install PACKAGE [--allow-downgrade]  verify, self-test, then make it active\n"
		"  list [NAME]                         installed versions (* active, < previous)\n"
		"  status [NAME]                       active versions, loaded and self-tested here\n"
		"  activate NAME VERSION               make an installed version active\n"
		"  rollback NAME                       make the previous version active again\n"
		"  health NAME good|bad                the app's verdict; bad rolls back\n"
		"The store is DIR, else $EDGEML_STORE_DIR, else /var/lib/edgeml; the trust store\n"
		"is $EDGEML_TRUST_DIR, else /etc/edgeml.\n");
}

static int fail(const char *what)
{
	fprintf(stderr, "edgeml store %s: %s\n", what, edgeml_last_error());
	return 1;
}

/* Prints the versions of one name. */
static int list_one(edgeml_store *store, const char *name, int status)
{
	edgeml_store_state st;
	if (edgeml_store_versions(store, name, &st) != EDGEML_OK) {
		fprintf(stderr, "edgeml store: %s\n", edgeml_last_error());
		return 1;
	}
	const edgeml_store_version *a = &st.versions[st.active];
	if (!status) {
		for (uint32_t i = 0; i < st.n_versions; i++) {
			const edgeml_store_version *v = &st.versions[i];
			printf("%s %-12s %c sequence %" PRIu64 " health %-4s package %.16s\n", name,
			       v->version, (int32_t)i == st.active ? '*' : (int32_t)i == st.previous ? '<' : ' ',
			       v->sequence, edgeml_store_health_name(v->health), v->package_hash);
		}
		return 0;
	}
	printf("%s: active %s (sequence %" PRIu64 ", health %s), previous %s, highest sequence %" PRIu64
	       ", generation %" PRIu64 "\n",
	       name, a->version, a->sequence, edgeml_store_health_name(a->health),
	       st.previous >= 0 ? st.versions[st.previous].version : "none", st.highest,
	       st.generation);
	edgeml_model *m;
	if (edgeml_store_load_active(store, name, &m) != EDGEML_OK) {
		printf("%s: active model does NOT load: %s\n", name, edgeml_last_error());
		return 1;
	}
	uint32_t passed = 0;
	edgeml_package_info info;
	edgeml_model_package_info(m, &info);
	edgeml_status s = edgeml_model_run_selftests(m, NULL, &passed);
	if (s == EDGEML_OK)
		printf("%s: active model loads and verifies (signed by %s), %" PRIu32 " of %" PRIu32
		       " self-tests pass\n",
		       name, info.signed_by[0] ? info.signed_by : "nobody: no trust store", passed,
		       info.n_selftests);
	else
		printf("%s: active model FAILS its self-tests: %s\n", name, edgeml_last_error());
	edgeml_model_free(m);
	return s == EDGEML_OK ? 0 : 1;
}

static int list_all(edgeml_store *store, int argc, char **argv, int status)
{
	if (argc > 1)
		return list_one(store, argv[1], status);
	char **names;
	uint32_t n;
	if (edgeml_store_names(store, &names, &n) != EDGEML_OK)
		return fail("list");
	int rc = 0;
	for (uint32_t i = 0; i < n; i++) {
		rc |= list_one(store, names[i], status);
	}
	edgeml_store_names_free(names, n);
	if (n == 0)
		printf("the store %s holds no models\n", edgeml_store_dir(store));
	return rc;
}

int edgeml_cmd_store(int argc, char **argv)
{
	const char *dir = NULL;
	int i = 1;
	if (i < argc && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (i + 1 < argc && strcmp(argv[i], "--store") == 0) {
		dir = argv[i + 1];
		i += 2;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[i];
	argc -= i;
	argv += i;
	edgeml_context *ctx;
	edgeml_store *store;
	if (edgeml_context_create(&ctx) != EDGEML_OK)
		return fail("");
	if (edgeml_store_open(ctx, dir, &store) != EDGEML_OK) {
		edgeml_context_destroy(ctx);
		return fail("");
	}
	int rc = 2;
	edgeml_status s = EDGEML_OK;
	if (strcmp(cmd, "install") == 0 && (argc == 2 || argc == 3)) {
		uint32_t flags = 0;
		if (argc == 3 && strcmp(argv[2], "--allow-downgrade") == 0)
			flags = EDGEML_STORE_ALLOW_DOWNGRADE;
		else if (argc == 3)
			goto bad_usage;
		s = edgeml_store_install(store, argv[1], flags);
		rc = s == EDGEML_OK ? 0 : fail("install");
		if (rc == 0)
			printf("installed and active: %s\n", argv[1]);
	} else if ((strcmp(cmd, "list") == 0 || strcmp(cmd, "status") == 0) && argc <= 2) {
		rc = list_all(store, argc, argv, strcmp(cmd, "status") == 0);
	} else if (strcmp(cmd, "activate") == 0 && argc == 3) {
		s = edgeml_store_activate(store, argv[1], argv[2]);
		rc = s == EDGEML_OK ? 0 : fail("activate");
	} else if (strcmp(cmd, "rollback") == 0 && argc == 2) {
		s = edgeml_store_rollback(store, argv[1]);
		rc = s == EDGEML_OK ? 0 : fail("rollback");
	} else if (strcmp(cmd, "health") == 0 && argc == 3 &&
		   (strcmp(argv[2], "good") == 0 || strcmp(argv[2], "bad") == 0)) {
		s = edgeml_store_report_health(store, argv[1], strcmp(argv[2], "good") == 0);
		rc = s == EDGEML_OK ? 0 : fail("health");
	} else {
bad_usage:
		usage(stderr);
		rc = 2;
	}
	edgeml_store_close(store);
	edgeml_context_destroy(ctx);
	return rc;
}
