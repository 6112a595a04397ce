/* fleet_msg.c — OCI references and manifests, MQTT desired-state and status payloads
 * (fleet_msg.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fleet_msg.h"
#include "json.h"
#include "edgeml.h"

static int fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, EML_FLEET_ERR, fmt, ap);
	va_end(ap);
	return -1;
}

/* Copies src into dst[cap]; -1 when it does not fit. */
static int copy(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

int eml_oci_digest_valid(const char *s)
{
	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
		return 0;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

/* The distribution spec's repository name: path components of [a-z0-9]+([._-][a-z0-9]+)*. */
static int repository_valid(const char *s)
{
	if (!*s)
		return 0;
	int start = 1;
	for (const char *p = s; *p; p++) {
		int alnum = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
		if (alnum) {
			start = 0;
			continue;
		}
		if (start || !strchr("._-/", *p))
			return 0;
		start = 1;
	}
	return !start;
}

/* A tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}. */
static int tag_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 128 || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
			return 0;
	return 1;
}

int eml_oci_ref_parse(const char *text, eml_oci_ref *out, char *err)
{
	memset(out, 0, sizeof(*out));
	const char *scheme = NULL, *p = text;
	if (strncmp(p, "http://", 7) == 0) {
		scheme = "http";
		p += 7;
	} else if (strncmp(p, "https://", 8) == 0) {
		scheme = "https";
		p += 8;
	}
	const char *slash = strchr(p, '/');
	if (!slash || slash == p)
		return fail(err, "reference '%s': expected HOST[:PORT]/REPOSITORY[:TAG|@DIGEST]",
			    text);
	size_t hostlen = (size_t)(slash - p);
	char host[200];
	if (copy(host, sizeof(host), p, hostlen) != 0)
		return fail(err, "reference '%s': host too long", text);
	for (size_t i = 0; i < hostlen; i++)
		if (!((host[i] >= 'a' && host[i] <= 'z') || (host[i] >= 'A' && host[i] <= 'Z') ||
		      (host[i] >= '0' && host[i] <= '9') || strchr(".-:[]", host[i])))
			return fail(err, "reference '%s': bad character in host '%s'", text, host);
	if (!scheme) {
		int loop = strncmp(host, "localhost", 9) == 0 || strncmp(host, "127.", 4) == 0 ||
			   strncmp(host, "[::1]", 5) == 0;
		scheme = loop ? "http" : "https";
	}
	snprintf(out->base, sizeof(out->base), "%s://%s", scheme, host);
	const char *repo = slash + 1, *end;
	const char *at = strchr(repo, '@');
	if (at) {
		end = at;
		if (copy(out->reference, sizeof(out->reference), at + 1, strlen(at + 1)) != 0 ||
		    !eml_oci_digest_valid(out->reference))
			return fail(err, "reference '%s': the digest must be sha256: and 64 lower-case "
				    "hex digits", text);
		out->by_digest = 1;
	} else {
		const char *colon = strrchr(repo, ':');
		if (colon && !strchr(colon, '/')) {
			end = colon;
			if (copy(out->reference, sizeof(out->reference), colon + 1,
				 strlen(colon + 1)) != 0 || !tag_valid(out->reference))
				return fail(err, "reference '%s': bad tag (expected "
					    "[A-Za-z0-9_][A-Za-z0-9._-]{0,127})", text);
		} else {
			end = repo + strlen(repo);
			strcpy(out->reference, "latest");
		}
	}
	if (copy(out->repository, sizeof(out->repository), repo, (size_t)(end - repo)) != 0 ||
	    !repository_valid(out->repository))
		return fail(err, "reference '%s': bad repository name (lower-case letters, digits, "
			    "'.', '_', '-' between them, '/' between components)", text);
	return 0;
}

/* A string member of an object copied into dst[cap]; required members must be there. */
static int get_str(const eml_json *o, const char *key, char *dst, size_t cap, int required,
		   const char *what, char *err)
{
	const eml_json *v = eml_json_get(o, key);
	if (!v) {
		dst[0] = '\0';
		return required ? fail(err, "%s: no \"%s\"", what, key) : 0;
	}
	if (v->type != EML_JSON_STRING)
		return fail(err, "%s: \"%s\" is not a string", what, key);
	if (copy(dst, cap, v->string, strlen(v->string)) != 0)
		return fail(err, "%s: \"%s\" is longer than %zu bytes", what, key, cap - 1);
	return 0;
}

/* A non-negative integer member (at most 2^53, exact in a double). */
static int get_u64(const eml_json *o, const char *key, uint64_t *dst, int required,
		   const char *what, char *err)
{
	const eml_json *v = eml_json_get(o, key);
	*dst = 0;
	if (!v)
		return required ? fail(err, "%s: no \"%s\"", what, key) : 0;
	if (v->type != EML_JSON_NUMBER || !(v->number >= 0) || v->number > 9007199254740992.0 ||
	    v->number != (double)(uint64_t)v->number)
		return fail(err, "%s: \"%s\" is not a non-negative integer", what, key);
	*dst = (uint64_t)v->number;
	return 0;
}

static int parse_object(const char *json, size_t len, const char *what, eml_json **out, char *err)
{
	if (eml_json_parse(json, len, what, out) != EDGEML_OK)
		return fail(err, "%s", edgeml_last_error());
	if ((*out)->type != EML_JSON_OBJECT) {
		eml_json_free(*out);
		*out = NULL;
		return fail(err, "%s: not a JSON object", what);
	}
	return 0;
}

int eml_oci_manifest_parse(const char *json, size_t len, uint64_t max_size, eml_oci_artifact *out,
			   char *err)
{
	static const char what[] = "the manifest";
	memset(out, 0, sizeof(*out));
	eml_json *m;
	if (parse_object(json, len, what, &m, err) != 0)
		return -1;
	int rc = -1;
	uint64_t schema;
	char mt[128];
	if (get_u64(m, "schemaVersion", &schema, 1, what, err) != 0)
		goto out;
	if (schema != 2) {
		fail(err, "%s: schemaVersion %" PRIu64 ", expected 2", what, schema);
		goto out;
	}
	if (get_str(m, "mediaType", mt, sizeof(mt), 0, what, err) != 0)
		goto out;
	if (mt[0] && strcmp(mt, EML_OCI_MANIFEST_TYPE) != 0 &&
	    strcmp(mt, "application/vnd.docker.distribution.manifest.v2+json") != 0) {
		fail(err, "%s: media type '%s' is not an image manifest (an index or a list?)",
		     what, mt);
		goto out;
	}
	const eml_json *layers = eml_json_get(m, "layers");
	if (!layers || layers->type != EML_JSON_ARRAY) {
		fail(err, "%s: no \"layers\" array", what);
		goto out;
	}
	const eml_json *found = NULL;
	for (const eml_json *l = layers->child; l; l = l->next) {
		if (l->type != EML_JSON_OBJECT) {
			fail(err, "%s: a layer is not an object", what);
			goto out;
		}
		const char *t = eml_json_string(eml_json_get(l, "mediaType"), "");
		if (strcmp(t, EML_OCI_PACKAGE_TYPE) != 0 && strcmp(t, EML_OCI_PATCH_TYPE) != 0)
			continue;
		if (found) {
			fail(err, "%s: more than one edgeml layer", what);
			goto out;
		}
		found = l;
	}
	if (!found) {
		fail(err, "%s: no layer of type %s or %s: not an edgeml artifact", what,
		     EML_OCI_PACKAGE_TYPE, EML_OCI_PATCH_TYPE);
		goto out;
	}
	if (get_str(found, "mediaType", out->media_type, sizeof(out->media_type), 1, what, err) ||
	    get_str(found, "digest", out->digest, sizeof(out->digest), 1, what, err) ||
	    get_u64(found, "size", &out->size, 1, what, err))
		goto out;
	if (!eml_oci_digest_valid(out->digest)) {
		fail(err, "%s: layer digest '%s' is not sha256: and 64 lower-case hex digits", what,
		     out->digest);
		goto out;
	}
	if (out->size == 0 || out->size > max_size) {
		fail(err, "%s: layer size %" PRIu64 " is not in [1, %" PRIu64 "]", what, out->size,
		     max_size);
		goto out;
	}
	const eml_json *ann = eml_json_get(found, "annotations");
	const char *title = eml_json_string(eml_json_get(ann, "org.opencontainers.image.title"), "");
	if (copy(out->title, sizeof(out->title), title, strlen(title)) != 0)
		out->title[0] = '\0';
	rc = 0;
out:
	eml_json_free(m);
	return rc;
}

/* Closes an open_memstream stream: its text, or NULL when it could not be made. */
static char *close_stream(FILE *f, char **buf)
{
	if (fclose(f) != 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

char *eml_oci_manifest_make(const eml_oci_artifact *a, const char *name, const char *version)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		return NULL;
	fprintf(f, "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"artifactType\":\"%s\","
		   "\"config\":{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":2},"
		   "\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%" PRIu64,
		EML_OCI_MANIFEST_TYPE, a->media_type, EML_OCI_EMPTY_TYPE, EML_OCI_EMPTY_DIGEST,
		a->media_type, a->digest, a->size);
	fprintf(f, ",\"annotations\":{\"org.opencontainers.image.title\":");
	eml_json_write_string(f, a->title);
	fprintf(f, "}}],\"annotations\":{\"org.edgeml.name\":");
	eml_json_write_string(f, name);
	fprintf(f, ",\"org.edgeml.version\":");
	eml_json_write_string(f, version);
	fprintf(f, "}}");
	return close_stream(f, &buf);
}

int eml_fleet_id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i])))
			return 0;
	return 1;
}

