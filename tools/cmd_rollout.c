/*
 * cmd_rollout.c — `edgeml rollout NAME-VERSION`: promotes a release to a fleet stage by stage
 * over MQTT (docs/fleet.md, "Rollout"). It resolves the release's digest in the registry,
 * learns the fleet from the devices' retained status messages, and for each stage publishes
 * the retained desired state with a threshold that takes the stage's share of the devices,
 * ordered by the hash of their ids (deterministic: a stage's devices are the same at every
 * stage and in every run), waits for their reports, and counts failures. Past the failure
 * budget it sets the desired state back to the previous release for every device.
 * Exit: 0 done, 3 rolled back, 4 the rollback did not complete, 1 other errors, 2 usage.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "commands.h"
#include "fleet_mqtt.h"
#include "oci.h"

#define MAX_DEVICES 4096
#define MAX_STAGES 16

static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml rollout NAME-VERSION --broker HOST:PORT --fleet FLEET --registry URL\n"
		"                      [--stages 5%%,25%%,100%%] [--max-failures F] [--devices N]\n"
		"                      [--repository REPO] [--discover S] [--stage-timeout S] [--id ID]\n"
		"  NAME-VERSION (or NAME:VERSION): the release, pushed as REPO:VERSION (REPO\n"
		"  defaults to NAME)\n"
		"  --stages         cumulative shares of the fleet, the last 100%% (default 5%%,25%%,100%%)\n"
		"  --max-failures   devices that may fail before the fleet is rolled back (default 0)\n"
		"  --devices N      wait (up to --discover S, default 10) for N devices to report\n"
		"                   before starting; without it, take those seen in --discover S (3)\n"
		"  --stage-timeout  seconds a stage waits for its devices (default 120); a device\n"
		"                   that has not reported by then counts as failed\n"
		"Exit status: 0 rolled out, 3 rolled back, 4 rollback incomplete, 1 error.\n");
}

typedef struct device {
	eml_fleet_status st;
	uint64_t hash;
} device;

typedef struct fleet {
	eml_mqtt q;
	char fleet[65];
	device *dev;
	size_t n_dev;
	int have_desired;
	eml_fleet_desired desired; /* the retained one found at the start */
} fleet;

