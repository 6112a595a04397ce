/* cmd_pack.c — `edgeml pack`: a .eml model plus its manifest into an .emlpkg package. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "commands.h"
#include "edgeml.h"
#include "edgeml_package.h"
#include "file_io.h"
#include "npy.h"

#define MAX_MODEL_BYTES ((size_t)4 << 30)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml pack MODEL.eml --name NAME --version VERSION -o OUT.emlpkg\n"
		"                   [--parent VERSION] [--sequence N] [--created SECONDS]\n"
		"                   [--selftest [IN:]INPUT.npy=[OUT:]EXPECTED.npy ...] [--tolerance T]\n"
		"                   [--latency-budget-ms MS]\n"
		"                   [--requires isa=avx512vnni|dotprod,backend=vulkan]\n"
		"                   [--encrypt KEY.key]\n\n"
		"Packs a model with its manifest (docs/fleet.md). The package is unsigned until\n"
		"`edgeml sign`. The same inputs give the same bytes (not with --encrypt).\n\n"
		"  --name NAME        letters, digits, '.', '_', '-' (up to 64)\n"
		"  --version V        semantic version MAJOR.MINOR.PATCH[-PRE][+BUILD]\n"
		"  --parent V         the version this one updates (for deltas and the store)\n"
		"  --sequence N       rollback counter; default MAJOR<<42 | MINOR<<21 | PATCH\n"
		"  --created S        creation time (seconds since 1970); default\n"
		"                     $SOURCE_DATE_EPOCH, else now\n"
		"  --selftest A=B     input A (.npy) must give output B (.npy); IN and OUT name the\n"
		"                     model input and output (default: the first ones)\n"
		"  --tolerance T      largest per-element difference a self-test allows (default 0)\n"
		"  --latency-budget-ms MS\n"
		"                     the self-tests, run together, must take at most MS\n"
		"                     milliseconds (median of 5 timed runs) on the installing\n"
		"                     device, or `edgeml store install` refuses the package\n"
		"  --requires LIST    comma-separated KEY=ALT|ALT: isa=<cpu feature of\n"
		"                     `edgeml info`>, backend=cpu|vulkan\n"
		"  --encrypt KEY.key  encrypt the model for that key (`edgeml keygen --encryption`)\n");
}

/* Parses a non-negative decimal number. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* Finds the tensor a self-test side names ("NAME:" prefix, else index 0) and checks the .npy
 * against it. */
static int selftest_side(const edgeml_model *model, int is_input, const char *text,
			 uint32_t *index, eml_npy *npy)
{
	const char *colon = strchr(text, ':');
	const char *path = colon ? colon + 1 : text;
	size_t idx = 0;
	edgeml_tensor_info info;
	if (colon) {
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(colon - text), text);
		edgeml_status st = is_input ? edgeml_model_find_input(model, name, &idx)
					    : edgeml_model_find_output(model, name, &idx);
		if (st != EDGEML_OK) {
			fprintf(stderr, "edgeml pack: the model has no %s '%s'\n",
				is_input ? "input" : "output", name);
			return 1;
		}
	}
	edgeml_status st = is_input ? edgeml_model_input_info(model, idx, &info)
				    : edgeml_model_output_info(model, idx, &info);
	if (st == EDGEML_OK)
		st = eml_npy_read_file(path, npy);
	if (st != EDGEML_OK) {
		fprintf(stderr, "edgeml pack: self-test: %s\n", edgeml_last_error());
		return 1;
	}
	if (npy->dtype != info.dtype || npy->rank != info.rank ||
	    memcmp(npy->dims, info.dims, info.rank * sizeof(int64_t)) != 0) {
		fprintf(stderr,
			"edgeml pack: self-test file '%s' is %s of rank %u, but model %s '%s' is "
			"%s of rank %u with other dimensions\n",
			path, edgeml_dtype_name(npy->dtype), npy->rank,
			is_input ? "input" : "output", info.name, edgeml_dtype_name(info.dtype),
			info.rank);
		eml_npy_free(npy);
		return 1;
	}
	*index = (uint32_t)idx;
	return 0;
}

typedef struct pack_args {
	const char *model, *out, *key_file;
	edgeml_pack_spec spec;
	const char *requires[EDGEML_PACKAGE_MAX_REQUIRES];
	char *requires_text;
	const char *selftests[EDGEML_PACKAGE_MAX_SELFTESTS];
	uint32_t n_selftests;
	float tolerance;
	int created_given;
} pack_args;

