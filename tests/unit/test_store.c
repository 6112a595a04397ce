/*
 * test_store.c — the on-device model store: install, switch, replay refusal, self-test gate,
 * health rollback, an app following updates between runs, bad packages, a full disk, a
 * store with garbage in it, and power loss (SIGKILL) after every write, fsync and rename of
 * every operation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "add_relu_model.h"
#include "convert/eml_write.h"
#include "edgeml.h"
#include "graph.h"
#include "ops/ops.h"
#include "file_io.h"
#include "edgeml_package.h"
#include "store.h"

#define N_ELEMS 64

typedef struct fixture {
	char dir[64];	 /* holds trust/, store/ and the package files */
	char trust[96];	 /* trust directory with trusted.d/release.pub */
	char store[96];
	uint8_t pk[32], sk[64], other_pk[32], other_sk[64];
	edgeml_context *ctx;
} fixture;

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	assert_true(sodium_init() >= 0);
	fixture *fx = calloc(1, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/edgeml-store-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->trust, sizeof(fx->trust), "%s/trust", fx->dir);
	snprintf(fx->store, sizeof(fx->store), "%s/store", fx->dir);
	crypto_sign_keypair(fx->pk, fx->sk);
	crypto_sign_keypair(fx->other_pk, fx->other_sk);
	char path[256], hex[65], line[128];
	mkdir(fx->trust, 0755);
	snprintf(path, sizeof(path), "%s/trusted.d", fx->trust);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/trusted.d/release.pub", fx->trust);
	sodium_bin2hex(hex, sizeof(hex), fx->pk, 32);
	snprintf(line, sizeof(line), "edgeml-ed25519-public %s\n", hex);
	write_text(path, line);
	assert_int_equal(edgeml_context_create(&fx->ctx), EDGEML_OK);
	assert_int_equal(edgeml_context_set_trust_dir(fx->ctx, fx->trust), EDGEML_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	assert_int_equal(system(cmd), 0);
	edgeml_context_destroy(fx->ctx);
	free(fx);
	return 0;
}

/* Starts each test with an empty store. */
static int fresh_store(void **state)
{
	fixture *fx = *state;
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->store);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* y = relu(x + bias): each version of the test model adds its own bias, so an app can tell
 * which one it runs. The expected output of the self-test is y at x = i/8. */
static float expected(float bias, int i)
{
	float y = (float)(i % 7) - 3.0f + bias + (float)i / 8.0f;
	return y > 0.0f ? y : 0.0f;
}

/* Writes fx->dir/NAME-VERSION.emlpkg, signed with sk (NULL: unsigned); a wrong_selftest
 * package expects an output its model does not give. Returns the path (static). */
static const char *make_package_budget(const fixture *fx, const char *version, float bias,
				       const uint8_t *sk, int wrong_selftest, double budget_ms)
{
	static float w[N_ELEMS], in[N_ELEMS], out[N_ELEMS];
	for (int i = 0; i < N_ELEMS; i++) {
		w[i] = (float)(i % 7) - 3.0f + bias;
		in[i] = (float)i / 8.0f;
		out[i] = expected(bias, i) + (wrong_selftest && i == 3 ? 1.0f : 0.0f);
	}
	void *model;
	size_t model_size;
	assert_int_equal(add_relu_model(w, N_ELEMS, &model, &model_size), EDGEML_OK);
	edgeml_pack_selftest t = { 0, 0, 0.01f, in, sizeof(in), out, sizeof(out) };
	edgeml_pack_spec spec = { .name = "kws", .version = version, .created = 1767225600,
			       .selftests = &t, .n_selftests = 1,
			       .latency_budget_ms = budget_ms };
	uint8_t *pkg;
	size_t size;
	assert_int_equal(edgeml_pack_build(&spec, model, model_size, &pkg, &size), EDGEML_OK);
	free(model);
	if (sk)
		assert_int_equal(edgeml_pack_sign(&pkg, &size, sk), EDGEML_OK);
	static char path[160];
	snprintf(path, sizeof(path), "%s/kws-%s%s.emlpkg", fx->dir, version,
		 wrong_selftest ? "-wrong" : "");
	assert_int_equal(eml_file_write_atomic(path, pkg, size, 0644), EDGEML_OK);
	free(pkg);
	return path;
}