uint64_t eml_fleet_device_hash(const char *device)
{
	uint8_t h[8];
	crypto_generichash(h, sizeof(h), (const uint8_t *)device, strlen(device), NULL, 0);
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | h[i];
	return v;
}

/* The version strings of the messages: what a package manifest allows, 1..64 bytes of
 * [A-Za-z0-9.+-]. */
static int version_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr(".+-", s[i])))
			return 0;
	return 1;
}

int eml_fleet_desired_parse(const char *json, size_t len, eml_fleet_desired *out, char *err)
{
	static const char what[] = "the desired state";
	memset(out, 0, sizeof(*out));
	eml_json *m;
	if (parse_object(json, len, what, &m, err) != 0)
		return -1;
	int rc = -1;
	char thr[32];
	uint64_t stage;
	if (get_str(m, "name", out->name, sizeof(out->name), 1, what, err) ||
	    get_str(m, "repository", out->repository, sizeof(out->repository), 1, what, err) ||
	    get_str(m, "rollout", out->rollout, sizeof(out->rollout), 1, what, err) ||
	    get_str(m, "version", out->version, sizeof(out->version), 1, what, err) ||
	    get_str(m, "digest", out->digest, sizeof(out->digest), 1, what, err) ||
	    get_str(m, "threshold", thr, sizeof(thr), 1, what, err) ||
	    get_u64(m, "stage", &stage, 1, what, err))
		goto out;
	const eml_json *b = eml_json_get(m, "baseline");
	if (b && b->type != EML_JSON_NULL) {
		if (b->type != EML_JSON_OBJECT) {
			fail(err, "%s: \"baseline\" is not an object", what);
			goto out;
		}
		if (get_str(b, "version", out->base_version, sizeof(out->base_version), 1, what,
			    err) ||
		    get_str(b, "digest", out->base_digest, sizeof(out->base_digest), 1, what, err))
			goto out;
		if (!version_valid(out->base_version) || !eml_oci_digest_valid(out->base_digest)) {
			fail(err, "%s: bad baseline version or digest", what);
			goto out;
		}
	}
	if (!eml_fleet_id_valid(out->name) || !eml_fleet_id_valid(out->rollout) ||
	    !version_valid(out->version) || !repository_valid(out->repository)) {
		fail(err, "%s: bad name, rollout, version or repository", what);
		goto out;
	}
	if (!eml_oci_digest_valid(out->digest)) {
		fail(err, "%s: digest '%s' is not sha256: and 64 lower-case hex digits", what,
		     out->digest);
		goto out;
	}
	char *end;
	if (strlen(thr) != 16 || strspn(thr, "0123456789abcdef") != 16) {
		fail(err, "%s: threshold '%s' is not 16 lower-case hex digits", what, thr);
		goto out;
	}
	out->threshold = strtoull(thr, &end, 16);
	if (stage > 1000) {
		fail(err, "%s: stage %" PRIu64 " out of range", what, stage);
		goto out;
	}
	out->stage = (uint32_t)stage;
	rc = 0;
out:
	eml_json_free(m);
	return rc;
}