/* Splits "a=b|c,d=e" into the requirement list. */
static int split_requires(pack_args *a, const char *text)
{
	free(a->requires_text);
	a->requires_text = strdup(text);
	if (!a->requires_text)
		return 1;
	a->spec.n_requires = 0;
	for (char *save = NULL, *tok = strtok_r(a->requires_text, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (a->spec.n_requires == EDGEML_PACKAGE_MAX_REQUIRES) {
			fprintf(stderr, "edgeml pack: at most %u requirements\n",
				EDGEML_PACKAGE_MAX_REQUIRES);
			return 2;
		}
		a->requires[a->spec.n_requires++] = tok;
	}
	a->spec.requires = a->requires;
	return 0;
}

static int parse_args(int argc, char **argv, pack_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			return -1;
		} else if (arg[0] != '-') {
			if (a->model) {
				fprintf(stderr, "edgeml pack: more than one model given\n");
				return 2;
			}
			a->model = arg;
			continue;
		} else if (!val) {
			rc = 2;
		} else if (!strcmp(arg, "--name")) {
			a->spec.name = val;
		} else if (!strcmp(arg, "--version")) {
			a->spec.version = val;
		} else if (!strcmp(arg, "--parent")) {
			a->spec.parent = val;
		} else if (!strcmp(arg, "-o") || !strcmp(arg, "--output")) {
			a->out = val;
		} else if (!strcmp(arg, "--encrypt")) {
			a->key_file = val;
		} else if (!strcmp(arg, "--sequence")) {
			rc = parse_u64(val, &a->spec.sequence) || !a->spec.sequence ? 2 : 0;
		} else if (!strcmp(arg, "--created")) {
			rc = parse_u64(val, &a->spec.created) ? 2 : 0;
			a->created_given = 1;
		} else if (!strcmp(arg, "--tolerance")) {
			char *end;
			a->tolerance = strtof(val, &end);
			rc = *end || !(a->tolerance >= 0.0f) ? 2 : 0;
		} else if (!strcmp(arg, "--latency-budget-ms")) {
			char *end;
			a->spec.latency_budget_ms = strtod(val, &end);
			rc = *end || !(a->spec.latency_budget_ms > 0.0) ? 2 : 0;
		} else if (!strcmp(arg, "--requires")) {
			rc = split_requires(a, val);
		} else if (!strcmp(arg, "--selftest")) {
			if (a->n_selftests == EDGEML_PACKAGE_MAX_SELFTESTS || !strchr(val, '='))
				rc = 2;
			else
				a->selftests[a->n_selftests++] = val;
		} else {
			rc = 2;
		}
		if (rc) {
			fprintf(stderr, "edgeml pack: bad or missing value for '%s'\n", arg);
			usage(stderr);
			return rc;
		}
		i++;
	}
	if (!a->model || !a->out || !a->spec.name || !a->spec.version) {
		fprintf(stderr, "edgeml pack: a model, --name, --version and -o are required\n");
		usage(stderr);
		return 2;
	}
	if (!a->created_given) {
		const char *sde = getenv("SOURCE_DATE_EPOCH");
		if (sde && parse_u64(sde, &a->spec.created)) {
			fprintf(stderr, "edgeml pack: SOURCE_DATE_EPOCH '%s' is not a number\n",
				sde);
			return 2;
		}
		if (!sde)
			a->spec.created = (uint64_t)time(NULL);
	}
	return 0;
}

/* Checks that the model loads, then reads the self-tests' .npy files against it; fills tests
 * and npys (2 per test). */
static int read_selftests(const pack_args *a, const uint8_t *model_bytes, size_t model_size,
			  edgeml_pack_selftest *tests, eml_npy *npys)
{
	edgeml_model *model = NULL;
	int rc = 0;
	if (edgeml_pack_model_load(model_bytes, model_size, &model) != EDGEML_OK) {
		fprintf(stderr, "edgeml pack: %s: %s\n", a->model, edgeml_last_error());
		rc = 1;
	}
	for (uint32_t i = 0; i < a->n_selftests && !rc; i++) {
		char *text = strdup(a->selftests[i]);
		if (!text) {
			rc = 1;
			break;
		}
		char *eq = strchr(text, '=');
		*eq = '\0';
		edgeml_pack_selftest *t = &tests[i];
		rc = selftest_side(model, 1, text, &t->input_index, &npys[2 * i]);
		if (!rc && selftest_side(model, 0, eq + 1, &t->output_index, &npys[2 * i + 1])) {
			eml_npy_free(&npys[2 * i]);
			rc = 1;
		}
		free(text);
		if (rc)
			break;
		t->tolerance = a->tolerance;
		t->input = npys[2 * i].data;
		t->input_size = npys[2 * i].size;
		t->expected = npys[2 * i + 1].data;
		t->expected_size = npys[2 * i + 1].size;
	}
	edgeml_model_free(model);
	return rc;
}

int edgeml_cmd_pack(int argc, char **argv)
{
	pack_args a;
	memset(&a, 0, sizeof(a));
	int rc = parse_args(argc, argv, &a);
	if (rc) {
		free(a.requires_text);
		return rc < 0 ? 0 : rc;
	}
	uint8_t *model = NULL, *pkg = NULL, key[32];
	size_t model_size = 0, pkg_size = 0;
	edgeml_pack_selftest tests[EDGEML_PACKAGE_MAX_SELFTESTS];
	eml_npy npys[2 * EDGEML_PACKAGE_MAX_SELFTESTS];
	memset(npys, 0, sizeof(npys));
	edgeml_status st = eml_file_read(a.model, MAX_MODEL_BYTES, &model, &model_size);
	if (st == EDGEML_OK && a.key_file) {
		st = edgeml_key_read(a.key_file, EDGEML_KEY_STREAM, key, sizeof(key));
		a.spec.encrypt_key = key;
	}
	if (st != EDGEML_OK) {
		fprintf(stderr, "edgeml pack: %s\n", edgeml_last_error());
		rc = 1;
	} else if (read_selftests(&a, model, model_size, tests, npys)) {
		rc = 1;
	} else {
		a.spec.selftests = tests;
		a.spec.n_selftests = a.n_selftests;
		st = edgeml_pack_build(&a.spec, model, model_size, &pkg, &pkg_size);
		if (st == EDGEML_OK)
			st = eml_file_write_atomic(a.out, pkg, pkg_size, 0644);
		if (st != EDGEML_OK) {
			fprintf(stderr, "edgeml pack: %s\n", edgeml_last_error());
			rc = 1;
		} else {
			printf("packed %s %s (%zu bytes of model, %zu-byte package%s) into %s\n",
			       a.spec.name, a.spec.version, model_size, pkg_size,
			       a.key_file ? ", encrypted" : "", a.out);
		}
	}
	for (size_t i = 0; i < 2 * EDGEML_PACKAGE_MAX_SELFTESTS; i++)
		eml_npy_free(&npys[i]);
	sodium_memzero(key, sizeof(key));
	free(model);
	free(pkg);
	free(a.requires_text);
	return rc;
}
