/*
 * store.c — the on-device model store (docs/fleet.md, "The store"): packages kept by content
 * in objects/, one state file per name in names/ that says which version is active, which
 * was active before, and the highest sequence ever installed. Every change is a new file
 * written beside the old one, fsynced, renamed over it and the directory fsynced, so power
 * lost at any point leaves either the old or the new state, each naming objects that are
 * complete on disk. Writers hold an flock on DIR/lock; readers (apps) take no lock.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "error.h"
#include "store.h"

#define STORE_DEFAULT_DIR "/var/lib/edgeml"
#define STATE_MAGIC "edgeml-store-state 1"
#define MAX_PACKAGE_SIZE ((size_t)1 << 32)

struct edgeml_store {
	edgeml_context *ctx;
	char dir[4096];
	int lock_fd; /* -1 unless a writing call holds the lock */
};

const char *edgeml_store_dir(const edgeml_store *store)
{
	return store->dir;
}

const char *edgeml_store_health_name(edgeml_store_health health)
{
	switch (health) {
	case EDGEML_STORE_NEW: return "new";
	case EDGEML_STORE_GOOD: return "good";
	case EDGEML_STORE_BAD: return "bad";
	}
	return "?";
}

/* Test hook for the power-loss test: with EDGEML_STORE_CRASH_AT=k the process kills itself
 * (SIGKILL, as a power cut: no cleanup runs) right after the k-th write, fsync or rename. */
static void crash_point(void)
{
	static int count;
	const char *at = getenv("EDGEML_STORE_CRASH_AT");
	if (at && ++count == atoi(at))
		raise(SIGKILL);
}

static int valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 64 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return 0;
	return 1;
}

static edgeml_status check_name(const char *name)
{
	if (!valid_name(name))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "'%s' is not a model name ([A-Za-z0-9._-], 1 to 64 characters)",
				 name ? name : "(null)");
	return EDGEML_OK;
}

static edgeml_status fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return eml_error(EDGEML_ERR_IO, "cannot fsync directory %s: %s", dir, strerror(e));
	}
	close(fd);
	crash_point();
	return EDGEML_OK;
}

/* Writes data to dir/tmp_name, fsyncs it, renames it to dir/final_name and fsyncs dir. A
 * failure removes the temporary file. */
static edgeml_status write_atomic(const char *dir, const char *final_name, const void *data,
				  size_t size)
{
	char tmp[4400], final[4400];
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp.%ld", dir, final_name, (long)getpid());
	snprintf(final, sizeof(final), "%s/%s", dir, final_name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return eml_error(EDGEML_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
	const uint8_t *p = data;
	size_t left = size;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : ENOSPC;
			close(fd);
			unlink(tmp);
			return eml_error(EDGEML_ERR_IO, "cannot write %s (%zu of %zu bytes written): %s",
					 tmp, size - left, size, strerror(e));
		}
		p += n;
		left -= (size_t)n;
	}
	crash_point();
	if (fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return eml_error(EDGEML_ERR_IO, "cannot fsync %s: %s", tmp, strerror(e));
	}
	close(fd);
	crash_point();
	if (rename(tmp, final) != 0) {
		int e = errno;
		unlink(tmp);
		return eml_error(EDGEML_ERR_IO, "cannot rename %s to %s: %s", tmp, final, strerror(e));
	}
	crash_point();
	return fsync_dir(dir);
}

static int is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

/* ---- state files ------------------------------------------------------------------------ */