char *eml_fleet_desired_make(const eml_fleet_desired *d)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		return NULL;
	fprintf(f, "{\"name\":");
	eml_json_write_string(f, d->name);
	fprintf(f, ",\"repository\":");
	eml_json_write_string(f, d->repository);
	fprintf(f, ",\"rollout\":");
	eml_json_write_string(f, d->rollout);
	fprintf(f, ",\"stage\":%" PRIu32 ",\"version\":", d->stage);
	eml_json_write_string(f, d->version);
	fprintf(f, ",\"digest\":");
	eml_json_write_string(f, d->digest);
	fprintf(f, ",\"threshold\":\"%016" PRIx64 "\"", d->threshold);
	if (d->base_version[0]) {
		fprintf(f, ",\"baseline\":{\"version\":");
		eml_json_write_string(f, d->base_version);
		fprintf(f, ",\"digest\":");
		eml_json_write_string(f, d->base_digest);
		fprintf(f, "}");
	}
	fprintf(f, "}");
	return close_stream(f, &buf);
}

static int get_num(const eml_json *o, const char *key, double *dst, const char *what, char *err)
{
	const eml_json *v = eml_json_get(o, key);
	*dst = 0;
	if (!v || v->type == EML_JSON_NULL)
		return 0;
	if (v->type != EML_JSON_NUMBER || !(v->number >= 0))
		return fail(err, "%s: \"%s\" is not a non-negative number", what, key);
	*dst = v->number;
	return 0;
}