static const char *make_package(const fixture *fx, const char *version, float bias,
				const uint8_t *sk, int wrong_selftest)
{
	return make_package_budget(fx, version, bias, sk, wrong_selftest, 0.0);
}

static edgeml_store *open_store(const fixture *fx)
{
	edgeml_store *s;
	assert_int_equal(edgeml_store_open(fx->ctx, fx->store, &s), EDGEML_OK);
	return s;
}

/* Runs model once on x = i/8 and returns the bias its output shows. */
static float run_bias(const edgeml_model *m)
{
	edgeml_session *s;
	edgeml_tensor *in, *out;
	assert_int_equal(edgeml_session_create(m, NULL, &s), EDGEML_OK);
	assert_int_equal(edgeml_session_input(s, 0, &in), EDGEML_OK);
	float *x = edgeml_tensor_data(in);
	for (int i = 0; i < N_ELEMS; i++)
		x[i] = (float)i / 8.0f;
	assert_int_equal(edgeml_session_run(s), EDGEML_OK);
	assert_int_equal(edgeml_session_output(s, 0, &out), EDGEML_OK);
	/* element 60: 60 % 7 - 3 + 7.5 = 8.5 + bias, positive for the biases used here */
	float bias = ((const float *)edgeml_tensor_data(out))[60] - 8.5f;
	edgeml_session_destroy(s);
	return bias;
}

/* The active version of kws: loads, verifies, passes its self-test, runs; returns its bias. */
static float active_bias(const fixture *fx)
{
	edgeml_store *st = open_store(fx);
	edgeml_model *m;
	edgeml_status s = edgeml_store_load_active(st, "kws", &m);
	if (s != EDGEML_OK)
		fail_msg("load_active: %s", edgeml_last_error());
	assert_int_equal(edgeml_model_run_selftests(m, NULL, NULL), EDGEML_OK);
	float b = run_bias(m);
	edgeml_model_free(m);
	edgeml_store_close(st);
	return b;
}

static void install_ok(const fixture *fx, const char *path, uint32_t flags)
{
	edgeml_store *st = open_store(fx);
	edgeml_status s = edgeml_store_install(st, path, flags);
	if (s != EDGEML_OK)
		fail_msg("install %s: %s", path, edgeml_last_error());
	edgeml_store_close(st);
}

static edgeml_status install(const fixture *fx, const char *path, uint32_t flags)
{
	edgeml_store *st = open_store(fx);
	edgeml_status s = edgeml_store_install(st, path, flags);
	edgeml_store_close(st);
	return s;
}

/* Counts the files of store/SUB whose names contain needle. */
static int count_files(const fixture *fx, const char *sub, const char *needle)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", fx->store, sub);
	DIR *d = opendir(path);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.' && strstr(e->d_name, needle) != NULL;
	closedir(d);
	return n;
}

/* Nothing half-installed: no temporary files, and every object is one a state names. */
static void assert_clean(const fixture *fx)
{
	assert_int_equal(count_files(fx, "objects", ".tmp."), 0);
	assert_int_equal(count_files(fx, "names", ".tmp."), 0);
	edgeml_store *st = open_store(fx);
	edgeml_store_state s;
	assert_int_equal(edgeml_store_versions(st, "kws", &s), EDGEML_OK);
	edgeml_store_close(st);
	assert_int_equal(count_files(fx, "objects", ".emlpkg"), (int)s.n_versions);
}