static edgeml_status parse_state(const char *path, FILE *f, edgeml_store_state *st)
{
	memset(st, 0, sizeof(*st));
	char line[512];
	unsigned lineno = 0;
	int have_magic = 0;
	long long active = -2, previous = -2;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		size_t n = strlen(line);
		if (n == 0 || line[n - 1] != '\n')
			return eml_error(EDGEML_ERR_FORMAT, "%s line %u: unterminated or too long",
					 path, lineno);
		line[n - 1] = '\0';
		char v[65], ph[65], mh[65], health[16], extra[2];
		unsigned long long seq;
		if (lineno == 1) {
			if (strcmp(line, STATE_MAGIC) != 0)
				break;
			have_magic = 1;
		} else if (sscanf(line, "active %lld %1s", &active, extra) == 1 ||
			   sscanf(line, "previous %lld %1s", &previous, extra) == 1 ||
			   sscanf(line, "highest %llu %1s", &seq, extra) == 1 ||
			   sscanf(line, "generation %llu %1s", &seq, extra) == 1) {
			if (strncmp(line, "highest", 7) == 0)
				st->highest = seq;
			else if (strncmp(line, "generation", 10) == 0)
				st->generation = seq;
		} else if (sscanf(line, "version %64s %llu %64s %64s %15s %1s", v, &seq, ph, mh,
				  health, extra) == 5) {
			if (st->n_versions == EDGEML_STORE_MAX_VERSIONS || !is_hex64(ph) ||
			    !is_hex64(mh))
				return eml_error(EDGEML_ERR_FORMAT, "%s line %u: bad version entry",
						 path, lineno);
			edgeml_store_version *e = &st->versions[st->n_versions++];
			snprintf(e->version, sizeof(e->version), "%s", v);
			e->sequence = seq;
			memcpy(e->package_hash, ph, 65);
			memcpy(e->model_hash, mh, 65);
			if (strcmp(health, "new") == 0)
				e->health = EDGEML_STORE_NEW;
			else if (strcmp(health, "good") == 0)
				e->health = EDGEML_STORE_GOOD;
			else if (strcmp(health, "bad") == 0)
				e->health = EDGEML_STORE_BAD;
			else
				return eml_error(EDGEML_ERR_FORMAT, "%s line %u: health '%s'", path,
						 lineno, health);
		} else {
			return eml_error(EDGEML_ERR_FORMAT, "%s line %u: unknown entry '%.40s'", path,
					 lineno, line);
		}
	}
	if (!have_magic)
		return eml_error(EDGEML_ERR_FORMAT, "%s is not a store state file (no '%s' line)",
				 path, STATE_MAGIC);
	if (active == -2 || previous == -2)
		return eml_error(EDGEML_ERR_FORMAT, "%s: no '%s' line", path,
				 active == -2 ? "active" : "previous");
	if (active < -1 || active >= st->n_versions || previous < -1 ||
	    previous >= st->n_versions || active == -1)
		return eml_error(EDGEML_ERR_FORMAT,
				 "%s: active %lld / previous %lld do not name one of its %u versions",
				 path, active, previous, st->n_versions);
	st->active = (int32_t)active;
	st->previous = (int32_t)previous;
	return EDGEML_OK;
}

edgeml_status eml_store_read_state(const edgeml_store *store, const char *name,
				   edgeml_store_state *out)
{
	edgeml_status s = check_name(name);
	if (s != EDGEML_OK)
		return s;
	char path[4200];
	snprintf(path, sizeof(path), "%s/names/%s.state", store->dir, name);
	FILE *f = fopen(path, "re");
	if (!f)
		return eml_error(errno == ENOENT ? EDGEML_ERR_NOT_FOUND : EDGEML_ERR_IO,
				 "no model '%s' in the store %s (%s: %s)", name, store->dir, path,
				 strerror(errno));
	s = parse_state(path, f, out);
	fclose(f);
	return s;
}

static edgeml_status write_state(const edgeml_store *store, const char *name,
				 const edgeml_store_state *st)
{
	char buf[EDGEML_STORE_MAX_VERSIONS * 300 + 256];
	int n = snprintf(buf, sizeof(buf), "%s\nactive %d\nprevious %d\nhighest %" PRIu64
			 "\ngeneration %" PRIu64 "\n",
			 STATE_MAGIC, st->active, st->previous, st->highest, st->generation);
	for (uint32_t i = 0; i < st->n_versions; i++) {
		const edgeml_store_version *e = &st->versions[i];
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "version %s %" PRIu64 " %s %s %s\n",
			      e->version, e->sequence, e->package_hash, e->model_hash,
			      edgeml_store_health_name(e->health));
	}
	char dir[4200], file[100];
	snprintf(dir, sizeof(dir), "%s/names", store->dir);
	snprintf(file, sizeof(file), "%s.state", name);
	return write_atomic(dir, file, buf, (size_t)n);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

