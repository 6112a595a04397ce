/*
 * cmd_push.c — `edgeml push FILE REF`: uploads a package or a patch to an OCI registry as a
 * one-layer artifact tagged REF's tag (oci.c, docs/fleet.md "Registry").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "commands.h"
#include "oci.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml push FILE [http[s]://]HOST[:PORT]/REPOSITORY:TAG [--timeout S]\n"
		"  uploads a package (.emlpkg, media type " EML_OCI_PACKAGE_TYPE ")\n"
		"  or a patch (" EML_OCI_PATCH_TYPE ") and prints the manifest's digest.\n"
		"  --timeout S  fail when the registry cannot be reached, or stops answering, for S\n"
		"               seconds (default 10 to connect, 30 without progress)\n"
		"Environment: EDGEML_REGISTRY_USER=USER:PASSWORD (HTTP basic authentication),\n"
		"EDGEML_REGISTRY_TOKEN (a bearer token), EDGEML_REGISTRY_TIMEOUT (as --timeout).\n"
		"Loopback hosts default to http, others to https.\n");
}

/* Parses --timeout S into opts; returns the next index, or -1 on a usage error. */
int eml_fleet_timeout_arg(int argc, char **argv, int i, eml_oci_opts *opts);
int eml_fleet_timeout_arg(int argc, char **argv, int i, eml_oci_opts *opts)
{
	if (i + 1 >= argc)
		return -1;
	char *end;
	long s = strtol(argv[i + 1], &end, 10);
	if (*end || s <= 0 || s > 3600)
		return -1;
	opts->connect_timeout_s = opts->stall_timeout_s = s;
	return i + 2;
}

int edgeml_cmd_push(int argc, char **argv)
{
	eml_oci_opts opts;
	eml_oci_opts_from_env(&opts);
	const char *pos[2] = { NULL, NULL };
	int npos = 0;
	for (int i = 1; i < argc;) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--timeout") == 0) {
			if ((i = eml_fleet_timeout_arg(argc, argv, i, &opts)) < 0) {
				fprintf(stderr, "edgeml push: --timeout needs seconds in [1, 3600]\n");
				return 2;
			}
			continue;
		}
		if (argv[i][0] == '-' || npos == 2) {
			fprintf(stderr, "edgeml push: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
		pos[npos++] = argv[i++];
	}
	if (npos != 2) {
		usage(stderr);
		return 2;
	}
	char err[EML_FLEET_ERR], digest[72];
	eml_oci_ref ref;
	if (eml_oci_ref_parse(pos[1], &ref, err) != 0) {
		fprintf(stderr, "edgeml push: %s\n", err);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = eml_oci_push(&ref, pos[0], &opts, digest, err);
	curl_global_cleanup();
	if (rc != 0) {
		fprintf(stderr, "edgeml push: %s\n", err);
		return 1;
	}
	printf("pushed %s to %s/%s:%s\n%s/%s@%s\n", pos[0], ref.base, ref.repository, ref.reference,
	       ref.base, ref.repository, digest);
	return 0;
}