static void test_install_switch_poll(void **state)
{
	fixture *fx = *state;
	install_ok(fx, make_package(fx, "1.0.0", 1.0f, fx->sk, 0), 0);
	assert_true(active_bias(fx) == 1.0f);

	/* An app holds 1.0.0; an update arrives; at its next safe point it switches. */
	edgeml_store *app = open_store(fx);
	edgeml_model *m;
	assert_int_equal(edgeml_store_load_active(app, "kws", &m), EDGEML_OK);
	int changed = 7;
	assert_int_equal(edgeml_store_poll(app, m, &changed), EDGEML_OK);
	assert_int_equal(changed, 0);
	install_ok(fx, make_package(fx, "1.1.0", 2.0f, fx->sk, 0), 0);
	assert_true(run_bias(m) == 1.0f); /* the running model is untouched */
	assert_int_equal(edgeml_store_poll(app, m, &changed), EDGEML_OK);
	assert_int_equal(changed, 1);
	edgeml_model_free(m);
	assert_int_equal(edgeml_store_load_active(app, "kws", &m), EDGEML_OK);
	assert_true(run_bias(m) == 2.0f);
	assert_int_equal(edgeml_store_poll(app, m, &changed), EDGEML_OK);
	assert_int_equal(changed, 0);

	/* The app finds 1.1.0 bad: the store goes back to 1.0.0, and the app follows. */
	assert_int_equal(edgeml_store_report_health(app, "kws", 0), EDGEML_OK);
	assert_int_equal(edgeml_store_poll(app, m, &changed), EDGEML_OK);
	assert_int_equal(changed, 1);
	edgeml_model_free(m);
	assert_true(active_bias(fx) == 1.0f);
	edgeml_store_state s;
	assert_int_equal(edgeml_store_versions(app, "kws", &s), EDGEML_OK);
	assert_int_equal(s.versions[s.active].sequence, edgeml_pack_default_sequence("1.0.0"));
	assert_int_equal(s.highest, edgeml_pack_default_sequence("1.1.0"));
	/* the public listing (what `edgeml store list` prints): both versions, oldest first,
	 * with their health and package objects */
	assert_int_equal(s.n_versions, 2);
	assert_string_equal(s.versions[0].version, "1.0.0");
	assert_string_equal(s.versions[1].version, "1.1.0");
	assert_int_equal(s.previous, 1);
	assert_string_equal(edgeml_store_health_name(s.versions[1].health), "bad");
	assert_string_equal(edgeml_store_health_name(s.versions[0].health), "new");
	assert_int_equal(strlen(s.versions[0].package_hash), 64);
	assert_string_equal(edgeml_store_dir(app), fx->store);
	char **names;
	uint32_t n_names;
	assert_int_equal(edgeml_store_names(app, &names, &n_names), EDGEML_OK);
	assert_int_equal(n_names, 1);
	assert_string_equal(names[0], "kws");
	edgeml_store_names_free(names, n_names);
	assert_int_equal(edgeml_store_versions(app, "nothing", &s), EDGEML_ERR_NOT_FOUND);
	assert_int_equal(edgeml_store_versions(app, NULL, &s), EDGEML_ERR_INVALID_ARGUMENT);
	assert_int_equal(edgeml_store_versions(app, "kws", &s), EDGEML_OK);
	/* a bad version is not a rollback target: rolling back again finds nothing healthy */
	assert_int_equal(edgeml_store_report_health(app, "kws", 1), EDGEML_OK);
	assert_int_equal(edgeml_store_rollback(app, "kws"), EDGEML_ERR_NOT_FOUND);
	assert_non_null(strstr(edgeml_last_error(), "no other healthy version"));
	/* but it can be chosen explicitly */
	assert_int_equal(edgeml_store_activate(app, "kws", "1.1.0"), EDGEML_OK);
	assert_true(active_bias(fx) == 2.0f);
	assert_int_equal(edgeml_store_rollback(app, "kws"), EDGEML_OK);
	assert_true(active_bias(fx) == 1.0f);
	assert_int_equal(edgeml_store_activate(app, "kws", "9.9.9"), EDGEML_ERR_NOT_FOUND);
	assert_int_equal(edgeml_store_load_active(app, "nothing", &m), EDGEML_ERR_NOT_FOUND);
	assert_int_equal(edgeml_store_load_active(app, "../etc", &m), EDGEML_ERR_INVALID_ARGUMENT);
	edgeml_store_close(app);
	assert_clean(fx);
}