edgeml_status eml_store_names(const edgeml_store *store, char ***names, uint32_t *count)
{
	*names = NULL;
	*count = 0;
	char path[4200];
	snprintf(path, sizeof(path), "%s/names", store->dir);
	DIR *d = opendir(path);
	if (!d)
		return eml_error(EDGEML_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	struct dirent *ent;
	char **list = NULL;
	uint32_t n = 0;
	while ((ent = readdir(d))) {
		size_t len = strlen(ent->d_name);
		if (len <= 6 || strcmp(ent->d_name + len - 6, ".state") != 0)
			continue;
		char **grown = realloc(list, (n + 1) * sizeof(*list));
		if (grown)
			list = grown;
		char *copy = grown ? strndup(ent->d_name, len - 6) : NULL;
		if (!copy) {
			for (uint32_t i = 0; i < n; i++)
				free(list[i]);
			free(list);
			closedir(d);
			return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory listing %s", path);
		}
		if (valid_name(copy))
			list[n++] = copy;
		else
			free(copy);
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof(*list), cmp_str);
	*names = list;
	*count = n;
	return EDGEML_OK;
}

edgeml_status edgeml_store_versions(const edgeml_store *store, const char *name,
				    edgeml_store_state *out)
{
	eml_error_clear();
	if (!store || !name || !out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "store, name and out must not be NULL");
	return eml_store_read_state(store, name, out);
}

edgeml_status edgeml_store_names(const edgeml_store *store, char ***names, uint32_t *count)
{
	eml_error_clear();
	if (!store || !names || !count)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "store, names and count must not be NULL");
	return eml_store_names(store, names, count);
}

void edgeml_store_names_free(char **names, uint32_t count)
{
	for (uint32_t i = 0; names && i < count; i++)
		free(names[i]);
	free(names);
}

/* ---- open, lock, clean up --------------------------------------------------------------- */

edgeml_status edgeml_store_open(edgeml_context *ctx, const char *dir, edgeml_store **out)
{
	eml_error_clear();
	if (!out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "out must not be NULL");
	*out = NULL;
	if (!dir)
		dir = getenv("EDGEML_STORE_DIR");
	if (!dir || !*dir)
		dir = STORE_DEFAULT_DIR;
	if (strlen(dir) > 3900)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "store directory path too long");
	edgeml_store *s = calloc(1, sizeof(*s));
	if (!s)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory");
	s->ctx = ctx;
	s->lock_fd = -1;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	static const char *const subdirs[] = { "", "/objects", "/names" };
	for (int i = 0; i < 3; i++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s%s", dir, subdirs[i]);
		struct stat sb;
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			edgeml_status st = eml_error(EDGEML_ERR_IO, "cannot create store directory %s: %s",
						     path, strerror(errno));
			free(s);
			return st;
		}
		if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			free(s);
			return eml_error(EDGEML_ERR_IO, "store path %s is not a directory", path);
		}
	}
	*out = s;
	return EDGEML_OK;
}

void edgeml_store_close(edgeml_store *store)
{
	if (!store)
		return;
	if (store->lock_fd >= 0)
		close(store->lock_fd);
	free(store);
}

/* Removes what an interrupted operation left: temporary files, and objects that no state
 * names (written, but the switch to them never happened). Only under the lock; objects are
 * left alone when some state file cannot be read. */
static void clean_up(edgeml_store *store)
{
	char **names;
	uint32_t n_names;
	int states_ok = eml_store_names(store, &names, &n_names) == EDGEML_OK;
	edgeml_store_state *states = states_ok ? calloc(n_names + 1, sizeof(*states)) : NULL;
	states_ok = states_ok && states;
	for (uint32_t i = 0; states_ok && i < n_names; i++)
		states_ok = eml_store_read_state(store, names[i], &states[i]) == EDGEML_OK;
	static const char *const subdirs[] = { "objects", "names" };
	for (int k = 0; k < 2; k++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/%s", store->dir, subdirs[k]);
		DIR *d = opendir(path);
		struct dirent *ent;
		while (d && (ent = readdir(d))) {
			int remove = strstr(ent->d_name, ".tmp.") != NULL;
			size_t len = strlen(ent->d_name);
			if (k == 0 && states_ok && len == 64 + 7 &&
			    strcmp(ent->d_name + 64, ".emlpkg") == 0) {
				int used = 0;
				for (uint32_t i = 0; i < n_names && !used; i++)
					for (uint32_t v = 0; v < states[i].n_versions && !used; v++)
						used = strncmp(states[i].versions[v].package_hash,
							       ent->d_name, 64) == 0;
				remove = !used;
			}
			if (remove)
				unlinkat(dirfd(d), ent->d_name, 0);
		}
		if (d)
			closedir(d);
	}
	free(states);
	if (names)
		for (uint32_t i = 0; i < n_names; i++)
			free(names[i]);
	free(names);
}

