/*
 * cmd_pull.c — `edgeml pull REF -o FILE`: downloads a package or a patch from an OCI registry
 * by tag or by digest; the manifest's and the blob's sha256 are checked before FILE is
 * written (atomically), so a tampered or truncated download never replaces a good file.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "commands.h"
#include "oci.h"

int eml_fleet_timeout_arg(int argc, char **argv, int i, eml_oci_opts *opts);

static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml pull [http[s]://]HOST[:PORT]/REPOSITORY(:TAG|@sha256:HEX) -o FILE\n"
		"                   [--max-size BYTES] [--timeout S]\n"
		"  downloads the package or patch, checks the manifest's and the blob's sha256\n"
		"  digests and the size, then writes FILE atomically (nothing on failure).\n"
		"  --max-size  refuse artifacts above BYTES (default 4 GiB)\n"
		"  --timeout   as for edgeml push\n"
		"The package's signatures are checked where it is loaded or installed (edgeml\n"
		"verify, edgeml store install), not here. Environment: as for edgeml push.\n");
}

int edgeml_cmd_pull(int argc, char **argv)
{
	eml_oci_opts opts;
	eml_oci_opts_from_env(&opts);
	const char *refs = NULL, *out = NULL;
	uint64_t max_size = (uint64_t)4 << 30;
	for (int i = 1; i < argc;) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--timeout") == 0) {
			if ((i = eml_fleet_timeout_arg(argc, argv, i, &opts)) < 0) {
				fprintf(stderr, "edgeml pull: --timeout needs seconds in [1, 3600]\n");
				return 2;
			}
			continue;
		}
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--max-size") == 0) && i + 1 < argc) {
			if (argv[i][1] == 'o') {
				out = argv[i + 1];
			} else {
				char *end;
				max_size = strtoull(argv[i + 1], &end, 10);
				if (*end || max_size == 0 || argv[i + 1][0] == '-') {
					fprintf(stderr, "edgeml pull: --max-size needs bytes\n");
					return 2;
				}
			}
			i += 2;
			continue;
		}
		if (argv[i][0] == '-' || refs) {
			fprintf(stderr, "edgeml pull: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
		refs = argv[i++];
	}
	if (!refs || !out) {
		usage(stderr);
		return 2;
	}
	char err[EML_FLEET_ERR], digest[72];
	eml_oci_ref ref;
	if (eml_oci_ref_parse(refs, &ref, err) != 0) {
		fprintf(stderr, "edgeml pull: %s\n", err);
		return 2;
	}
	eml_oci_artifact art;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = eml_oci_pull(&ref, out, &opts, max_size, digest, &art, err);
	curl_global_cleanup();
	if (rc != 0) {
		fprintf(stderr, "edgeml pull: %s\n", err);
		return 1;
	}
	printf("pulled %s/%s@%s to %s: %s, %" PRIu64 " bytes, %s\n", ref.base, ref.repository,
	       digest, out, strcmp(art.media_type, EML_OCI_PATCH_TYPE) == 0 ? "patch" : "package",
	       art.size, art.digest);
	return 0;
}