static void test_replay_refused(void **state)
{
	fixture *fx = *state;
	char old[160];
	snprintf(old, sizeof(old), "%s", make_package(fx, "1.0.0", 1.0f, fx->sk, 0));
	install_ok(fx, old, 0);
	install_ok(fx, make_package(fx, "2.0.0", 3.0f, fx->sk, 0), 0);
	assert_int_equal(install(fx, old, 0), EDGEML_ERR_UNTRUSTED);
	assert_non_null(strstr(edgeml_last_error(), "replay"));
	assert_true(active_bias(fx) == 3.0f);
	/* the active package again is no news */
	assert_int_equal(install(fx, make_package(fx, "2.0.0", 3.0f, fx->sk, 0), 0),
			 EDGEML_ERR_INVALID_ARGUMENT);
	/* after a rollback to 1.0.0, 2.0.0's sequence is still the highest seen */
	install_ok(fx, old, EDGEML_STORE_ALLOW_DOWNGRADE);
	assert_true(active_bias(fx) == 1.0f);
	assert_int_equal(install(fx, make_package(fx, "1.5.0", 5.0f, fx->sk, 0), 0),
			 EDGEML_ERR_UNTRUSTED);
	assert_true(active_bias(fx) == 1.0f);
	assert_clean(fx);
}

static void test_selftest_and_trust_gate(void **state)
{
	fixture *fx = *state;
	install_ok(fx, make_package(fx, "1.0.0", 1.0f, fx->sk, 0), 0);
	assert_int_equal(install(fx, make_package(fx, "1.1.0", 2.0f, fx->sk, 1), 0),
			 EDGEML_ERR_SELFTEST);
	assert_non_null(strstr(edgeml_last_error(), "the active version stays"));
	assert_true(active_bias(fx) == 1.0f);
	assert_clean(fx);
	assert_int_equal(install(fx, make_package(fx, "1.2.0", 2.0f, fx->other_sk, 0), 0),
			 EDGEML_ERR_UNTRUSTED);
	assert_int_equal(install(fx, make_package(fx, "1.3.0", 2.0f, NULL, 0), 0),
			 EDGEML_ERR_UNTRUSTED);
	assert_true(active_bias(fx) == 1.0f);

	/* truncated and tampered packages */
	const char *good = make_package(fx, "1.4.0", 4.0f, fx->sk, 0);
	uint8_t *bytes;
	size_t size;
	assert_int_equal(eml_file_read(good, 1 << 20, &bytes, &size), EDGEML_OK);
	char bad[200];
	snprintf(bad, sizeof(bad), "%s/bad.emlpkg", fx->dir);
	static const size_t cuts[] = { 0, 1, 63, 64, 200 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		assert_int_equal(eml_file_write_atomic(bad, bytes, cuts[i], 0644), EDGEML_OK);
		assert_int_not_equal(install(fx, bad, 0), EDGEML_OK);
		assert_true(strlen(edgeml_last_error()) > 10);
	}
	assert_int_equal(eml_file_write_atomic(bad, bytes, size - 1, 0644), EDGEML_OK);
	assert_int_not_equal(install(fx, bad, 0), EDGEML_OK);
	for (size_t off = 0; off < size; off += size / 23) {
		bytes[off] ^= 0x20;
		assert_int_equal(eml_file_write_atomic(bad, bytes, size, 0644), EDGEML_OK);
		assert_int_not_equal(install(fx, bad, 0), EDGEML_OK);
		bytes[off] ^= 0x20;
	}
	free(bytes);
	snprintf(bad, sizeof(bad), "%s/missing.emlpkg", fx->dir);
	assert_int_equal(install(fx, bad, 0), EDGEML_ERR_IO);
	assert_true(active_bias(fx) == 1.0f);
	assert_clean(fx);
	install_ok(fx, good, 0);
	assert_true(active_bias(fx) == 4.0f);
}