static edgeml_status lock_store(edgeml_store *store)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/lock", store->dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return eml_error(EDGEML_ERR_IO, "cannot open the store lock %s: %s", path,
				 strerror(errno));
	if (flock(fd, LOCK_EX) != 0) {
		int e = errno;
		close(fd);
		return eml_error(EDGEML_ERR_IO, "cannot lock %s: %s", path, strerror(e));
	}
	store->lock_fd = fd;
	clean_up(store);
	eml_error_clear(); /* what clean_up could not read is no error of this call */
	return EDGEML_OK;
}

static void unlock_store(edgeml_store *store)
{
	if (store->lock_fd >= 0)
		close(store->lock_fd);
	store->lock_fd = -1;
}

/* ---- install ---------------------------------------------------------------------------- */

static edgeml_status read_package(const char *path, uint8_t **out, size_t *size)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return eml_error(EDGEML_ERR_IO, "cannot open package %s: %s", path, strerror(e));
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size <= 0 || (uint64_t)sb.st_size > MAX_PACKAGE_SIZE) {
		close(fd);
		return eml_error(EDGEML_ERR_FORMAT, "%s is not a package file (size %lld)", path,
				 (long long)sb.st_size);
	}
	size_t n = (size_t)sb.st_size, got = 0;
	uint8_t *buf = malloc(n);
	if (!buf) {
		close(fd);
		return eml_error(EDGEML_ERR_NO_MEMORY, "cannot allocate %zu bytes for %s", n, path);
	}
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			free(buf);
			return eml_error(EDGEML_ERR_IO, "cannot read %s", path);
		}
		got += (size_t)r;
	}
	close(fd);
	*out = buf;
	*size = n;
	return EDGEML_OK;
}

static void hash_hex(const uint8_t *data, size_t size, char out[65])
{
	uint8_t h[32];
	crypto_generichash(h, 32, data, size, NULL, 0);
	sodium_bin2hex(out, 65, h, 32);
}

static int find_version(const edgeml_store_state *st, const char *version)
{
	for (uint32_t i = 0; i < st->n_versions; i++)
		if (strcmp(st->versions[i].version, version) == 0)
			return (int)i;
	return -1;
}

/* Drops the oldest version that is neither active nor previous, to make room. */
static void make_room(edgeml_store_state *st)
{
	if (st->n_versions < EDGEML_STORE_MAX_VERSIONS)
		return;
	int drop = -1;
	for (uint32_t i = 0; i < st->n_versions; i++)
		if ((int32_t)i != st->active && (int32_t)i != st->previous &&
		    (drop < 0 || st->versions[i].sequence < st->versions[drop].sequence))
			drop = (int)i;
	memmove(&st->versions[drop], &st->versions[drop + 1],
		(st->n_versions - (uint32_t)drop - 1) * sizeof(st->versions[0]));
	st->n_versions--;
	if (st->active > drop)
		st->active--;
	if (st->previous > drop)
		st->previous--;
}

/* Checks a loaded candidate against the state of its name and runs its self-tests. */
static edgeml_status check_candidate(const edgeml_model *model, const edgeml_package_info *info,
				     const edgeml_store_state *st, int have_state,
				     const char *package_hash, uint32_t flags)
{
	if (have_state && !(flags & EDGEML_STORE_ALLOW_DOWNGRADE)) {
		const edgeml_store_version *act = &st->versions[st->active];
		if (strcmp(act->package_hash, package_hash) == 0)
			return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
					 "%s %s is already installed and active", info->name,
					 info->version);
		if (info->sequence <= st->highest)
			return eml_error(EDGEML_ERR_UNTRUSTED,
					 "%s %s has sequence %" PRIu64 ", not newer than %" PRIu64
					 ", the highest installed (active: %s): refused as a "
					 "replay of an older release (--allow-downgrade overrides)",
					 info->name, info->version, info->sequence, st->highest,
					 act->version);
	}
	uint32_t passed = 0;
	edgeml_status s = edgeml_model_run_selftests(model, NULL, &passed);
	if (s != EDGEML_OK)
		return eml_error_context(s, "%s %s failed its self-tests on this device (%" PRIu32
					 " of %" PRIu32 " passed); the active version stays: ",
					 info->name, info->version, passed, info->n_selftests);
	return EDGEML_OK;
}

