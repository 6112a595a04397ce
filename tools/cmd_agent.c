/*
 * cmd_agent.c — `edgeml agent`: keeps this device on its fleet's desired model. It follows the
 * retained desired state on edgeml/FLEET/desired (MQTT, QoS 1: an agent that was offline gets
 * the latest on connecting), pulls the wanted release by digest from the registry, installs it
 * into the device's A/B store (signature, requirements, self-tests: runtime/src/store.c), runs
 * it, and reports on edgeml/FLEET/DEVICE/status (retained): the active version, ok or failed
 * and why, latency percentiles, anomalies. docs/fleet.md, "Rollout".
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "commands.h"
#include "edgeml.h"
#include "file_io.h"
#include "fleet_mqtt.h"
#include "npy.h"
#include "oci.h"
#include "package_delta.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml agent --broker HOST:PORT --fleet FLEET --device ID --registry URL\n"
		"                    [--store DIR] [--runs N] [--probe IN.npy=EXPECTED.npy]\n"
		"  follows edgeml/FLEET/desired, installs what it asks of this device into the\n"
		"  store (DIR, else $EDGEML_STORE_DIR, else /var/lib/edgeml; trust store as for\n"
		"  edgeml store) and reports on edgeml/FLEET/ID/status until SIGTERM or SIGINT.\n"
		"  --registry URL  the OCI registry, e.g. http://127.0.0.1:5000 (the desired state\n"
		"                  names the repository and the digest)\n"
		"  --runs N        runs of the active model timed for the latency percentiles\n"
		"                  (default 20; 0: none)\n"
		"  --probe IN=EXP  this device's acceptance check: the active model's first output on\n"
		"                  IN must equal EXP byte for byte, else the version is reported\n"
		"                  failed and the store rolls back (edgeml_store_report_health)\n"
		"Environment: EDGEML_REGISTRY_USER, EDGEML_REGISTRY_TOKEN, EDGEML_REGISTRY_TIMEOUT.\n");
}

/* snprintf that may cut (every use here is a message or a bounded path). */
static void say(char *dst, size_t cap, const char *fmt, ...) EML_PRINTF(3, 4);
static void say(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

typedef struct agent {
	const char *fleet, *device, *registry, *store_dir;
	const char *probe_in, *probe_exp;
	int runs;
	uint64_t hash;
	char status_topic[256];
	eml_oci_opts opts;
	edgeml_context *ctx;
	edgeml_store *store;
	eml_mqtt q;
	/* the newest desired state received, guarded by q.lock */
	char *pending;
	/* what was last acted upon, so a re-delivered desired state is not redone */
	char done_rollout[65], done_version[65];
	eml_fleet_status st;
} agent;

static void on_message(void *user, const char *topic, const char *payload, int len)
{
	agent *a = user;
	char *copy = malloc((size_t)len + 1);
	if (!copy)
		return;
	memcpy(copy, payload, (size_t)len);
	copy[len] = '\0';
	pthread_mutex_lock(&a->q.lock);
	free(a->pending);
	a->pending = copy;
	pthread_mutex_unlock(&a->q.lock);
}

static void report(agent *a)
{
	char err[EML_FLEET_ERR];
	a->st.time = (uint64_t)time(NULL);
	char *s = eml_fleet_status_make(&a->st);
	if (!s)
		return;
	if (eml_mqtt_publish_sticky(&a->q, a->status_topic, s, err) != 0)
		fprintf(stderr, "edgeml agent: %s\n", err);
	printf("status %s\n", s);
	fflush(stdout);
	free(s);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* Runs the active model of name: the probe (when given) and the timed runs. Fills the
 * status's version, latency and anomalies; returns 0, or -1 with the reason in err. */
static int check_active(agent *a, const char *name, char *err, size_t cap)
{
	edgeml_model *m = NULL;
	edgeml_session *s = NULL;
	eml_npy in = { 0 }, exp = { 0 };
	double *lat = NULL;
	int rc = -1;
	a->st.p50_us = a->st.p90_us = a->st.p99_us = 0;
	if (edgeml_store_load_active(a->store, name, &m) != EDGEML_OK) {
		say(err, cap, "the active %s does not load: %s", name, edgeml_last_error());
		a->st.version[0] = '\0';
		return -1;
	}
	edgeml_package_info info;
	if (edgeml_model_package_info(m, &info) == EDGEML_OK)
		say(a->st.version, sizeof(a->st.version), "%s", info.version);
	edgeml_session_options so;
	edgeml_session_options_init(&so);
	so.threads = 1;
	if (edgeml_session_create(m, &so, &s) != EDGEML_OK) {
		say(err, cap, "no session for %s %s: %s", name, a->st.version, edgeml_last_error());
		goto out;
	}
	edgeml_tensor *t;
	if (a->probe_in) {
		if (eml_npy_read_file(a->probe_in, &in) != EDGEML_OK ||
		    eml_npy_read_file(a->probe_exp, &exp) != EDGEML_OK) {
			say(err, cap, "probe: %s", edgeml_last_error());
			goto out;
		}
		edgeml_tensor_info ti;
		if (edgeml_session_input(s, 0, &t) != EDGEML_OK ||
		    edgeml_tensor_write(t, in.data, in.size) != EDGEML_OK ||
		    edgeml_session_run(s) != EDGEML_OK || edgeml_session_output(s, 0, &t) != EDGEML_OK ||
		    edgeml_tensor_info_get(t, &ti) != EDGEML_OK) {
			say(err, cap, "probe: %s %s does not run on %s: %s", name,
				 a->st.version, a->probe_in, edgeml_last_error());
			goto out;
		}
		const uint8_t *got = edgeml_tensor_data(t);
		size_t n = edgeml_dtype_size(ti.dtype);
		for (uint32_t d = 0; d < ti.rank; d++)
			n *= (size_t)ti.dims[d];
		if (n != exp.size) {
			say(err, cap, "probe: %s %s gives %zu output bytes, %s has %zu", name,
				 a->st.version, n, a->probe_exp, exp.size);
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			if (got[i] != ((const uint8_t *)exp.data)[i]) {
				say(err, cap, "probe: %s %s differs from %s at byte %zu", name,
					 a->st.version, a->probe_exp, i);
				goto out;
			}
	}
	if (a->runs > 0) {
		lat = calloc((size_t)a->runs, sizeof(double));
		if (!lat) {
			say(err, cap, "out of memory");
			goto out;
		}
		int n = 0;
		for (int i = 0; i < a->runs; i++) {
			double t0 = now_us();
			if (edgeml_session_run(s) != EDGEML_OK) {
				a->st.anomalies++;
				continue;
			}
			lat[n++] = now_us() - t0;
			edgeml_tensor_info ti;
			if (edgeml_session_output(s, 0, &t) == EDGEML_OK &&
			    edgeml_tensor_info_get(t, &ti) == EDGEML_OK &&
			    ti.dtype == EDGEML_DTYPE_FLOAT32) {
				const float *f = edgeml_tensor_data(t);
				size_t k = 1;
				for (uint32_t d = 0; d < ti.rank; d++)
					k *= (size_t)ti.dims[d];
				for (size_t j = 0; j < k; j++)
					if (!isfinite(f[j])) {
						a->st.anomalies++;
						break;
					}
			}
		}
		if (n > 0) {
			qsort(lat, (size_t)n, sizeof(double), cmp_double);
			a->st.p50_us = lat[(size_t)(0.50 * (n - 1))];
			a->st.p90_us = lat[(size_t)(0.90 * (n - 1))];
			a->st.p99_us = lat[(size_t)(0.99 * (n - 1))];
		}
	}
	rc = 0;
out:
	free(lat);
	eml_npy_free(&in);
	eml_npy_free(&exp);
	edgeml_session_destroy(s);
	edgeml_model_free(m);
	return rc;
}

/* Makes version (digest) of d's model the active one: already active, installed (activate), or
 * pulled and installed. Returns 0, or -1 with the reason in err. */
/* Builds the package of version at path from the one this agent installed last (kept in
 * DIR/agent-base) and the patch the registry holds as REPOSITORY:VERSION-from-ACTIVE, when it
 * has one. The result must be the very blob the desired digest pins (sha256), and is then
 * installed like a download. Returns 0 when path holds it; -1 (nothing written) otherwise. */
static int by_patch(agent *a, const eml_fleet_desired *d, const char *version, const char *digest,
		    const char *path)
{
	char base_path[4096], text[1024], patch_path[4096], e[EML_FLEET_ERR], got[72];
	if (!a->st.version[0])
		return -1;
	say(base_path, sizeof(base_path), "%s/agent-base/%s-%s.emlpkg", a->store_dir, d->name,
	    a->st.version);
	if (access(base_path, R_OK) != 0)
		return -1;
	eml_oci_ref ref;
	eml_oci_artifact want, part;
	say(text, sizeof(text), "%s/%s@%s", a->registry, d->repository, digest);
	if (eml_oci_ref_parse(text, &ref, e) != 0 ||
	    eml_oci_resolve(&ref, &a->opts, (uint64_t)4 << 30, got, &want, e) != 0)
		return -1;
	say(text, sizeof(text), "%s/%s:%s-from-%s", a->registry, d->repository, version,
	    a->st.version);
	say(patch_path, sizeof(patch_path), "%s/agent/%s.patch", a->store_dir, d->name);
	if (eml_oci_ref_parse(text, &ref, e) != 0 ||
	    eml_oci_pull(&ref, patch_path, &a->opts, (uint64_t)4 << 30, got, &part, e) != 0)
		return -1; /* no patch for this pair (or a version a tag cannot hold) */
	uint8_t *base = NULL, *patch = NULL, *out = NULL;
	size_t base_size, patch_size, out_size;
	int rc = -1;
	if (strcmp(part.media_type, EML_OCI_PATCH_TYPE) != 0 ||
	    eml_file_read(base_path, (size_t)1 << 32, &base, &base_size) != EDGEML_OK ||
	    eml_file_read(patch_path, (size_t)1 << 32, &patch, &patch_size) != EDGEML_OK ||
	    eml_patch_apply(base, base_size, patch, patch_size, &out, &out_size) != EDGEML_OK) {
		fprintf(stderr, "edgeml agent: patch %s: %s; pulling the package\n", text,
			edgeml_last_error());
		goto out;
	}
	uint8_t h[crypto_hash_sha256_BYTES];
	char hex[72] = "sha256:";
	crypto_hash_sha256(h, out, out_size);
	sodium_bin2hex(hex + 7, 65, h, sizeof(h));
	if (strcmp(hex, want.digest) != 0) {
		fprintf(stderr, "edgeml agent: patch %s makes %s, not the release's %s; pulling the "
			"package\n", text, hex, want.digest);
		goto out;
	}
	if (eml_file_write_atomic(path, out, out_size, 0644) != EDGEML_OK)
		goto out;
	printf("patch: %s %s from %s: %zu bytes pulled instead of %" PRIu64 "\n", d->name, version,
	       a->st.version, patch_size, want.size);
	fflush(stdout);
	rc = 0;
out:
	unlink(patch_path);
	free(base);
	free(patch);
	free(out);
	return rc;
}

/* Keeps the package just installed as the base of the next patch (DIR/agent-base holds one
 * per name), or removes it. */
static void keep_base(agent *a, const char *name, const char *version, const char *path)
{
	char dir[4096], dst[4096];
	say(dir, sizeof(dir), "%s/agent-base", a->store_dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		unlink(path);
		return;
	}
	DIR *dp = opendir(dir);
	struct dirent *e;
	size_t n = strlen(name);
	while (dp && (e = readdir(dp)) != NULL)
		if (strncmp(e->d_name, name, n) == 0 && e->d_name[n] == '-') {
			say(dst, sizeof(dst), "%s/%s", dir, e->d_name);
			unlink(dst);
		}
	if (dp)
		closedir(dp);
	say(dst, sizeof(dst), "%s/%s-%s.emlpkg", dir, name, version);
	if (rename(path, dst) != 0)
		unlink(path);
}

static int reach(agent *a, const eml_fleet_desired *d, const char *version, const char *digest,
		 char *err, size_t cap)
{
	if (strcmp(a->st.version, version) == 0)
		return 0;
	if (edgeml_store_activate(a->store, d->name, version) == EDGEML_OK)
		return 0;
	char ref_text[1024], path[4096], e[EML_FLEET_ERR], got[72];
	say(ref_text, sizeof(ref_text), "%s/%s@%s", a->registry, d->repository, digest);
	eml_oci_ref ref;
	if (eml_oci_ref_parse(ref_text, &ref, e) != 0) {
		say(err, cap, "%s", e);
		return -1;
	}
	say(path, sizeof(path), "%s/agent/%s-%s.emlpkg", a->store_dir, d->name, version);
	if (by_patch(a, d, version, digest, path) != 0) {
		eml_oci_artifact art;
		if (eml_oci_pull(&ref, path, &a->opts, (uint64_t)4 << 30, got, &art, e) != 0) {
			say(err, cap, "pull: %s", e);
			return -1;
		}
		if (strcmp(art.media_type, EML_OCI_PACKAGE_TYPE) != 0) {
			unlink(path);
			say(err, cap, "%s is a %s, not a package", ref_text, art.media_type);
			return -1;
		}
	}
	edgeml_status s = edgeml_store_install(a->store, path, 0);
	if (s != EDGEML_OK) {
		unlink(path);
		say(err, cap, "install %s %s: %s", d->name, version, edgeml_last_error());
		return -1;
	}
	keep_base(a, d->name, version, path);
	return 0;
}

static void act(agent *a, const char *payload)
{
	eml_fleet_desired d;
	char err[EML_FLEET_ERR];
	if (eml_fleet_desired_parse(payload, strlen(payload), &d, err) != 0) {
		fprintf(stderr, "edgeml agent: ignoring %s: %s\n", payload, err);
		return;
	}
	int in_stage = a->hash <= d.threshold;
	const char *version = in_stage ? d.version : d.base_version;
	const char *digest = in_stage ? d.digest : d.base_digest;
	if (strcmp(d.rollout, a->done_rollout) == 0 && strcmp(version, a->done_version) == 0) {
		report(a); /* already acted on: say so again (the broker may be new) */
		return;
	}
	say(a->st.name, sizeof(a->st.name), "%s", d.name);
	say(a->st.rollout, sizeof(a->st.rollout), "%s", d.rollout);
	say(a->st.wanted, sizeof(a->st.wanted), "%s", version);
	a->st.error[0] = '\0';
	a->st.state[0] = '\0';
	char why[256];
	/* the active version now (it may have changed behind the agent's back) */
	if (check_active(a, d.name, why, sizeof(why)) != 0)
		a->st.version[0] = '\0';
	if (!version[0]) { /* outside the stage and no baseline: keep what is there */
		say(a->st.state, sizeof(a->st.state), "idle");
	} else if (strcmp(a->st.version, version) != 0) {
		say(a->st.state, sizeof(a->st.state), "updating");
		report(a);
		if (reach(a, &d, version, digest, why, sizeof(why)) != 0) {
			say(a->st.state, sizeof(a->st.state), "failed");
			say(a->st.error, sizeof(a->st.error), "%s", why);
		}
	}
	if (version[0] && strcmp(a->st.state, "failed") != 0) {
		if (check_active(a, d.name, why, sizeof(why)) != 0) {
			say(a->st.state, sizeof(a->st.state), "failed");
			say(a->st.error, sizeof(a->st.error), "%s", why);
			/* the app's verdict: bad, back to the last good version */
			if (edgeml_store_report_health(a->store, d.name, 0) != EDGEML_OK)
				fprintf(stderr, "edgeml agent: health: %s\n", edgeml_last_error());
			check_active(a, d.name, why, sizeof(why));
		} else if (strcmp(a->st.version, version) != 0) {
			say(a->st.state, sizeof(a->st.state), "failed");
			say(a->st.error, sizeof(a->st.error), "%s %s is not active", d.name,
				 version);
		} else {
			say(a->st.state, sizeof(a->st.state), "ok");
			edgeml_store_report_health(a->store, d.name, 1);
		}
	}
	say(a->done_rollout, sizeof(a->done_rollout), "%s", d.rollout);
	say(a->done_version, sizeof(a->done_version), "%s", version);
	report(a);
}

/* Removes downloads a killed agent left in DIR/agent; creates the directory. */
static int clean_downloads(const char *dir, char *err, size_t cap)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		say(err, cap, "cannot create '%s': %s", dir, strerror(errno));
		return -1;
	}
	DIR *dp = opendir(dir);
	if (!dp) {
		say(err, cap, "cannot open '%s': %s", dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	char path[4096];
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		say(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(dp);
	return 0;
}

int edgeml_cmd_agent(int argc, char **argv)
{
	agent a;
	memset(&a, 0, sizeof(a));
	a.runs = 20;
	const char *broker = NULL;
	a.store_dir = getenv("EDGEML_STORE_DIR");
	if (!a.store_dir)
		a.store_dir = "/var/lib/edgeml";
	eml_oci_opts_from_env(&a.opts);
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "edgeml agent: '%s' needs a value\n", o);
			return 2;
		}
		const char *v = argv[++i];
		if (strcmp(o, "--broker") == 0)
			broker = v;
		else if (strcmp(o, "--fleet") == 0)
			a.fleet = v;
		else if (strcmp(o, "--device") == 0)
			a.device = v;
		else if (strcmp(o, "--registry") == 0)
			a.registry = v;
		else if (strcmp(o, "--store") == 0)
			a.store_dir = v;
		else if (strcmp(o, "--runs") == 0) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 0 || n > 100000) {
				fprintf(stderr, "edgeml agent: --runs needs 0..100000\n");
				return 2;
			}
			a.runs = (int)n;
		} else if (strcmp(o, "--probe") == 0) {
			const char *eq = strchr(v, '=');
			if (!eq || eq == v || !eq[1]) {
				fprintf(stderr, "edgeml agent: --probe needs IN.npy=EXPECTED.npy\n");
				return 2;
			}
			a.probe_in = strndup(v, (size_t)(eq - v));
			a.probe_exp = eq + 1;
		} else {
			fprintf(stderr, "edgeml agent: unknown option '%s'\n", o);
			usage(stderr);
			return 2;
		}
	}
	if (!broker || !a.fleet || !a.device || !a.registry) {
		fprintf(stderr, "edgeml agent: --broker, --fleet, --device and --registry are needed\n");
		usage(stderr);
		return 2;
	}
	if (!eml_fleet_id_valid(a.fleet) || !eml_fleet_id_valid(a.device)) {
		fprintf(stderr, "edgeml agent: fleet and device ids are 1-64 of [A-Za-z0-9._-]\n");
		return 2;
	}
	char err[EML_FLEET_ERR], why[256];
	eml_oci_ref probe_ref;
	char probe_text[600];
	say(probe_text, sizeof(probe_text), "%s/x:y", a.registry);
	if (eml_oci_ref_parse(probe_text, &probe_ref, err) != 0) {
		fprintf(stderr, "edgeml agent: --registry '%s': expected [http[s]://]HOST[:PORT]\n",
			a.registry);
		return 2;
	}
	a.hash = eml_fleet_device_hash(a.device);
	say(a.status_topic, sizeof(a.status_topic), "edgeml/%s/%s/status", a.fleet, a.device);
	say(a.st.device, sizeof(a.st.device), "%s", a.device);
	say(a.st.state, sizeof(a.st.state), "idle");
	int rc = 1;
	if (mkdir(a.store_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "edgeml agent: cannot create '%s': %s\n", a.store_dir, strerror(errno));
		return 1;
	}
	char dl[4096];
	say(dl, sizeof(dl), "%s/agent", a.store_dir);
	if (clean_downloads(dl, why, sizeof(why)) != 0) {
		fprintf(stderr, "edgeml agent: %s\n", why);
		return 1;
	}
	if (edgeml_context_create(&a.ctx) != EDGEML_OK ||
	    edgeml_store_open(a.ctx, a.store_dir, &a.store) != EDGEML_OK) {
		fprintf(stderr, "edgeml agent: %s\n", edgeml_last_error());
		edgeml_context_destroy(a.ctx);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	char desired_topic[256], client[200];
	say(desired_topic, sizeof(desired_topic), "edgeml/%s/desired", a.fleet);
	say(client, sizeof(client), "edgeml-agent-%s-%s", a.fleet, a.device);
	a.q.subs[0] = desired_topic;
	a.q.n_subs = 1;
	a.q.on_message = on_message;
	a.q.user = &a;
	if (eml_mqtt_start(&a.q, broker, client, NULL, NULL, -1, &stop, err) != 0) {
		fprintf(stderr, "edgeml agent: %s\n", err);
		goto out;
	}
	report(&a);
	while (!stop) {
		pthread_mutex_lock(&a.q.lock);
		char *p = a.pending;
		a.pending = NULL;
		pthread_mutex_unlock(&a.q.lock);
		if (p) {
			act(&a, p);
			free(p);
			continue;
		}
		usleep(50 * 1000);
	}
	rc = 0;
out:
	eml_mqtt_stop(&a.q);
	free(a.pending);
	free((char *)a.probe_in);
	curl_global_cleanup();
	edgeml_store_close(a.store);
	edgeml_context_destroy(a.ctx);
	return rc;
}
