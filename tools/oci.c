/* oci.c — the OCI distribution API over libcurl (oci.h): blob upload (POST, then PUT with the
 * digest), manifest PUT, manifest and blob GET by tag or digest, digests checked on the way in. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "file_io.h"
#include "json.h"
#include "oci.h"

/* Largest manifest or error body read into memory. */
#define MAX_SMALL_BODY (4u << 20)

static int fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, EML_FLEET_ERR, fmt, ap);
	va_end(ap);
	return -1;
}

void eml_oci_opts_from_env(eml_oci_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->connect_timeout_s = 10;
	opts->stall_timeout_s = 30;
	const char *t = getenv("EDGEML_REGISTRY_TIMEOUT");
	if (t && atol(t) > 0)
		opts->connect_timeout_s = opts->stall_timeout_s = atol(t);
	opts->userpwd = getenv("EDGEML_REGISTRY_USER");
	opts->token = getenv("EDGEML_REGISTRY_TOKEN");
}

static void digest_hex(const uint8_t h[crypto_hash_sha256_BYTES], char out[72])
{
	memcpy(out, "sha256:", 7);
	sodium_bin2hex(out + 7, 65, h, crypto_hash_sha256_BYTES);
}

/* A response: the body into memory (bounded) or into a file descriptor (hashed), and the
 * headers the protocol needs. */
typedef struct response {
	long code;
	char *body;
	size_t len, cap; /* cap: the most bytes kept in memory */
	int fd;		 /* >= 0: a 200's body goes here */
	CURL *curl;
	uint64_t max_file, written;
	int too_big, write_failed;
	crypto_hash_sha256_state sha;
	char location[2048];
	char content_digest[80];
} response;

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	response *r = user;
	size_t n = size * nmemb;
	long code = 0;
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &code);
	if (r->fd >= 0 && code == 200) {
		if (r->written + n > r->max_file) {
			r->too_big = 1;
			return 0;
		}
		crypto_hash_sha256_update(&r->sha, (const uint8_t *)data, n);
		for (size_t off = 0; off < n;) {
			ssize_t w = write(r->fd, data + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				r->write_failed = errno ? errno : EIO;
				return 0;
			}
			off += (size_t)w;
		}
		r->written += n;
		return n;
	}
	if (r->len + n > r->cap) {
		r->too_big = 1;
		return 0;
	}
	char *p = realloc(r->body, r->len + n + 1);
	if (!p)
		return 0;
	r->body = p;
	memcpy(p + r->len, data, n);
	r->len += n;
	p[r->len] = '\0';
	return n;
}

/* Keeps the value of a header named name (case-insensitive) in dst[cap]. */
static void keep_header(const char *line, size_t n, const char *name, char *dst, size_t cap)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return;
	const char *v = line + k + 1;
	size_t vn = n - k - 1;
	while (vn && (*v == ' ' || *v == '\t'))
		v++, vn--;
	while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' '))
		vn--;
	if (vn < cap) {
		memcpy(dst, v, vn);
		dst[vn] = '\0';
	}
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
	response *r = user;
	size_t n = size * nmemb;
	keep_header(data, n, "Location", r->location, sizeof(r->location));
	keep_header(data, n, "Docker-Content-Digest", r->content_digest, sizeof(r->content_digest));
	return n;
}

/* The registry's own words for an error: its first errors[].code and message. */
static void registry_error(const response *r, char *buf, size_t cap)
{
	buf[0] = '\0';
	eml_json *j;
	if (!r->body || eml_json_parse(r->body, r->len, "error", &j) != EDGEML_OK)
		return;
	const eml_json *e = eml_json_get(j, "errors");
	if (e && e->type == EML_JSON_ARRAY && e->child)
		snprintf(buf, cap, ": %s %s", eml_json_string(eml_json_get(e->child, "code"), ""),
			 eml_json_string(eml_json_get(e->child, "message"), ""));
	eml_json_free(j);
}

/* One request. body/len is sent with PUT and POST; accept and content_type may be NULL. */
static int request(const char *method, const char *url, const char *accept,
		   const char *content_type, const void *body, size_t len, const eml_oci_opts *o,
		   response *r, char *err)
{
	CURL *c = curl_easy_init();
	if (!c)
		return fail(err, "cannot start libcurl");
	char curlerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	char line[4200];
	if (accept) {
		snprintf(line, sizeof(line), "Accept: %s", accept);
		h = curl_slist_append(h, line);
	}
	if (content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		h = curl_slist_append(h, line);
	}
	if (o->token && *o->token) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", o->token);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Expect:");
	r->curl = c;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s > 0 ? o->connect_timeout_s : 10L);
	/* A registry that stops sending (or never answers) for stall_timeout_s fails. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->stall_timeout_s > 0 ? o->stall_timeout_s : 30L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (o->userpwd && *o->userpwd) {
		curl_easy_setopt(c, CURLOPT_USERPWD, o->userpwd);
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
	if (strcmp(method, "GET") == 0) {
		/* Blobs may live behind a redirect (object storage); credentials are not sent
		 * to another host (libcurl's default). */
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	CURLcode cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (cc != CURLE_OK) {
		if (r->too_big)
			return fail(err, "%s %s: the registry sent more than the %" PRIu64
				    " bytes expected", method, url, r->fd >= 0 ? r->max_file : (uint64_t)r->cap);
		if (r->write_failed)
			return fail(err, "%s %s: cannot write the download: %s", method, url,
				    strerror(r->write_failed));
		return fail(err, "%s %s: %s%s%s%s", method, url, curl_easy_strerror(cc),
			    curlerr[0] ? " (" : "", curlerr, curlerr[0] ? ")" : "");
	}
	return 0;
}