static edgeml_status install_locked(edgeml_store *store, const char *path, uint32_t flags)
{
	uint8_t *bytes;
	size_t size = 0;
	edgeml_status s = read_package(path, &bytes, &size);
	if (s != EDGEML_OK)
		return s;
	char hash[65], objdir[4200], objname[80], obj[4300];
	hash_hex(bytes, size, hash);
	snprintf(objdir, sizeof(objdir), "%s/objects", store->dir);
	snprintf(objname, sizeof(objname), "%s.emlpkg", hash);
	snprintf(obj, sizeof(obj), "%s/%s", objdir, objname);
	/* The inactive slot: the object is written and synced under a temporary name, and it is
	 * that file, as stored, that is loaded, verified and self-tested. */
	char tmp[4400];
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp.%ld", objdir, objname, (long)getpid());
	int exists = access(obj, F_OK) == 0;
	if (!exists) {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		size_t done = 0;
		while (fd >= 0 && done < size) {
			ssize_t n = write(fd, bytes + done, size - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		int e = errno;
		if (fd >= 0 && done == size) {
			crash_point();
			if (fsync(fd) == 0)
				crash_point();
			else
				done = 0, e = errno;
		}
		if (fd >= 0)
			close(fd);
		if (done != size) {
			unlink(tmp);
			free(bytes);
			return eml_error(EDGEML_ERR_IO,
					 "cannot store the package in %s (%zu of %zu bytes written): %s; "
					 "the active version stays",
					 objdir, done, size, strerror(e));
		}
	}
	free(bytes);
	edgeml_model *model = NULL;
	s = edgeml_model_load_file(store->ctx, exists ? obj : tmp, &model);
	edgeml_package_info info;
	if (s == EDGEML_OK && edgeml_model_package_info(model, &info) != EDGEML_OK)
		s = eml_error(EDGEML_ERR_FORMAT, "%s is a bare .eml model, not a package (edgeml pack)",
			      path);
	else if (s != EDGEML_OK)
		eml_error_context(s, "%s: ", path);
	edgeml_store_state st;
	int have_state = 0;
	if (s == EDGEML_OK) {
		s = eml_store_read_state(store, info.name, &st);
		have_state = s == EDGEML_OK;
		if (s == EDGEML_ERR_NOT_FOUND) {
			memset(&st, 0, sizeof(st));
			st.active = st.previous = -1;
			s = EDGEML_OK;
		}
	}
	if (s == EDGEML_OK)
		s = check_candidate(model, &info, &st, have_state, hash, flags);
	if (s == EDGEML_OK && !exists) {
		if (rename(tmp, obj) != 0)
			s = eml_error(EDGEML_ERR_IO, "cannot rename %s: %s", tmp, strerror(errno));
		else
			crash_point(), s = fsync_dir(objdir);
	}
	if (s != EDGEML_OK) {
		if (!exists)
			unlink(tmp);
		edgeml_model_free(model);
		return s;
	}
	/* The switch: one rename of the state file. */
	int idx = find_version(&st, info.version);
	if (idx >= 0 && idx != st.active && idx != st.previous) {
		memmove(&st.versions[idx], &st.versions[idx + 1],
			(st.n_versions - (uint32_t)idx - 1) * sizeof(st.versions[0]));
		st.n_versions--;
		if (st.active > idx)
			st.active--;
		if (st.previous > idx)
			st.previous--;
		idx = -1;
	}
	if (idx < 0) {
		make_room(&st);
		idx = (int)st.n_versions++;
	}
	edgeml_store_version *e = &st.versions[idx];
	snprintf(e->version, sizeof(e->version), "%s", info.version);
	e->sequence = info.sequence;
	memcpy(e->package_hash, hash, 65);
	snprintf(e->model_hash, sizeof(e->model_hash), "%s", info.model_hash);
	e->health = EDGEML_STORE_NEW;
	if (st.active != idx)
		st.previous = st.active;
	st.active = idx;
	if (info.sequence > st.highest)
		st.highest = info.sequence;
	st.generation++;
	char name[65];
	snprintf(name, sizeof(name), "%s", info.name);
	edgeml_model_free(model);
	return write_state(store, name, &st);
}

edgeml_status edgeml_store_install(edgeml_store *store, const char *package_path, uint32_t flags)
{
	eml_error_clear();
	if (!store || !package_path)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "store and package_path must not be NULL");
	edgeml_status s = lock_store(store);
	if (s != EDGEML_OK)
		return s;
	s = install_locked(store, package_path, flags);
	if (s != EDGEML_OK) {
		char why[1024];
		snprintf(why, sizeof(why), "%s", edgeml_last_error());
		clean_up(store);
		eml_error(s, "%s", why);
	}
	unlock_store(store);
	return s;
}

/* ---- switching between installed versions ----------------------------------------------- */

/* Makes version target of name active (under the lock); the one it replaces becomes previous. */
static edgeml_status switch_to(edgeml_store *store, const char *name, edgeml_store_state *st,
			       int target)
{
	if (target == st->active)
		return EDGEML_OK;
	st->previous = st->active;
	st->active = target;
	st->generation++;
	return write_state(store, name, st);
}

/* Loads an installed version to check that it still verifies before switching to it. */
static edgeml_status verify_installed(edgeml_store *store, const char *name,
				      const edgeml_store_version *v)
{
	char obj[4300];
	snprintf(obj, sizeof(obj), "%s/objects/%s.emlpkg", store->dir, v->package_hash);
	edgeml_model *m = NULL;
	edgeml_status s = edgeml_model_load_file(store->ctx, obj, &m);
	edgeml_model_free(m);
	if (s != EDGEML_OK)
		return eml_error_context(s, "%s %s (%s) no longer loads: ", name, v->version, obj);
	return EDGEML_OK;
}

typedef enum { OP_ACTIVATE, OP_ROLLBACK, OP_GOOD, OP_BAD } store_op;

static edgeml_status change_locked(edgeml_store *store, const char *name, store_op op,
				   const char *version)
{
	edgeml_store_state st;
	edgeml_status s = eml_store_read_state(store, name, &st);
	if (s != EDGEML_OK)
		return s;
	int target;
	switch (op) {
	case OP_ACTIVATE:
		target = find_version(&st, version);
		if (target < 0)
			return eml_error(EDGEML_ERR_NOT_FOUND, "%s %s is not installed (edgeml store list)",
					 name, version);
		s = verify_installed(store, name, &st.versions[target]);
		if (s != EDGEML_OK)
			return s;
		if (target != st.active && st.versions[target].health == EDGEML_STORE_BAD)
			st.versions[target].health = EDGEML_STORE_NEW; /* explicitly chosen again */
		return switch_to(store, name, &st, target);
	case OP_GOOD:
		if (st.versions[st.active].health == EDGEML_STORE_GOOD)
			return EDGEML_OK;
		st.versions[st.active].health = EDGEML_STORE_GOOD;
		return write_state(store, name, &st);
	case OP_ROLLBACK:
	case OP_BAD:
		/* load_active's fallback names the version it found damaged: when another
		 * process has switched since, there is nothing to do */
		if (op == OP_BAD && version && strcmp(st.versions[st.active].version, version) != 0)
			return EDGEML_OK;
		target = st.previous;
		if (target < 0 || st.versions[target].health == EDGEML_STORE_BAD) {
			/* the newest good or new version other than the active one */
			target = -1;
			for (uint32_t i = 0; i < st.n_versions; i++)
				if ((int32_t)i != st.active && st.versions[i].health != EDGEML_STORE_BAD &&
				    (target < 0 || st.versions[i].sequence > st.versions[target].sequence))
					target = (int)i;
		}
		if (op == OP_BAD)
			st.versions[st.active].health = EDGEML_STORE_BAD;
		if (target < 0) {
			if (op == OP_BAD) {
				edgeml_status w = write_state(store, name, &st);
				if (w != EDGEML_OK)
					return w;
			}
			return eml_error(EDGEML_ERR_NOT_FOUND,
					 "%s has no other healthy version to roll back to; %s stays active",
					 name, st.versions[st.active].version);
		}
		s = verify_installed(store, name, &st.versions[target]);
		if (s != EDGEML_OK)
			return s;
		return switch_to(store, name, &st, target);
	}
	return EDGEML_OK;
}

static edgeml_status change(edgeml_store *store, const char *name, store_op op, const char *version)
{
	eml_error_clear();
	if (!store)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "store must not be NULL");
	edgeml_status s = check_name(name);
	if (s != EDGEML_OK)
		return s;
	s = lock_store(store);
	if (s != EDGEML_OK)
		return s;
	s = change_locked(store, name, op, version);
	unlock_store(store);
	return s;
}

