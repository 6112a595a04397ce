/*
 * backend_registry.c — the backends built in, the devices they list, and how a session's
 * options choose one: a name, or AUTO's rule over the devices' types. Nothing here knows a
 * particular backend beyond the table below.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "error.h"

/* The built-in backends, one line each, in AUTO's tie-break order. A backend left out of a
 * build (VULKAN=0) keeps its line: its stand-in lists no device and says why. */
static const eml_backend *const builtin[] = {
	&eml_cpu_backend,
	&eml_vulkan_backend,
};
#define N_BUILTIN (sizeof(builtin) / sizeof(builtin[0]))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const eml_backend *table[EML_MAX_BACKENDS];
static uint32_t n_table;

/* Fills the table with the built-in backends on first use; with the lock held. */
static void ensure_builtin(void)
{
	if (n_table)
		return;
	for (size_t i = 0; i < N_BUILTIN; i++)
		table[n_table++] = builtin[i];
}

const eml_backend *const *eml_backends(uint32_t *n)
{
	pthread_mutex_lock(&lock);
	ensure_builtin();
	*n = n_table;
	pthread_mutex_unlock(&lock);
	return table;
}

edgeml_status eml_backend_register(const eml_backend *backend)
{
	if (!backend || !backend->id || !backend->name || !backend->prepare || !backend->run ||
	    !backend->io_data || !backend->import_external_memory || !backend->memory ||
	    !backend->destroy || !backend->devices)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "backend register: the backend lacks an id, a name or a required "
				 "entry (prepare, run, io_data, import, memory, destroy, devices)");
	edgeml_status st = EDGEML_OK;
	pthread_mutex_lock(&lock);
	ensure_builtin();
	for (uint32_t i = 0; i < n_table && st == EDGEML_OK; i++)
		if (strcmp(table[i]->id, backend->id) == 0)
			st = eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				       "backend register: a backend '%s' is already registered",
				       backend->id);
	if (st == EDGEML_OK && n_table == EML_MAX_BACKENDS)
		st = eml_error(EDGEML_ERR_NO_MEMORY, "backend register: already %d backends",
			       EML_MAX_BACKENDS);
	if (st == EDGEML_OK)
		table[n_table++] = backend;
	pthread_mutex_unlock(&lock);
	return st;
}

void eml_backend_unregister(const eml_backend *backend)
{
	pthread_mutex_lock(&lock);
	for (uint32_t i = N_BUILTIN; i < n_table; i++) {
		if (table[i] != backend)
			continue;
		memmove(&table[i], &table[i + 1], (n_table - i - 1) * sizeof(table[0]));
		n_table--;
		break;
	}
	pthread_mutex_unlock(&lock);
}

/* Every device of every backend, numbered; why[b] says why backend b has none. */
typedef struct device_list {
	uint32_t n_backends, n;
	const eml_backend *backends[EML_MAX_BACKENDS];
	char why[EML_MAX_BACKENDS][256];
	edgeml_device_properties dev[EML_MAX_DEVICES];
	const eml_backend *owner[EML_MAX_DEVICES];
} device_list;

/* Asks every backend (only that one, when only is given) for its devices (Vulkan's instance
 * is probed once per process). */
static void list_devices(device_list *l, const eml_backend *only)
{
	uint32_t nb;
	const eml_backend *const *b = eml_backends(&nb);
	pthread_mutex_lock(&lock);
	memset(l, 0, sizeof(*l));
	l->n_backends = nb;
	memcpy(l->backends, b, nb * sizeof(b[0]));
	pthread_mutex_unlock(&lock);
	for (uint32_t i = 0; i < l->n_backends; i++) {
		if (only && l->backends[i] != only)
			continue;
		edgeml_device_properties *d = &l->dev[l->n];
		uint32_t got = l->backends[i]->devices(d, EML_MAX_DEVICES - l->n, l->why[i],
						       sizeof(l->why[i]));
		got = got < EML_MAX_DEVICES - l->n ? got : EML_MAX_DEVICES - l->n;
		if (got)
			l->why[i][0] = 0;
		for (uint32_t k = 0; k < got; k++) {
			d[k].index = l->n + k;
			d[k].backend_index = k;
			d[k].backend = l->backends[i]->id;
			l->owner[l->n + k] = l->backends[i];
		}
		l->n += got;
	}
	eml_error_clear();
}