static void response_init(response *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap;
	r->fd = -1;
}

/* Fails unless the response's code is one of the wanted ones (a 0-terminated list). */
static int expect(const char *method, const char *url, const response *r, const long *ok,
		  char *err)
{
	for (; *ok; ok++)
		if (r->code == *ok)
			return 0;
	char why[300];
	registry_error(r, why, sizeof(why));
	const char *hint = r->code == 401 || r->code == 403 ?
				   " (set EDGEML_REGISTRY_USER=USER:PASSWORD or EDGEML_REGISTRY_TOKEN)" :
				   "";
	return fail(err, "%s %s: HTTP %ld%s%s", method, url, r->code, why, hint);
}

/* Uploads one blob unless the registry has it. */
static int put_blob(const eml_oci_ref *ref, const void *data, size_t len, const char *digest,
		    const eml_oci_opts *o, char *err)
{
	char url[4400];
	response r;
	snprintf(url, sizeof(url), "%s/v2/%s/blobs/%s", ref->base, ref->repository, digest);
	response_init(&r, MAX_SMALL_BODY);
	int rc = request("HEAD", url, NULL, NULL, NULL, 0, o, &r, err);
	free(r.body);
	if (rc != 0)
		return -1;
	if (r.code == 200)
		return 0;
	snprintf(url, sizeof(url), "%s/v2/%s/blobs/uploads/", ref->base, ref->repository);
	response_init(&r, MAX_SMALL_BODY);
	static const long accepted[] = { 202, 0 };
	if (request("POST", url, NULL, NULL, NULL, 0, o, &r, err) != 0 ||
	    expect("POST", url, &r, accepted, err) != 0) {
		free(r.body);
		return -1;
	}
	free(r.body);
	if (!r.location[0])
		return fail(err, "POST %s: the registry gave no upload Location", url);
	char put[4400];
	const char *sep = strchr(r.location, '?') ? "&" : "?";
	if (r.location[0] == '/')
		snprintf(put, sizeof(put), "%s%s%sdigest=%s", ref->base, r.location, sep, digest);
	else
		snprintf(put, sizeof(put), "%s%sdigest=%s", r.location, sep, digest);
	response_init(&r, MAX_SMALL_BODY);
	static const long created[] = { 201, 0 };
	rc = request("PUT", put, NULL, "application/octet-stream", data, len, o, &r, err);
	if (rc == 0)
		rc = expect("PUT", put, &r, created, err);
	free(r.body);
	return rc;
}

int eml_oci_push(const eml_oci_ref *ref, const char *path, const eml_oci_opts *opts,
		 char digest[72], char *err)
{
	if (ref->by_digest)
		return fail(err, "push needs a tag (REPOSITORY:TAG), not a digest");
	uint8_t *data;
	size_t len;
	if (eml_file_read(path, (size_t)1 << 32, &data, &len) != EDGEML_OK)
		return fail(err, "%s", edgeml_last_error());
	eml_oci_artifact a;
	memset(&a, 0, sizeof(a));
	if (len >= 8 && memcmp(data, "\x89" "EMLPKG\n", 8) == 0)
		strcpy(a.media_type, EML_OCI_PACKAGE_TYPE);
	else if (len >= 8 && memcmp(data, "\x89" "EMLDIF\n", 8) == 0)
		strcpy(a.media_type, EML_OCI_PATCH_TYPE);
	else {
		free(data);
		return fail(err, "'%s' is neither an edgeml package (.emlpkg) nor a patch", path);
	}
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, len);
	digest_hex(h, a.digest);
	a.size = len;
	const char *base = strrchr(path, '/');
	snprintf(a.title, sizeof(a.title), "%s", base ? base + 1 : path);
	int rc = put_blob(ref, data, len, a.digest, opts, err);
	free(data);
	if (rc != 0 || put_blob(ref, "{}", 2, EML_OCI_EMPTY_DIGEST, opts, err) != 0)
		return -1;
	const char *name = strrchr(ref->repository, '/');
	char *manifest = eml_oci_manifest_make(&a, name ? name + 1 : ref->repository, ref->reference);
	if (!manifest)
		return fail(err, "out of memory");
	char url[4400];
	snprintf(url, sizeof(url), "%s/v2/%s/manifests/%s", ref->base, ref->repository,
		 ref->reference);
	response r;
	response_init(&r, MAX_SMALL_BODY);
	static const long created[] = { 201, 0 };
	size_t mlen = strlen(manifest);
	rc = request("PUT", url, NULL, EML_OCI_MANIFEST_TYPE, manifest, mlen, opts, &r, err);
	if (rc == 0)
		rc = expect("PUT", url, &r, created, err);
	free(r.body);
	crypto_hash_sha256(h, (const uint8_t *)manifest, mlen);
	free(manifest);
	if (rc != 0)
		return -1;
	digest_hex(h, digest);
	if (r.content_digest[0] && strcmp(r.content_digest, digest) != 0)
		return fail(err, "PUT %s: the registry stored the manifest as %s, not %s", url,
			    r.content_digest, digest);
	return 0;
}