static void on_message(void *user, const char *topic, const char *payload, int len)
{
	fleet *f = user;
	char err[EML_FLEET_ERR];
	size_t tl = strlen(topic);
	if (tl > 8 && strcmp(topic + tl - 8, "/desired") == 0) {
		eml_fleet_desired d;
		if (eml_fleet_desired_parse(payload, (size_t)len, &d, err) != 0)
			return;
		pthread_mutex_lock(&f->q.lock);
		if (!f->have_desired) {
			f->desired = d;
			f->have_desired = 1;
		}
		pthread_mutex_unlock(&f->q.lock);
		return;
	}
	eml_fleet_status s;
	if (len == 0 || eml_fleet_status_parse(payload, (size_t)len, &s, err) != 0) {
		if (len)
			fprintf(stderr, "edgeml rollout: ignoring status on %s: %s\n", topic, err);
		return;
	}
	/* the topic's device must be the payload's */
	char expect[256];
	snprintf(expect, sizeof(expect), "edgeml/%s/%s/status", f->fleet, s.device);
	if (strcmp(topic, expect) != 0)
		return;
	pthread_mutex_lock(&f->q.lock);
	size_t i;
	for (i = 0; i < f->n_dev; i++)
		if (strcmp(f->dev[i].st.device, s.device) == 0)
			break;
	if (i == f->n_dev && f->n_dev < MAX_DEVICES) {
		f->dev[i].hash = eml_fleet_device_hash(s.device);
		f->n_dev++;
	}
	if (i < f->n_dev)
		f->dev[i].st = s;
	pthread_mutex_unlock(&f->q.lock);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* Parses 5%,25%,100% into increasing shares ending at 100. */
static int parse_stages(const char *s, double *out, int *n)
{
	*n = 0;
	const char *p = s;
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		if (end == p || *end != '%' || !(v > 0) || v > 100 || *n == MAX_STAGES ||
		    (*n && v <= out[*n - 1]))
			return -1;
		out[(*n)++] = v;
		p = end + 1;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return *n && out[*n - 1] == 100 ? 0 : -1;
}

/* Waits until every device in the stage (hash <= threshold, or all) has reported on rollout
 * id for version: ok there, or failed. Returns the failures (devices silent at the timeout
 * count as failed), and prints each device's outcome once. */
static size_t wait_stage(fleet *f, const char *id, const char *version, uint64_t threshold,
			 double timeout, size_t *n_in, int want_all_ok)
{
	double t0 = now_s();
	size_t failed = 0;
	for (;;) {
		size_t in = 0, done = 0;
		failed = 0;
		pthread_mutex_lock(&f->q.lock);
		for (size_t i = 0; i < f->n_dev; i++) {
			const eml_fleet_status *s = &f->dev[i].st;
			if (f->dev[i].hash > threshold)
				continue;
			in++;
			if (strcmp(s->rollout, id) != 0 || strcmp(s->wanted, version) != 0)
				continue;
			if (strcmp(s->state, "ok") == 0 && strcmp(s->version, version) == 0)
				done++;
			else if (strcmp(s->state, "failed") == 0 && !want_all_ok) {
				done++;
				failed++;
			}
		}
		pthread_mutex_unlock(&f->q.lock);
		*n_in = in;
		int timed_out = now_s() - t0 > timeout;
		if (done == in || timed_out) {
			pthread_mutex_lock(&f->q.lock);
			for (size_t i = 0; i < f->n_dev; i++) {
				const eml_fleet_status *s = &f->dev[i].st;
				if (f->dev[i].hash > threshold)
					continue;
				int reported = strcmp(s->rollout, id) == 0 && strcmp(s->wanted, version) == 0 &&
					       (strcmp(s->state, "ok") == 0 || strcmp(s->state, "failed") == 0);
				if (!reported)
					printf("  %-16s no report within %.0f s (last: %s %s)\n", s->device,
					       timeout, s->state, s->version);
				else if (strcmp(s->state, "failed") == 0)
					printf("  %-16s FAILED: %s\n", s->device, s->error);
				else
					printf("  %-16s ok %s, latency p50 %.0f us p90 %.0f us p99 %.0f us, "
					       "anomalies %" PRIu64 "\n", s->device, s->version, s->p50_us,
					       s->p90_us, s->p99_us, s->anomalies);
			}
			pthread_mutex_unlock(&f->q.lock);
			fflush(stdout);
			return failed + (in - done);
		}
		usleep(100 * 1000);
	}
}

int edgeml_cmd_rollout(int argc, char **argv)
{
	const char *release = NULL, *broker = NULL, *fleet_name = NULL, *registry = NULL;
	const char *repository = NULL, *stages_s = "5%,25%,100%", *id_arg = NULL;
	long max_failures = 0, want_devices = 0;
	double discover = -1, stage_timeout = 120;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (o[0] != '-') {
			if (release) {
				fprintf(stderr, "edgeml rollout: unexpected argument '%s'\n", o);
				return 2;
			}
			release = o;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "edgeml rollout: '%s' needs a value\n", o);
			return 2;
		}
		const char *v = argv[++i];
		char *end = NULL;
		if (strcmp(o, "--broker") == 0)
			broker = v;
		else if (strcmp(o, "--fleet") == 0)
			fleet_name = v;
		else if (strcmp(o, "--registry") == 0)
			registry = v;
		else if (strcmp(o, "--repository") == 0)
			repository = v;
		else if (strcmp(o, "--stages") == 0)
			stages_s = v;
		else if (strcmp(o, "--id") == 0)
			id_arg = v;
		else if (strcmp(o, "--max-failures") == 0)
			max_failures = strtol(v, &end, 10);
		else if (strcmp(o, "--devices") == 0)
			want_devices = strtol(v, &end, 10);
		else if (strcmp(o, "--discover") == 0)
			discover = strtod(v, &end);
		else if (strcmp(o, "--stage-timeout") == 0)
			stage_timeout = strtod(v, &end);
		else {
			fprintf(stderr, "edgeml rollout: unknown option '%s'\n", o);
			usage(stderr);
			return 2;
		}
		if (end && (*end || end == v || max_failures < 0 || want_devices < 0 ||
			    want_devices > MAX_DEVICES || !(stage_timeout > 0) || discover > 3600)) {
			fprintf(stderr, "edgeml rollout: bad value '%s' for %s\n", v, o);
			return 2;
		}
	}
	double stages[MAX_STAGES];
	int n_stages;
	if (!release || !broker || !fleet_name || !registry) {
		fprintf(stderr, "edgeml rollout: NAME-VERSION, --broker, --fleet and --registry are "
			"needed\n");
		usage(stderr);
		return 2;
	}
	if (parse_stages(stages_s, stages, &n_stages) != 0) {
		fprintf(stderr, "edgeml rollout: --stages '%s': expected increasing shares such as "
			"5%%,25%%,100%%, the last 100%%\n", stages_s);
		return 2;
	}
	if (!eml_fleet_id_valid(fleet_name)) {
		fprintf(stderr, "edgeml rollout: the fleet is 1-64 of [A-Za-z0-9._-]\n");
		return 2;
	}
	/* NAME-VERSION splits at the first '-' before a digit; NAME:VERSION at the ':'. */
	eml_fleet_desired d;
	memset(&d, 0, sizeof(d));
	const char *sep = strchr(release, ':');
	if (!sep)
		for (const char *p = release; (p = strchr(p, '-')) != NULL; p++)
			if (p[1] >= '0' && p[1] <= '9') {
				sep = p;
				break;
			}
	if (!sep || sep == release || (size_t)(sep - release) >= sizeof(d.name) ||
	    strlen(sep + 1) >= sizeof(d.version)) {
		fprintf(stderr, "edgeml rollout: '%s': expected NAME-VERSION or NAME:VERSION\n", release);
		return 2;
	}
	memcpy(d.name, release, (size_t)(sep - release));
	strcpy(d.version, sep + 1);
	snprintf(d.repository, sizeof(d.repository), "%s", repository ? repository : d.name);
	if (id_arg)
		snprintf(d.rollout, sizeof(d.rollout), "%s", id_arg);
	else
		snprintf(d.rollout, sizeof(d.rollout), "%.20s-%.20s-%lld", d.name, d.version,
			 (long long)time(NULL));
	for (char *p = d.rollout; *p; p++)
		if (*p == '+')
			*p = '_';
	if (!eml_fleet_id_valid(d.name) || !eml_fleet_id_valid(d.rollout) ||
	    strlen(d.rollout) > 55) {
		fprintf(stderr, "edgeml rollout: bad name or rollout id (1-55 of [A-Za-z0-9._-])\n");
		return 2;
	}

	char err[EML_FLEET_ERR], ref_text[1024], digest[72];
	snprintf(ref_text, sizeof(ref_text), "%s/%s:%s", registry, d.repository, d.version);
	eml_oci_ref ref;
	if (eml_oci_ref_parse(ref_text, &ref, err) != 0) {
		fprintf(stderr, "edgeml rollout: %s\n", err);
		return 2;
	}
	eml_oci_opts opts;
	eml_oci_opts_from_env(&opts);
	eml_oci_artifact art;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int r = eml_oci_resolve(&ref, &opts, (uint64_t)4 << 30, digest, &art, err);
	curl_global_cleanup();
	if (r != 0) {
		fprintf(stderr, "edgeml rollout: %s\n", err);
		return 1;
	}
	if (strcmp(art.media_type, EML_OCI_PACKAGE_TYPE) != 0) {
		fprintf(stderr, "edgeml rollout: %s is a %s, not a package\n", ref_text, art.media_type);
		return 1;
	}
	strcpy(d.digest, digest);
	printf("release %s %s: %s@%s\n", d.name, d.version, d.repository, d.digest);

	fleet f;
	memset(&f, 0, sizeof(f));
	snprintf(f.fleet, sizeof(f.fleet), "%s", fleet_name);
	f.dev = calloc(MAX_DEVICES, sizeof(device));
	if (!f.dev) {
		fprintf(stderr, "edgeml rollout: out of memory\n");
		return 1;
	}
	char topic_desired[256], topic_status[256], client[200];
	snprintf(topic_desired, sizeof(topic_desired), "edgeml/%s/desired", fleet_name);
	snprintf(topic_status, sizeof(topic_status), "edgeml/%s/+/status", fleet_name);
	snprintf(client, sizeof(client), "edgeml-rollout-%s-%d", fleet_name, (int)getpid());
	f.q.subs[0] = topic_desired;
	f.q.subs[1] = topic_status;
	f.q.n_subs = 2;
	f.q.on_message = on_message;
	f.q.user = &f;
	int rc = 1;
	if (discover < 0)
		discover = want_devices ? 10 : 3;
	if (eml_mqtt_start(&f.q, broker, client, NULL, NULL, discover, NULL, err) != 0) {
		fprintf(stderr, "edgeml rollout: %s\n", err);
		goto out;
	}
	double t0 = now_s();
	for (;;) {
		pthread_mutex_lock(&f.q.lock);
		size_t n = f.n_dev;
		unsigned long connects = f.q.connects;
		pthread_mutex_unlock(&f.q.lock);
		if (want_devices && n >= (size_t)want_devices && connects)
			break;
		if (now_s() - t0 > discover)
			break;
		usleep(100 * 1000);
	}
	pthread_mutex_lock(&f.q.lock);
	size_t n_dev = f.n_dev;
	int connected = f.q.connects > 0;
	if (f.have_desired) {
		/* the baseline: the release the whole fleet was last told to run */
		const eml_fleet_desired *p = &f.desired;
		if (p->threshold == UINT64_MAX && p->stage != 0 && strcmp(p->version, d.version) != 0) {
			strcpy(d.base_version, p->version);
			strcpy(d.base_digest, p->digest);
		} else if (p->threshold == UINT64_MAX && p->stage == 0) {
			strcpy(d.base_version, p->version); /* a rollback's target */
			strcpy(d.base_digest, p->digest);
		} else if (p->base_version[0] && strcmp(p->base_version, d.version) != 0) {
			strcpy(d.base_version, p->base_version);
			strcpy(d.base_digest, p->base_digest);
		}
	}
	pthread_mutex_unlock(&f.q.lock);
	if (!connected) {
		fprintf(stderr, "edgeml rollout: no connection to the broker %s within %.0f s\n",
			broker, discover);
		goto out;
	}
	if (n_dev == 0 || (want_devices && n_dev < (size_t)want_devices)) {
		fprintf(stderr, "edgeml rollout: %zu device(s) of fleet %s reported within %.0f s%s\n",
			n_dev, fleet_name, discover, want_devices ? ", fewer than --devices" : "");
		goto out;
	}
	printf("fleet %s: %zu devices; baseline %s\n", fleet_name, n_dev,
	       d.base_version[0] ? d.base_version : "none (a first release: no rollback possible)");
	uint64_t *hashes = calloc(n_dev, sizeof(uint64_t));
	if (!hashes)
		goto out;
	for (size_t i = 0; i < n_dev; i++)
		hashes[i] = f.dev[i].hash;
	qsort(hashes, n_dev, sizeof(uint64_t), cmp_u64);
	size_t failures = 0;
	int rolled_back = 0;
	for (int s = 0; s < n_stages && !rolled_back; s++) {
		size_t k = (size_t)ceil(stages[s] * (double)n_dev / 100.0);
		if (k < 1)
			k = 1;
		d.stage = (uint32_t)(s + 1);
		d.threshold = stages[s] >= 100 ? UINT64_MAX : hashes[k - 1];
		char *msg = eml_fleet_desired_make(&d);
		if (!msg || eml_mqtt_publish_sticky(&f.q, topic_desired, msg, err) != 0) {
			fprintf(stderr, "edgeml rollout: %s\n", msg ? err : "out of memory");
			free(msg);
			free(hashes);
			goto out;
		}
		free(msg);
		printf("stage %d: %g%% = %zu device(s) on %s\n", s + 1, stages[s], k, d.version);
		fflush(stdout);
		size_t in;
		failures = wait_stage(&f, d.rollout, d.version, d.threshold, stage_timeout, &in, 0);
		printf("stage %d: %zu of %zu device(s) failed (budget %ld)\n", s + 1, failures, in,
		       max_failures);
		if (failures > (size_t)max_failures)
			rolled_back = 1;
	}
	free(hashes);
	if (!rolled_back) {
		printf("rollout %s: %s %s on all %zu devices\n", d.rollout, d.name, d.version, n_dev);
		rc = 0;
		goto out;
	}
	if (!d.base_version[0]) {
		printf("rollout %s: %zu failures, over the budget of %ld; no baseline release to roll "
		       "back to: the devices keep what their stores hold\n", d.rollout, failures,
		       max_failures);
		rc = 3;
		goto out;
	}
	eml_fleet_desired back = d;
	strcpy(back.version, d.base_version);
	strcpy(back.digest, d.base_digest);
	back.base_version[0] = back.base_digest[0] = '\0';
	back.stage = 0;
	back.threshold = UINT64_MAX;
	snprintf(back.rollout, sizeof(back.rollout), "%s-rollback", d.rollout);
	printf("rollout %s: %zu failures, over the budget of %ld: rolling the fleet back to %s\n",
	       d.rollout, failures, max_failures, back.version);
	char *msg = eml_fleet_desired_make(&back);
	if (!msg || eml_mqtt_publish_sticky(&f.q, topic_desired, msg, err) != 0) {
		fprintf(stderr, "edgeml rollout: %s\n", msg ? err : "out of memory");
		free(msg);
		goto out;
	}
	free(msg);
	size_t in;
	size_t left = wait_stage(&f, back.rollout, back.version, UINT64_MAX, stage_timeout, &in, 1);
	if (left) {
		printf("rollback %s: %zu of %zu device(s) not back on %s\n", back.rollout, left, in,
		       back.version);
		rc = 4;
	} else {
		printf("rollback %s: all %zu devices back on %s\n", back.rollout, in, back.version);
		rc = 3;
	}
out:
	/* let the network thread deliver the last retained message */
	if (f.q.m)
		usleep(300 * 1000);
	eml_mqtt_stop(&f.q);
	free(f.dev);
	return rc;
}