edgeml_status edgeml_store_activate(edgeml_store *store, const char *name, const char *version)
{
	if (!version)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "version must not be NULL");
	return change(store, name, OP_ACTIVATE, version);
}

edgeml_status edgeml_store_rollback(edgeml_store *store, const char *name)
{
	return change(store, name, OP_ROLLBACK, NULL);
}

edgeml_status edgeml_store_report_health(edgeml_store *store, const char *name, int healthy)
{
	return change(store, name, healthy ? OP_GOOD : OP_BAD, NULL);
}

/* ---- the app's side --------------------------------------------------------------------- */

/* Loads the active version of name; *version receives it (for the fallback below). */
static edgeml_status load_active_once(edgeml_store *store, const char *name, edgeml_model **out,
				      char version[65])
{
	*out = NULL;
	version[0] = '\0';
	edgeml_store_state st;
	edgeml_status s = eml_store_read_state(store, name, &st);
	if (s != EDGEML_OK)
		return s;
	const edgeml_store_version *v = &st.versions[st.active];
	snprintf(version, 65, "%s", v->version);
	char obj[4300];
	snprintf(obj, sizeof(obj), "%s/objects/%s.emlpkg", store->dir, v->package_hash);
	s = edgeml_model_load_file(store->ctx, obj, out);
	if (s != EDGEML_OK)
		return eml_error_context(s, "the active %s %s (%s): ", name, v->version, obj);
	edgeml_package_info info;
	if (edgeml_model_package_info(*out, &info) != EDGEML_OK ||
	    strcmp(info.model_hash, v->model_hash) != 0 || strcmp(info.name, name) != 0) {
		edgeml_model_free(*out);
		*out = NULL;
		return eml_error(EDGEML_ERR_FORMAT,
				 "%s is not the package the store installed as %s %s", obj, name,
				 v->version);
	}
	return EDGEML_OK;
}