/* A latency budget in the manifest: an impossible one refuses the install, naming measured
 * and budget, and the active version stays; a generous one installs. */
static void test_latency_budget(void **state)
{
	fixture *fx = *state;
	install_ok(fx, make_package(fx, "1.0.0", 1.0f, fx->sk, 0), 0);
	assert_int_equal(install(fx, make_package_budget(fx, "1.1.0", 2.0f, fx->sk, 0, 1e-6), 0),
			 EDGEML_ERR_SELFTEST);
	const char *e = edgeml_last_error();
	assert_non_null(strstr(e, "the active version stays"));
	assert_non_null(strstr(e, "over the package's budget of 1e-06 ms"));
	assert_non_null(strstr(e, "median "));
	assert_true(active_bias(fx) == 1.0f);
	assert_clean(fx);
	install_ok(fx, make_package_budget(fx, "1.2.0", 3.0f, fx->sk, 0, 60000.0), 0);
	assert_true(active_bias(fx) == 3.0f);

	/* the budget is checked when packing */
	edgeml_pack_spec spec = { .name = "kws", .version = "1.3.0", .latency_budget_ms = 1.0 };
	uint8_t *pkg = NULL;
	size_t size = 0;
	assert_int_equal(edgeml_pack_build(&spec, "x", 1, &pkg, &size), EDGEML_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(edgeml_last_error(), "needs at least one self-test"));
	spec.latency_budget_ms = -1.0;
	assert_int_equal(edgeml_pack_build(&spec, "x", 1, &pkg, &size), EDGEML_ERR_INVALID_ARGUMENT);
}

/* A full disk (RLIMIT_FSIZE in a child): a clear error, and the active version stays. */
static void test_full_disk(void **state)
{
	fixture *fx = *state;
	install_ok(fx, make_package(fx, "1.0.0", 1.0f, fx->sk, 0), 0);
	const char *next = make_package(fx, "1.1.0", 2.0f, fx->sk, 0);
	struct stat sb;
	assert_int_equal(stat(next, &sb), 0);
	const rlim_t limits[] = { 0, 100, (rlim_t)sb.st_size / 2, (rlim_t)sb.st_size - 1 };
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		int pipefd[2];
		assert_int_equal(pipe(pipefd), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			signal(SIGXFSZ, SIG_IGN);
			struct rlimit rl = { limits[i], limits[i] };
			setrlimit(RLIMIT_FSIZE, &rl);
			edgeml_store *st;
			edgeml_status s = edgeml_store_open(fx->ctx, fx->store, &st);
			if (s == EDGEML_OK)
				s = edgeml_store_install(st, next, 0);
			const char *msg = edgeml_last_error();
			if (write(pipefd[1], msg, strlen(msg)) < 0)
				_exit(99);
			_exit((int)s);
		}
		close(pipefd[1]);
		char msg[1024] = "";
		ssize_t n = read(pipefd[0], msg, sizeof(msg) - 1);
		msg[n > 0 ? n : 0] = '\0';
		close(pipefd[0]);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), EDGEML_ERR_IO);
		assert_non_null(strstr(msg, "File too large"));
		assert_true(active_bias(fx) == 1.0f);
	}
	/* the next operation finds nothing half-written */
	edgeml_store *st = open_store(fx);
	assert_int_equal(edgeml_store_report_health(st, "kws", 1), EDGEML_OK);
	edgeml_store_close(st);
	assert_clean(fx);
}