const char *edgeml_device_type_name(edgeml_device_type type)
{
	switch (type) {
	case EDGEML_DEVICE_CPU:
		return "cpu";
	case EDGEML_DEVICE_INTEGRATED_GPU:
		return "integrated GPU";
	case EDGEML_DEVICE_DISCRETE_GPU:
		return "discrete GPU";
	case EDGEML_DEVICE_VIRTUAL_GPU:
		return "virtual GPU";
	case EDGEML_DEVICE_SOFTWARE:
		return "software";
	case EDGEML_DEVICE_OTHER:
		break;
	}
	return "other";
}

size_t edgeml_device_count(void)
{
	device_list *l = malloc(sizeof(*l));
	if (!l)
		return 0;
	list_devices(l, NULL);
	size_t n = l->n;
	free(l);
	return n;
}

edgeml_status edgeml_device_info(size_t index, edgeml_device_properties *props)
{
	eml_error_clear();
	if (!props)
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "edgeml_device_info: props is NULL");
	device_list *l = malloc(sizeof(*l));
	if (!l)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for the device list");
	list_devices(l, NULL);
	edgeml_status st = EDGEML_OK;
	if (index >= l->n)
		st = eml_error(EDGEML_ERR_NOT_FOUND, "device %zu: there are %u devices", index,
			       l->n);
	else
		*props = l->dev[index];
	free(l);
	return st;
}

size_t edgeml_backend_count(void)
{
	uint32_t n;
	eml_backends(&n);
	return n;
}

const char *edgeml_backend_name(size_t index, const char **why_none)
{
	/* The reasons outlive the call: one per backend slot, refreshed by each call. */
	static char why[EML_MAX_BACKENDS][256];
	static pthread_mutex_t why_lock = PTHREAD_MUTEX_INITIALIZER;
	device_list *l = malloc(sizeof(*l));
	const char *name = NULL;
	if (why_none)
		*why_none = "";
	if (!l)
		return NULL;
	list_devices(l, NULL);
	if (index < l->n_backends) {
		name = l->backends[index]->id;
		if (why_none) {
			pthread_mutex_lock(&why_lock);
			snprintf(why[index], sizeof(why[index]), "%s", l->why[index]);
			pthread_mutex_unlock(&why_lock);
			*why_none = why[index];
		}
	}
	free(l);
	return name;
}

/* AUTO's rank of a device type: lower is preferred. Software renderers are never AUTO's
 * choice: they run on the CPU, slower than the CPU backend. */
static int type_rank(edgeml_device_type type)
{
	switch (type) {
	case EDGEML_DEVICE_DISCRETE_GPU:
		return 0;
	case EDGEML_DEVICE_INTEGRATED_GPU:
		return 1;
	case EDGEML_DEVICE_VIRTUAL_GPU:
		return 2;
	case EDGEML_DEVICE_CPU:
		return 3;
	case EDGEML_DEVICE_OTHER:
		return 4;
	case EDGEML_DEVICE_SOFTWARE:
		break;
	}
	return -1;
}

edgeml_status eml_backend_default_device(const eml_backend *backend,
					 edgeml_device_properties *out)
{
	device_list *l = malloc(sizeof(*l));
	if (!l)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for the device list");
	list_devices(l, backend);
	/* The backends' own default is the same rule as AUTO's, software renderers after the
	 * GPUs (the Vulkan backend's eml_vk_pick_device). */
	int best = -1, best_rank = 0;
	for (uint32_t i = 0; i < l->n; i++) {
		int rank = type_rank(l->dev[i].type) < 0 ? 3 : type_rank(l->dev[i].type);
		if (l->owner[i] == backend && !l->dev[i].unusable[0] &&
		    (best < 0 || rank < best_rank)) {
			best = (int)i;
			best_rank = rank;
		}
	}
	edgeml_status st = EDGEML_OK;
	if (best < 0)
		st = eml_error(EDGEML_ERR_UNSUPPORTED, "the %s backend has no usable device",
			       backend->id);
	else
		*out = l->dev[best];
	free(l);
	return st;
}