/* An active version that no longer loads (its object damaged on disk, its key revoked since)
 * is marked bad and the last healthy version made active, as a health report would (under the
 * lock, verified first, atomically), and that one is loaded: a device keeps a working model.
 * When there is none, or the store cannot be written, the first error stands. */
edgeml_status edgeml_store_load_active(edgeml_store *store, const char *name, edgeml_model **out)
{
	eml_error_clear();
	if (!store || !out)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "store and out must not be NULL");
	char version[65];
	edgeml_status s = load_active_once(store, name, out, version);
	if (s == EDGEML_OK || !version[0] || s == EDGEML_ERR_NO_MEMORY)
		return s;
	char first[1024];
	snprintf(first, sizeof(first), "%s", edgeml_last_error());
	if (change(store, name, OP_BAD, version) != EDGEML_OK)
		return eml_error(s, "%s (no fallback: %s)", first, edgeml_last_error());
	char now[65];
	edgeml_status t = load_active_once(store, name, out, now);
	if (t != EDGEML_OK)
		return eml_error(s, "%s (the fallback %s does not load either: %s)", first, now,
				 edgeml_last_error());
	return EDGEML_OK;
}

edgeml_status edgeml_store_poll(edgeml_store *store, const edgeml_model *current, int *changed)
{
	eml_error_clear();
	if (!store || !current || !changed)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "arguments must not be NULL");
	*changed = 0;
	edgeml_package_info info;
	edgeml_status s = edgeml_model_package_info(current, &info);
	if (s != EDGEML_OK)
		return s;
	edgeml_store_state st;
	s = eml_store_read_state(store, info.name, &st);
	if (s != EDGEML_OK)
		return s;
	const edgeml_store_version *v = &st.versions[st.active];
	*changed = strcmp(v->version, info.version) != 0 || strcmp(v->model_hash, info.model_hash) != 0;
	return EDGEML_OK;
}