static void test_garbage_in_store(void **state)
{
	fixture *fx = *state;
	install_ok(fx, make_package(fx, "1.0.0", 1.0f, fx->sk, 0), 0);
	char path[300];
	snprintf(path, sizeof(path), "%s/names/other.state", fx->store);
	write_text(path, "edgeml-store-state 1\nactive 0\nversion x\n");
	snprintf(path, sizeof(path), "%s/names/junk", fx->store);
	write_text(path, "\x01\x02junk");
	snprintf(path, sizeof(path), "%s/objects/%064d.emlpkg", fx->store, 0);
	write_text(path, "not a package");
	snprintf(path, sizeof(path), "%s/README", fx->store);
	write_text(path, "hello");
	edgeml_store *st = open_store(fx);
	edgeml_model *m;
	assert_int_equal(edgeml_store_load_active(st, "other", &m), EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "other.state line 3"));
	char **names;
	uint32_t n;
	assert_int_equal(edgeml_store_names(st, &names, &n), EDGEML_OK);
	assert_int_equal(n, 2);
	edgeml_store_names_free(names, n);
	/* a corrupt state of the name itself */
	snprintf(path, sizeof(path), "%s/names/kws.state", fx->store);
	uint8_t *saved;
	size_t saved_size;
	assert_int_equal(eml_file_read(path, 1 << 16, &saved, &saved_size), EDGEML_OK);
	write_text(path, "edgeml-store-state 1\nactive 5\nprevious -1\n");
	assert_int_equal(edgeml_store_load_active(st, "kws", &m), EDGEML_ERR_FORMAT);
	assert_non_null(strstr(edgeml_last_error(), "active 5"));
	assert_int_equal(install(fx, make_package(fx, "1.1.0", 2.0f, fx->sk, 0), 0),
			 EDGEML_ERR_FORMAT); /* the replay counter is unreadable: no guessing */
	assert_int_equal(eml_file_write_atomic(path, saved, saved_size, 0644), EDGEML_OK);
	free(saved);
	edgeml_store_close(st);
	assert_true(active_bias(fx) == 1.0f);
	/* the broken state of another name does not hide why an install failed, nor stop one */
	assert_int_equal(install(fx, make_package(fx, "1.2.0", 2.0f, fx->sk, 1), 0),
			 EDGEML_ERR_SELFTEST);
	assert_non_null(strstr(edgeml_last_error(), "self-test"));
	install_ok(fx, make_package(fx, "1.2.0", 2.0f, fx->sk, 0), 0);
	assert_true(active_bias(fx) == 2.0f);
	/* a damaged object is found at load */
	st = open_store(fx);
	edgeml_store_state s;
	assert_int_equal(edgeml_store_versions(st, "kws", &s), EDGEML_OK);
	snprintf(path, sizeof(path), "%s/objects/%s.emlpkg", fx->store,
		 s.versions[s.active].package_hash);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "X", 1, 300), 1);
	close(fd);
	/* ... and the last healthy version is made active and loaded instead */
	assert_int_equal(edgeml_store_load_active(st, "kws", &m), EDGEML_OK);
	assert_true(run_bias(m) == 1.0f);
	edgeml_model_free(m);
	assert_int_equal(edgeml_store_versions(st, "kws", &s), EDGEML_OK);
	assert_string_equal(s.versions[s.active].version, "1.0.0");
	int bad = -1;
	for (uint32_t i = 0; i < s.n_versions; i++)
		if (strcmp(s.versions[i].version, "1.2.0") == 0)
			bad = (int)i;
	assert_true(bad >= 0 && s.versions[bad].health == EDGEML_STORE_BAD);
	/* with every version damaged, the error names the active one and why nothing is left */
	snprintf(path, sizeof(path), "%s/objects/%s.emlpkg", fx->store,
		 s.versions[s.active].package_hash);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "X", 1, 300), 1);
	close(fd);
	assert_int_not_equal(edgeml_store_load_active(st, "kws", &m), EDGEML_OK);
	assert_non_null(strstr(edgeml_last_error(), "the active kws 1.0.0"));
	assert_non_null(strstr(edgeml_last_error(), "no fallback"));
	assert_null(m);
	edgeml_store_close(st);
}