/* Whether needle occurs in hay, ignoring case. */
static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] &&
		       tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

/* Whether want names device d: "BACKEND:N", an index (global, or the backend's own when
 * local), its DRM node (path or last component) or part of its name. */
static int matches(const edgeml_device_properties *d, const char *want, int local)
{
	size_t id_len = strlen(d->backend);
	char *end;
	if (strncmp(want, d->backend, id_len) == 0 && want[id_len] == ':') {
		const char *num = want + id_len + 1;
		unsigned long i = strtoul(num, &end, 10);
		return *num && !*end && i == d->backend_index;
	}
	unsigned long i = strtoul(want, &end, 10);
	if (isdigit((unsigned char)*want) && !*end)
		return i == (local ? d->backend_index : d->index);
	if (d->drm_node[0]) {
		const char *base = strrchr(d->drm_node, '/');
		if (strcmp(want, d->drm_node) == 0 || (base && strcmp(want, base + 1) == 0))
			return 1;
	}
	return contains_nocase(d->name, want);
}

/* Appends what fits of "text" to buf. */
static void append(char *buf, size_t size, const char *text)
{
	size_t len = strlen(buf);
	if (len < size)
		snprintf(buf + len, size - len, "%s", text);
}

/* "0 cpu 'AMD ...', 1 vulkan 'llvmpipe ...'": the devices for messages. */
static void list_names(const device_list *l, const eml_backend *only, char *buf, size_t size)
{
	buf[0] = 0;
	for (uint32_t i = 0; i < l->n; i++) {
		if (only && l->owner[i] != only)
			continue;
		char one[320];
		snprintf(one, sizeof(one), "%s%u %s '%s'", buf[0] ? ", " : "",
			 only ? l->dev[i].backend_index : l->dev[i].index, l->dev[i].backend,
			 l->dev[i].name);
		append(buf, size, one);
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

/* The backend a kind names, or NULL for AUTO. */
static edgeml_status backend_of_kind(edgeml_backend_kind kind, const eml_backend **out)
{
	*out = NULL;
	if (kind == EDGEML_BACKEND_AUTO)
		return EDGEML_OK;
	uint32_t n;
	const eml_backend *const *b = eml_backends(&n);
	for (uint32_t i = 0; i < n; i++)
		if (b[i]->kind == kind) {
			*out = b[i];
			return EDGEML_OK;
		}
	return eml_error(EDGEML_ERR_INVALID_ARGUMENT, "session options: unknown backend kind %d",
			 (int)kind);
}

/* The device the options name; with a backend given, among its devices only. */
static edgeml_status pick_named(const device_list *l, const eml_backend *backend,
				const char *want, eml_device_choice *out)
{
	for (uint32_t i = 0; i < l->n; i++) {
		if ((backend && l->owner[i] != backend) || !matches(&l->dev[i], want, !!backend))
			continue;
		if (l->dev[i].unusable[0])
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "%s device %u ('%s') cannot run the %s backend: %s",
					 l->dev[i].backend, l->dev[i].backend_index, l->dev[i].name,
					 l->dev[i].backend, l->dev[i].unusable);
		*out = (eml_device_choice){ .backend = l->owner[i], .props = l->dev[i], .named = 1 };
		return EDGEML_OK;
	}
	char names[600];
	list_names(l, backend, names, sizeof(names));
	for (uint32_t b = 0; backend && b < l->n_backends; b++)
		if (l->backends[b] == backend && l->why[b][0])
			return eml_error(EDGEML_ERR_UNSUPPORTED,
					 "no %s device '%s': the %s backend has no device: %s",
					 backend->id, want, backend->id, l->why[b]);
	return eml_error(EDGEML_ERR_NOT_FOUND,
			 "no %s%sdevice matches '%s' (give %s, \"BACKEND:N\", a DRM node or part "
			 "of a name; the devices: %s; `edgeml info` lists them)",
			 backend ? backend->id : "", backend ? " " : "", want,
			 backend ? "its index among that backend's devices" : "an index", names);
}

/* AUTO's candidates: the usable devices AUTO may take, best type first, list order
 * within a type; why says what it found and passed over. */
static uint32_t auto_candidates(const device_list *l, eml_device_choice *out, uint32_t max,
				char *why, size_t size)
{
	uint32_t n = 0;
	for (int rank = 0; rank <= 4; rank++)
		for (uint32_t i = 0; i < l->n && n < max; i++)
			if (!l->dev[i].unusable[0] && type_rank(l->dev[i].type) == rank)
				out[n++] = (eml_device_choice){ .backend = l->owner[i],
								.props = l->dev[i] };
	if (!n)
		return 0;
	snprintf(why, size, "auto: %s device %u '%s' (%s)", out[0].props.backend,
		 out[0].props.backend_index, out[0].props.name,
		 edgeml_device_type_name(out[0].props.type));
	const char *sep = "; passed over: ";
	for (uint32_t i = 0; i < l->n; i++) {
		const edgeml_device_properties *d = &l->dev[i];
		char one[400];
		if (d->unusable[0])
			snprintf(one, sizeof(one), "%s%s '%s', unusable: %s", sep, d->backend,
				 d->name, d->unusable);
		else if (type_rank(d->type) < 0)
			snprintf(one, sizeof(one),
				 "%s%s '%s', software (a CPU-type device, slower than the CPU "
				 "backend; name it to use it)",
				 sep, d->backend, d->name);
		else
			continue;
		append(why, size, one);
		sep = ", ";
	}
	for (uint32_t b = 0; b < l->n_backends; b++) {
		if (!l->why[b][0])
			continue;
		char one[320];
		snprintf(one, sizeof(one), "%s%s: %s", sep, l->backends[b]->id, l->why[b]);
		append(why, size, one);
		sep = ", ";
	}
	return n;
}

edgeml_status eml_device_pick(const edgeml_session_options *opts, eml_device_choice *out,
			      uint32_t max, uint32_t *n, char *why, size_t size)
{
	*n = 0;
	why[0] = 0;
	device_list *l = malloc(sizeof(*l));
	if (!l)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for the device list");
	const char *want = opts->device && *opts->device ? opts->device : NULL;
	const eml_backend *backend;
	edgeml_status st = backend_of_kind(opts->backend, &backend);
	/* A backend named without a device lists none: its prepare picks (and probes) alone. */
	if (st == EDGEML_OK && (want || !backend))
		list_devices(l, backend);
	if (st == EDGEML_OK && want) {
		st = pick_named(l, backend, want, &out[0]);
		*n = st == EDGEML_OK;
		if (st == EDGEML_OK && !backend)
			snprintf(why, size, "auto: device '%s' asked for", want);
	} else if (st == EDGEML_OK && backend) {
		/* The backend's own default device (it says why when it has none). */
		out[0] = (eml_device_choice){ .backend = backend,
					      .props = { .index = UINT32_MAX,
							 .backend_index = UINT32_MAX,
							 .backend = backend->id } };
		*n = 1;
	} else if (st == EDGEML_OK) {
		*n = auto_candidates(l, out, max, why, size);
		if (!*n)
			st = eml_error(EDGEML_ERR_UNSUPPORTED, "no usable device (%s)",
				       l->why[0][0] ? l->why[0] : "none listed");
	}
	free(l);
	return st;
}

edgeml_status edgeml_device_choose(const edgeml_session_options *options, size_t *index,
				   char *why, size_t size)
{
	eml_error_clear();
	if (!index || (!why && size))
		return eml_error(EDGEML_ERR_INVALID_ARGUMENT,
				 "edgeml_device_choose: index or why is NULL");
	edgeml_session_options opts;
	edgeml_session_options_init(&opts);
	if (options)
		opts = *options;
	eml_device_choice *cand = malloc(EML_MAX_DEVICES * sizeof(*cand));
	char text[450];
	uint32_t n;
	if (!cand)
		return eml_error(EDGEML_ERR_NO_MEMORY, "out of memory for the device list");
	edgeml_status st = eml_device_pick(&opts, cand, EML_MAX_DEVICES, &n, text, sizeof(text));
	if (st == EDGEML_OK) {
		*index = cand[0].props.index == UINT32_MAX ? SIZE_MAX : cand[0].props.index;
		if (size)
			snprintf(why, size, "%s", text[0] ? text : "the backend's default device");
	}
	free(cand);
	return st;
}