int eml_oci_resolve(const eml_oci_ref *ref, const eml_oci_opts *opts, uint64_t max_size,
		    char digest[72], eml_oci_artifact *art, char *err)
{
	char url[4400];
	snprintf(url, sizeof(url), "%s/v2/%s/manifests/%s", ref->base, ref->repository,
		 ref->reference);
	response r;
	response_init(&r, MAX_SMALL_BODY);
	static const long ok[] = { 200, 0 };
	if (request("GET", url, EML_OCI_MANIFEST_TYPE ", application/vnd.docker.distribution.manifest.v2+json",
		    NULL, NULL, 0, opts, &r, err) != 0 ||
	    expect("GET", url, &r, ok, err) != 0) {
		free(r.body);
		return -1;
	}
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const uint8_t *)(r.body ? r.body : ""), r.len);
	digest_hex(h, digest);
	int rc = 0;
	if (ref->by_digest && strcmp(digest, ref->reference) != 0)
		rc = fail(err, "GET %s: the manifest's sha256 is %s, not the %s asked for: the "
			  "registry or the path to it changed it", url, digest, ref->reference);
	else if (r.content_digest[0] && strncmp(r.content_digest, "sha256:", 7) == 0 &&
		 strcmp(r.content_digest, digest) != 0)
		rc = fail(err, "GET %s: the manifest's sha256 is %s, the registry says %s", url,
			  digest, r.content_digest);
	else if (eml_oci_manifest_parse(r.body ? r.body : "", r.len, max_size, art, err) != 0) {
		char inner[EML_FLEET_ERR];
		memcpy(inner, err, sizeof(inner));
		rc = fail(err, "GET %s: %s", url, inner);
	}
	free(r.body);
	return rc;
}

int eml_oci_pull(const eml_oci_ref *ref, const char *out_path, const eml_oci_opts *opts,
		 uint64_t max_size, char digest[72], eml_oci_artifact *art, char *err)
{
	if (eml_oci_resolve(ref, opts, max_size, digest, art, err) != 0)
		return -1;
	size_t plen = strlen(out_path);
	char *tmp = malloc(plen + sizeof(".part.XXXXXX"));
	if (!tmp)
		return fail(err, "out of memory");
	memcpy(tmp, out_path, plen);
	memcpy(tmp + plen, ".part.XXXXXX", sizeof(".part.XXXXXX"));
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fail(err, "cannot create a temporary file next to '%s': %s", out_path,
		     strerror(errno));
		free(tmp);
		return -1;
	}
	char url[4400];
	snprintf(url, sizeof(url), "%s/v2/%s/blobs/%s", ref->base, ref->repository, art->digest);
	response r;
	response_init(&r, MAX_SMALL_BODY);
	r.fd = fd;
	r.max_file = art->size;
	crypto_hash_sha256_init(&r.sha);
	static const long ok[] = { 200, 0 };
	int rc = request("GET", url, NULL, NULL, NULL, 0, opts, &r, err);
	if (rc == 0)
		rc = expect("GET", url, &r, ok, err);
	if (rc == 0) {
		uint8_t h[crypto_hash_sha256_BYTES];
		char got[72];
		crypto_hash_sha256_final(&r.sha, h);
		digest_hex(h, got);
		if (r.written != art->size)
			rc = fail(err, "GET %s: %" PRIu64 " bytes, the manifest says %" PRIu64
				  " (truncated)", url, r.written, art->size);
		else if (strcmp(got, art->digest) != 0)
			rc = fail(err, "GET %s: the blob's sha256 is %s, not %s: it was changed in "
				  "the registry or on the way; nothing written to '%s'", url, got,
				  art->digest, out_path);
	}
	if (rc == 0 && (fchmod(fd, 0644) != 0 || fsync(fd) != 0))
		rc = fail(err, "cannot finish '%s': %s", tmp, strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = fail(err, "cannot close '%s': %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, out_path) != 0)
		rc = fail(err, "cannot rename '%s' to '%s': %s", tmp, out_path, strerror(errno));
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	free(r.body);
	return rc;
}