/* Power loss: each operation is killed after its k-th write, fsync or rename, for every k;
 * the store must then open, its active version load, verify, pass its self-test and run,
 * be the old or the new version, and the next operation must leave nothing half-done. */
static int run_killed(const fixture *fx, int op, const char *arg, int k)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char at[16];
		snprintf(at, sizeof(at), "%d", k);
		setenv("EDGEML_STORE_CRASH_AT", at, 1);
		edgeml_store *st;
		edgeml_status s = edgeml_store_open(fx->ctx, fx->store, &st);
		if (s == EDGEML_OK) {
			switch (op) {
			case 0: s = edgeml_store_install(st, arg, 0); break;
			case 1: s = edgeml_store_report_health(st, "kws", 0); break;
			case 2: s = edgeml_store_activate(st, "kws", arg); break;
			default: s = edgeml_store_rollback(st, "kws"); break;
			}
		}
		_exit((int)s);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		assert_int_equal(WTERMSIG(status), SIGKILL);
		return 1;
	}
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("op %d (%s) at k=%d exited %d", op, arg ? arg : "", k, WEXITSTATUS(status));
	return 0;
}

/* Replaces the store by a copy of snapshot (or the other way round). */
static void copy_dir(const char *from, const char *to)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -a %s %s", to, from, to);
	assert_int_equal(system(cmd), 0);
}

static void test_power_loss(void **state)
{
	fixture *fx = *state;
	install_ok(fx, make_package(fx, "1.0.0", 1.0f, fx->sk, 0), 0);
	char snapshot[160];
	snprintf(snapshot, sizeof(snapshot), "%s/snapshot", fx->dir);
	int runs = 0, kills = 0;
	for (int round = 1; round <= 8; round++) {
		char version[16], pkg[160];
		snprintf(version, sizeof(version), "1.%d.0", round);
		float bias = 1.0f + (float)round;
		snprintf(pkg, sizeof(pkg), "%s", make_package(fx, version, bias, fx->sk, 0));
		float before = active_bias(fx);
		/* install the next version; bad health (back to the old one); activate the new
		 * one; roll back; activate it again. Each from the same starting state, killed at
		 * every step k until it completes. */
		static const int ops[] = { 0, 1, 2, 3, 2 };
		for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
			copy_dir(fx->store, snapshot);
			for (int k = 1;; k++) {
				copy_dir(snapshot, fx->store);
				runs++;
				int killed = run_killed(fx, ops[o], ops[o] == 0 ? pkg : version, k);
				float now = active_bias(fx);
				assert_true(now == before || now == bias);
				if (!killed)
					break;
				kills++;
				assert_true(k < 20);
				/* the next operation leaves nothing half-done */
				edgeml_store *st = open_store(fx);
				assert_int_equal(edgeml_store_report_health(st, "kws", 1), EDGEML_OK);
				edgeml_store_close(st);
				assert_clean(fx);
				assert_true(active_bias(fx) == now);
			}
		}
		assert_true(active_bias(fx) == bias);
	}
	print_message("power loss: %d runs, %d killed mid-operation\n", runs, kills);
	assert_true(kills >= 150);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_install_switch_poll, fresh_store),
		cmocka_unit_test_setup(test_replay_refused, fresh_store),
		cmocka_unit_test_setup(test_selftest_and_trust_gate, fresh_store),
		cmocka_unit_test_setup(test_latency_budget, fresh_store),
		cmocka_unit_test_setup(test_full_disk, fresh_store),
		cmocka_unit_test_setup(test_garbage_in_store, fresh_store),
		cmocka_unit_test_setup(test_power_loss, fresh_store),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