int eml_fleet_status_parse(const char *json, size_t len, eml_fleet_status *out, char *err)
{
	static const char what[] = "a device status";
	memset(out, 0, sizeof(*out));
	eml_json *m;
	if (parse_object(json, len, what, &m, err) != 0)
		return -1;
	int rc = -1;
	if (get_str(m, "device", out->device, sizeof(out->device), 1, what, err) ||
	    get_str(m, "name", out->name, sizeof(out->name), 0, what, err) ||
	    get_str(m, "version", out->version, sizeof(out->version), 0, what, err) ||
	    get_str(m, "wanted", out->wanted, sizeof(out->wanted), 0, what, err) ||
	    get_str(m, "rollout", out->rollout, sizeof(out->rollout), 0, what, err) ||
	    get_str(m, "state", out->state, sizeof(out->state), 1, what, err) ||
	    get_str(m, "error", out->error, sizeof(out->error), 0, what, err) ||
	    get_u64(m, "anomalies", &out->anomalies, 0, what, err) ||
	    get_u64(m, "time", &out->time, 0, what, err))
		goto out;
	const eml_json *lat = eml_json_get(m, "latency_us");
	if (lat && lat->type != EML_JSON_NULL) {
		if (lat->type != EML_JSON_OBJECT) {
			fail(err, "%s: \"latency_us\" is not an object", what);
			goto out;
		}
		if (get_num(lat, "p50", &out->p50_us, what, err) ||
		    get_num(lat, "p90", &out->p90_us, what, err) ||
		    get_num(lat, "p99", &out->p99_us, what, err))
			goto out;
	}
	if (!eml_fleet_id_valid(out->device)) {
		fail(err, "%s: bad device id", what);
		goto out;
	}
	static const char *const states[] = { "ok", "failed", "updating", "idle" };
	int known = 0;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		known |= strcmp(out->state, states[i]) == 0;
	if (!known) {
		fail(err, "%s: unknown state '%s'", what, out->state);
		goto out;
	}
	rc = 0;
out:
	eml_json_free(m);
	return rc;
}

char *eml_fleet_status_make(const eml_fleet_status *s)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		return NULL;
	fprintf(f, "{\"device\":");
	eml_json_write_string(f, s->device);
	fprintf(f, ",\"name\":");
	eml_json_write_string(f, s->name);
	fprintf(f, ",\"version\":");
	eml_json_write_string(f, s->version);
	fprintf(f, ",\"wanted\":");
	eml_json_write_string(f, s->wanted);
	fprintf(f, ",\"rollout\":");
	eml_json_write_string(f, s->rollout);
	fprintf(f, ",\"state\":");
	eml_json_write_string(f, s->state);
	fprintf(f, ",\"error\":");
	eml_json_write_string(f, s->error);
	fprintf(f, ",\"latency_us\":{\"p50\":");
	eml_json_write_number(f, s->p50_us);
	fprintf(f, ",\"p90\":");
	eml_json_write_number(f, s->p90_us);
	fprintf(f, ",\"p99\":");
	eml_json_write_number(f, s->p99_us);
	fprintf(f, "},\"anomalies\":%" PRIu64 ",\"time\":%" PRIu64 "}", s->anomalies, s->time);
	return close_stream(f, &buf);
}
