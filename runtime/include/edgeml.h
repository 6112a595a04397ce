/*
 * edgeml.h — the public API of libedgeml: all an app needs (edgeml_package.h adds making
 * and inspecting packages, for publishers' tools).
 *
 * Read top to bottom:
 *   1. every call that can fail returns an edgeml_status; edgeml_last_error() then says
 *      what was wrong and where (file offset, node, tensor), per thread;
 *   2. a context holds library-wide state; the devices the built-in backends found on this
 *      machine (the CPU, Vulkan GPUs) are listed by edgeml_device_count/edgeml_device_info;
 *   3. a model is a loaded .eml file: immutable, shared by any number of sessions and threads;
 *   4. a session is one prepared instance of a model on one device: it owns its memory,
 *      its input and output tensors, and runs the graph. One session is used by one thread
 *      at a time; several sessions of one model may run at once on different threads.
 *
 *   edgeml_context *ctx;  edgeml_model *model;  edgeml_session *s;
 *   edgeml_context_create(&ctx);
 *   edgeml_model_load_file(ctx, "mobilenet.eml", &model);
 *   edgeml_session_create(model, NULL, &s);
 *   edgeml_tensor *in, *out;
 *   edgeml_session_input(s, 0, &in);  memcpy(edgeml_tensor_data(in), frame, size);
 *   edgeml_session_run(s);
 *   edgeml_session_output(s, 0, &out); ... edgeml_tensor_data(out) ...
 *   edgeml_session_destroy(s); edgeml_model_free(model); edgeml_context_destroy(ctx);
 */
#ifndef EDGEML_H
#define EDGEML_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EDGEML_VERSION_MAJOR 0
#define EDGEML_VERSION_MINOR 1
#define EDGEML_VERSION_PATCH 0

/* Largest tensor rank the runtime handles. */
#define EDGEML_MAX_RANK 8
/* Most CPU threads a session may ask for (edgeml_session_options.threads). */
#define EDGEML_MAX_THREADS 64

typedef enum edgeml_status {
	EDGEML_OK = 0,
	EDGEML_ERR_INVALID_ARGUMENT = 1, /* a caller's argument is wrong (NULL, index, size) */
	EDGEML_ERR_IO = 2,               /* a file could not be opened, read, mapped or written */
	EDGEML_ERR_FORMAT = 3,           /* a model file is malformed, truncated or hostile */
	EDGEML_ERR_UNSUPPORTED = 4,      /* an op, attribute, dtype or feature is not supported */
	EDGEML_ERR_NO_MEMORY = 5,        /* an allocation failed or would exceed a limit */
	EDGEML_ERR_NOT_FOUND = 6,        /* no input/output/device with that name */
	EDGEML_ERR_SHAPE = 7,            /* shapes or dtypes do not agree */
	EDGEML_ERR_BACKEND = 8,          /* the backend failed (device lost, driver error) */
	EDGEML_ERR_UNTRUSTED = 9,        /* a package is unsigned, wrongly signed, signed by an
					  * unknown or revoked key, or encrypted for another key */
	EDGEML_ERR_SELFTEST = 10,        /* a package's self-test gave other outputs here */
} edgeml_status;

/* A short constant name for a status, e.g. "invalid argument". */
const char *edgeml_status_string(edgeml_status status);

/* The message of the last failed call on this thread ("" if none). Valid until the next call. */
const char *edgeml_last_error(void);

/* Records message as this thread's last error and returns status, for code layered on
 * edgeml (the edgeml tools, an app's own wrappers) whose failures should read like the
 * library's: `return edgeml_set_error(EDGEML_ERR_FORMAT, "x.npy: not a .npy file");`.
 * The message is copied (up to 1023 bytes); NULL clears it. */
edgeml_status edgeml_set_error(edgeml_status status, const char *message);

/* Element types; the values are ONNX's TensorProto.DataType numbers. */
typedef enum edgeml_dtype {
	EDGEML_DTYPE_FLOAT32 = 1,
	EDGEML_DTYPE_UINT8 = 2,
	EDGEML_DTYPE_INT8 = 3,
	EDGEML_DTYPE_INT32 = 6,
	EDGEML_DTYPE_INT64 = 7,
} edgeml_dtype;

/* Bytes per element of a dtype, 0 for an unknown one. */
size_t edgeml_dtype_size(edgeml_dtype dtype);
/* "float32", "uint8", ... or "unknown". */
const char *edgeml_dtype_name(edgeml_dtype dtype);

/* Library version as "MAJOR.MINOR.PATCH" and the options it was built with. */
const char *edgeml_version(void);
const char *edgeml_build_options(void);

/* ---- context ---------------------------------------------------------------------------- */

typedef struct edgeml_context edgeml_context;

edgeml_status edgeml_context_create(edgeml_context **out);
void edgeml_context_destroy(edgeml_context *ctx);

/* ---- devices ---------------------------------------------------------------------------- */

/* What runs a model: the CPU, and each device of the other backends built in (Vulkan). The
 * list is probed when asked (Vulkan devices once per process) and is the same for every
 * context. */
typedef enum edgeml_device_type {
	EDGEML_DEVICE_CPU = 0,		  /* the host CPU (the cpu backend) */
	EDGEML_DEVICE_INTEGRATED_GPU = 1,
	EDGEML_DEVICE_DISCRETE_GPU = 2,
	EDGEML_DEVICE_VIRTUAL_GPU = 3,
	EDGEML_DEVICE_SOFTWARE = 4,	  /* a GPU API emulated on the CPU (lavapipe) */
	EDGEML_DEVICE_OTHER = 5,
} edgeml_device_type;

typedef struct edgeml_device_properties {
	uint32_t index;	     /* in the list: what edgeml_session_options.device may give */
	uint32_t backend_index; /* among its backend's devices */
	const char *backend; /* "cpu", "vulkan" */
	edgeml_device_type type;
	char name[256];	     /* e.g. "AMD Radeon RX 7600", or the CPU's model */
	char driver[256];    /* e.g. "radv"; for the CPU its architecture and kernel level */
	char driver_info[256]; /* e.g. "Mesa 22.3.6 (LLVM 15.0.6)" */
	char driver_version[32], api_version[32]; /* e.g. "22.3.6", "1.3.230"; "" for the CPU */
	uint32_t vendor_id, device_id; /* PCI ids where the API gives them, else 0 */
	char drm_node[64];   /* e.g. "/dev/dri/renderD128"; "" when none */
	char features[256];  /* what the backend uses of it, space-separated */
	char unusable[128];  /* why the backend cannot run on it; "" when it can */
} edgeml_device_properties;

/* "cpu", "integrated GPU", "discrete GPU", "virtual GPU", "software", "other". */
const char *edgeml_device_type_name(edgeml_device_type type);
/* The number of devices; the CPU is always device 0. */
size_t edgeml_device_count(void);
/* Fills props with device index, EDGEML_ERR_NOT_FOUND past the end. */
edgeml_status edgeml_device_info(size_t index, edgeml_device_properties *props);

/* The level of the CPU backend's fast kernels in this process: "avx512", "avx2", "neon",
 * "dotprod", "i8mm", "scalar"... (EDGEML_CPU_ISA may ask for a lower one). *rejected (may be
 * NULL) gets EDGEML_CPU_ISA's value when it named a level this CPU cannot run, else NULL. */
const char *edgeml_cpu_kernels(const char **rejected);

/* Multiply-accumulates per second one core reaches in the peak probe of those kernels for
 * dtype (EDGEML_DTYPE_INT8 or EDGEML_DTYPE_FLOAT32), the best of a few runs of ~1 M
 * iterations; 0 where the level has none. For benchmarks' efficiency figures. */
double edgeml_cpu_peak_macs(edgeml_dtype dtype);

/* The backends built in ("cpu", "vulkan"), index < edgeml_backend_count(); NULL past the end.
 * *why_none (may be NULL) says why a backend has no device (no driver, not built), else "". */
size_t edgeml_backend_count(void);
const char *edgeml_backend_name(size_t index, const char **why_none);

/* ---- model ------------------------------------------------------------------------------ */

typedef struct edgeml_model edgeml_model;

/* Description of a model input/output or a session tensor. Pointers stay valid for the
 * lifetime of the model. quant_count is 0 for a tensor without quantization parameters,
 * 1 for per-tensor and the channel count for per-axis (quant_axis) parameters. */
typedef struct edgeml_tensor_info {
	const char *name;
	edgeml_dtype dtype;
	uint32_t rank;
	int64_t dims[EDGEML_MAX_RANK];
	size_t size_bytes;
	uint32_t quant_count;
	int32_t quant_axis;
	const float *quant_scales;
	const int32_t *quant_zero_points;
} edgeml_tensor_info;

/* Loads a .eml model file or a .emlpkg package (see "packages" below); every field is
 * validated before use. The file is read into the model's own memory first, so what was
 * validated is what sessions use: a file rewritten or truncated after the load changes
 * nothing (a mapping would see the new bytes, or raise SIGBUS). A memfd sealed with
 * F_SEAL_WRITE and F_SEAL_SHRINK (given as /proc/self/fd/N) can never change, so it is mapped
 * and used in place instead: the zero-copy way to share one model image between processes.
 * The context must outlive the model; it may be NULL. */
edgeml_status edgeml_model_load_file(edgeml_context *ctx, const char *path, edgeml_model **out);
/* Loads a model from memory. When data is 64-byte aligned it is used in place and must
 * outlive the model unchanged (it is validated once, at load); otherwise it is copied into
 * an aligned buffer first. */
edgeml_status edgeml_model_load_memory(edgeml_context *ctx, const void *data, size_t size,
				       edgeml_model **out);
void edgeml_model_free(edgeml_model *model);

size_t edgeml_model_input_count(const edgeml_model *model);
size_t edgeml_model_output_count(const edgeml_model *model);
edgeml_status edgeml_model_input_info(const edgeml_model *model, size_t index,
				      edgeml_tensor_info *info);
edgeml_status edgeml_model_output_info(const edgeml_model *model, size_t index,
				       edgeml_tensor_info *info);
/* Index of the input/output with that name, or EDGEML_ERR_NOT_FOUND. */
edgeml_status edgeml_model_find_input(const edgeml_model *model, const char *name, size_t *index);
edgeml_status edgeml_model_find_output(const edgeml_model *model, const char *name, size_t *index);

/* ---- image inputs (docs/stream.md) ------------------------------------------------------ */

/* Camera frame formats an image input takes (`edgeml convert --image-input`). */
typedef enum edgeml_pixel_format {
	EDGEML_PIXEL_FORMAT_NONE = 0,
	EDGEML_PIXEL_FORMAT_NV12 = 1,  /* Y plane, then U,V interleaved at half resolution */
	EDGEML_PIXEL_FORMAT_YUYV = 2,  /* 4:2:2 packed, Y0 U Y1 V (V4L2's YUYV) */
	EDGEML_PIXEL_FORMAT_RGB24 = 3, /* R G B per pixel */
	EDGEML_PIXEL_FORMAT_BGR24 = 4, /* B G R per pixel */
} edgeml_pixel_format;

/* How an image input turns a frame into the model's input (docs/ops.md, ImagePreprocess):
 * the frame (format, width x height, frame_bytes; rows packed, no padding), the region that
 * is resized (crop_*), the output image, its layout and channel order, the normalisation
 * (x / 255 - mean[c]) / std[c] and, for a quantized output, its scale and zero point. */
typedef struct edgeml_image_input_info {
	edgeml_pixel_format format;
	const char *format_name; /* "nv12", ... */
	uint32_t width, height;
	size_t frame_bytes;
	uint32_t crop_x, crop_y, crop_width, crop_height;
	uint32_t out_width, out_height;
	const char *resize;	   /* "bilinear" or "nearest" */
	const char *layout;	   /* "nchw" or "nhwc" */
	const char *channel_order; /* "rgb" or "bgr" */
	float mean[3], std[3];
	edgeml_dtype out_dtype;
	float out_scale; /* quantized outputs only */
	int32_t out_zero_point;
} edgeml_image_input_info;

/* Fills info when model input index is an image input; EDGEML_ERR_NOT_FOUND (with a message)
 * when it is an ordinary tensor. */
edgeml_status edgeml_model_input_image(const edgeml_model *model, size_t index,
				       edgeml_image_input_info *info);

/* ---- packages (docs/fleet.md) ------------------------------------------------------------ */

/* A package (.emlpkg, made by `edgeml pack`) is a model plus a manifest (name, version,
 * hashes, requirements, self-tests), signed with Ed25519 and optionally encrypted. The two
 * load calls above take packages as well as bare .eml files:
 *   - the payload's BLAKE2b-256 must match the manifest, and the device must meet the
 *     package's requirements (isa=..., backend=...);
 *   - when the device has a trust store (a trust directory with a trusted.d subdirectory),
 *     every model must be a package signed by a key of trusted.d (files NAME.pub) that is
 *     not also in revoked.d; anything else fails with EDGEML_ERR_UNTRUSTED, naming the key
 *     and the byte range that failed. Without trusted.d, signatures are not checked;
 *   - an encrypted package is decrypted with the key of keys.d (files NAME.key) it names,
 *     into memory that is locked (never swapped) and zeroed when the model is freed.
 * The trust directory is /etc/edgeml, or $EDGEML_TRUST_DIR, or what this call sets (NULL
 * returns to the default). */
edgeml_status edgeml_context_set_trust_dir(edgeml_context *ctx, const char *dir);

/* The trust store in force for ctx (NULL: the process's default): its directory, whether it
 * is active (it has trusted.d/: only signed packages load) and the keys it holds. dir lives
 * until the context's trust directory is set again (or the environment changes). */
typedef struct edgeml_trust_info {
	const char *dir;
	int active;
	uint32_t n_trusted, n_revoked, n_decrypt;
} edgeml_trust_info;
edgeml_status edgeml_trust_info_get(const edgeml_context *ctx, edgeml_trust_info *info);

/* The manifest of a model loaded from a package. Strings live as long as the model. */
typedef struct edgeml_package_info {
	const char *name;	    /* e.g. "kws" */
	const char *version;	    /* semantic version, e.g. "1.4.0" */
	const char *parent_version; /* the version this one updates, or "" */
	uint64_t sequence;	    /* grows with every release: a store refuses older ones */
	uint64_t created;	    /* seconds since 1970 */
	const char *model_hash;	    /* BLAKE2b-256 of the .eml inside, 64 hex digits */
	const char *signed_by;	    /* id of the trusted key that verified, "" without a store */
	int encrypted;
	uint32_t n_selftests;
} edgeml_package_info;

/* Fills info; EDGEML_ERR_NOT_FOUND when the model was loaded from a bare .eml. */
edgeml_status edgeml_model_package_info(const edgeml_model *model, edgeml_package_info *info);

/* ---- model store (docs/fleet.md) ---------------------------------------------------------- */

/* A device keeps its models in a store directory (default /var/lib/edgeml, or
 * $EDGEML_STORE_DIR, or dir): every installed version of each name, which one is active, and
 * the highest release sequence seen. `edgeml store install` (or edgeml_store_install) checks
 * a package (signature, requirements), runs its self-tests here and only then makes it the
 * active version, atomically: a power cut at any moment leaves the old or the new version
 * active, never neither. An app uses the active version and follows updates:
 *
 *   edgeml_store_open(ctx, NULL, &store);
 *   edgeml_store_load_active(store, "kws", &model);  edgeml_session_create(model, NULL, &s);
 *   for (;;) {
 *       ... runs on s ...
 *       int changed;                          // between runs: a safe point
 *       if (edgeml_store_poll(store, model, &changed) == EDGEML_OK && changed) {
 *           destroy s and model; load_active again; create a new session;
 *       }
 *       if (outputs look wrong) edgeml_store_report_health(store, "kws", 0);  // roll back
 *   }
 */
typedef struct edgeml_store edgeml_store;

edgeml_status edgeml_store_open(edgeml_context *ctx, const char *dir, edgeml_store **out);
void edgeml_store_close(edgeml_store *store);

/* Loads the active version of name (checked like any package load). When it no longer loads
 * (damaged on disk), it is marked bad and the last healthy version is made active and loaded. */
edgeml_status edgeml_store_load_active(edgeml_store *store, const char *name, edgeml_model **out);
/* *changed = 1 when another version of current's name is now active. Reads one small file. */
edgeml_status edgeml_store_poll(edgeml_store *store, const edgeml_model *current, int *changed);

/* Installs a package and makes it active. Refused: a package that fails to load or its
 * self-tests here (EDGEML_ERR_SELFTEST), and one whose sequence is not above every version
 * installed before (EDGEML_ERR_UNTRUSTED: a replayed old release) unless flags has
 * EDGEML_STORE_ALLOW_DOWNGRADE. On any failure the active version stays. */
#define EDGEML_STORE_ALLOW_DOWNGRADE (1u << 0)
edgeml_status edgeml_store_install(edgeml_store *store, const char *package_path, uint32_t flags);
/* The app's verdict on the active version of name: healthy = 0 marks it bad and makes the
 * last healthy version active again (apps polling see the change); 1 marks it good. */
edgeml_status edgeml_store_report_health(edgeml_store *store, const char *name, int healthy);
/* Makes the previous version active again / makes an installed version active. */
edgeml_status edgeml_store_rollback(edgeml_store *store, const char *name);
edgeml_status edgeml_store_activate(edgeml_store *store, const char *name, const char *version);

/* Reading the store (what `edgeml store list|status` prints). Each name keeps up to
 * EDGEML_STORE_MAX_VERSIONS versions; installing one more drops the oldest idle one. */
#define EDGEML_STORE_MAX_VERSIONS 16

typedef enum edgeml_store_health {
	EDGEML_STORE_NEW = 0,  /* installed, self-tests passed, no health report yet */
	EDGEML_STORE_GOOD = 1, /* the app reported good health while it was active */
	EDGEML_STORE_BAD = 2,  /* the app reported bad health: never rolled back to */
} edgeml_store_health;

/* "new", "good" or "bad". */
const char *edgeml_store_health_name(edgeml_store_health health);

typedef struct edgeml_store_version {
	char version[65];      /* semantic version, e.g. "1.4.0" */
	uint64_t sequence;     /* the package's release sequence */
	char package_hash[65]; /* BLAKE2b-256 of the package file, 64 hex digits */
	char model_hash[65];   /* the manifest's model hash */
	edgeml_store_health health;
} edgeml_store_version;

/* The versions of one name, oldest first. */
typedef struct edgeml_store_state {
	uint32_t n_versions;
	int32_t active;	     /* index into versions, -1 for none */
	int32_t previous;    /* the version active before the last switch, -1 for none */
	uint64_t highest;    /* highest sequence ever installed: the replay counter */
	uint64_t generation; /* grows with every switch (what edgeml_store_poll watches) */
	edgeml_store_version versions[EDGEML_STORE_MAX_VERSIONS];
} edgeml_store_state;

/* The store's directory (lives as long as the store). */
const char *edgeml_store_dir(const edgeml_store *store);
/* Fills out with the versions of name: EDGEML_ERR_NOT_FOUND when nothing of that name is
 * installed, EDGEML_ERR_FORMAT when its state file is damaged. Reads one small file. */
edgeml_status edgeml_store_versions(const edgeml_store *store, const char *name,
				    edgeml_store_state *out);
/* The names installed, sorted: *names is an array of *count strings, freed with
 * edgeml_store_names_free() (NULL and 0 for an empty store). */
edgeml_status edgeml_store_names(const edgeml_store *store, char ***names, uint32_t *count);
void edgeml_store_names_free(char **names, uint32_t count);

/* ---- session ---------------------------------------------------------------------------- */

typedef struct edgeml_session edgeml_session;
typedef struct edgeml_tensor edgeml_tensor;

typedef enum edgeml_backend_kind {
	EDGEML_BACKEND_AUTO = 0, /* the best device: see edgeml_session_options.device */
	EDGEML_BACKEND_CPU = 1,
	EDGEML_BACKEND_VULKAN = 2,
} edgeml_backend_kind;

typedef struct edgeml_session_options {
	uint32_t struct_size;        /* sizeof(edgeml_session_options), for ABI growth */
	edgeml_backend_kind backend; /* default AUTO */
	/* CPU threads, the calling thread included: 0 = default, as many as the cores this
	 * process may use (its affinity mask, at most its cgroup CPU quota; only cpu_cores /
	 * the big cores when set); 1 = the calling thread alone. The pool degrades gracefully
	 * when cores are shared: a busy or slow core delays only its own share of the work
	 * (docs/threads.md). */
	uint32_t threads;
	/* The device, as text: with AUTO, its index in edgeml_device_info(); with a backend
	 * named, its index among that backend's devices; either way also "BACKEND:N" (e.g.
	 * "vulkan:0"), a DRM node, or part of the device's name (case-insensitive). NULL or ""
	 * = AUTO's choice: the first usable device of the best type (discrete GPU, integrated,
	 * virtual, the CPU, software renderers last); a model it cannot run goes to the next. */
	const char *device;
	uint32_t flags;              /* EDGEML_SESSION_* bits; default 0 */
	/* The directory of the caches (Vulkan's shaders and pipelines, AUTO's latency record);
	 * NULL = EDGEML_CACHE_DIR, else $XDG_CACHE_HOME/edgeml, else ~/.cache/edgeml; "off" = no
	 * disk cache and no latency record. */
	const char *cache_dir;
	/* CPU: the cores the worker threads may run on, a Linux CPU list such as "0-3,6" (each
	 * worker may move among them; the calling thread keeps its own affinity); NULL = no
	 * pinning. */
	const char *cpu_cores;
} edgeml_session_options;

/* The nodes the chosen device cannot run go to the CPU backend (its fast kernels) instead of
 * failing session creation: the session runs partitions of consecutive nodes, each on its
 * backend, and copies the tensors crossing between them (counted in edgeml_session_stats and
 * in the profile). */
#define EDGEML_SESSION_CPU_FALLBACK (1u << 0)
/* CPU backend: every node runs on its reference kernel (the plain C oracle the fast kernels
 * are tested against) whatever EDGEML_CPU_ISA says; for checking a result or a kernel. */
#define EDGEML_SESSION_REFERENCE_KERNELS (1u << 1)
/* big.LITTLE boards: the CPU worker threads run only on the fastest cores (the largest
 * cpu_capacity, else cpuinfo_max_freq, in sysfs), and the default thread count counts only
 * those; no effect where all cores are alike. */
#define EDGEML_SESSION_BIG_CORES (1u << 2)
/* CPU backend: float results bit-identical to the reference kernels. Without it the fast
 * float kernels may sum in other orders where that is faster (Winograd convolutions),
 * within the tolerance of docs/ops.md ("Float results"); int8 is bit-exact either way. */
#define EDGEML_SESSION_EXACT_FLOAT (1u << 3)
/* CPU backend: the worker threads keep the creating thread's priority. Without it, workers
 * made by a thread of the normal policy and not pinned (no cpu_cores, no
 * EDGEML_SESSION_BIG_CORES) run as SCHED_IDLE: they use a core only when nothing
 * else wants it, so inference at several threads never takes time from the application's
 * other work or from its own calling thread, and a busy core costs it at most that core
 * (docs/threads.md); with it, workers compete for busy cores like any thread. */
#define EDGEML_SESSION_WORKERS_COMPETE (1u << 4)

/* Fills options with the defaults. */
void edgeml_session_options_init(edgeml_session_options *options);

/* The device a session made with options (NULL: defaults) would run on first: *index in
 * edgeml_device_info(), SIZE_MAX when a backend was named without a device (its own choice).
 * why (size bytes) says what AUTO found. Session creation may still fall back, under AUTO,
 * to the next device when the model does not run on this one. */
edgeml_status edgeml_device_choose(const edgeml_session_options *options, size_t *index,
				   char *why, size_t size);

/* Runs the self-tests of a model loaded from a package on a session made with options (may
 * be NULL): each sets its input (the other inputs are zero) and compares its output with the
 * expected one, element by element within its tolerance. EDGEML_ERR_SELFTEST names the first test, element and
 * values that differ. *passed (may be NULL) counts the tests that passed. When the
 * package states a latency budget, all tests are then run 5 more times and their median
 * time must be within it, else EDGEML_ERR_SELFTEST names measured and budget. */
edgeml_status edgeml_model_run_selftests(const edgeml_model *model,
					 const edgeml_session_options *options, uint32_t *passed);

/* ---- measured latency: AUTO's record ------------------------------------------------------ */

/* Records median_ms (measured by the caller: `edgeml bench` does) as the latency of the
 * session's model on the session's device with the threads and flags its options gave, in
 * the latency record of cache_dir (NULL: the default directory of
 * edgeml_session_options.cache_dir). A session made under AUTO then tries the device with
 * the fastest measurement first among the devices the record has measured for the same
 * model, threads and flags; devices without one keep their place in AUTO's type rule. The
 * record is a small text file that a damaged or foreign copy of cannot make a session fail
 * (docs/architecture.md, "AUTO"). EDGEML_ERR_UNSUPPORTED when caching is "off" or the
 * directory cannot be made, EDGEML_ERR_IO naming the file when it cannot be written (the
 * old record is then unchanged). */
edgeml_status edgeml_session_record_latency(const edgeml_session *session, const char *cache_dir,
					    double median_ms);

/* The recorded median latency (ms) of model on device (an index of edgeml_device_info) with
 * the threads and flags of options (NULL: defaults), from options' cache directory;
 * EDGEML_ERR_NOT_FOUND when the record has none. */
edgeml_status edgeml_model_recorded_latency(const edgeml_model *model,
					    const edgeml_session_options *options, size_t device,
					    double *median_ms);

/* Prepares a session: picks the backend, checks every node, plans memory. All allocation
 * happens here; edgeml_session_run() allocates nothing. options may be NULL. */
edgeml_status edgeml_session_create(const edgeml_model *model, const edgeml_session_options *options,
				    edgeml_session **out);
void edgeml_session_destroy(edgeml_session *session);

/* Name of the backend the session runs on ("cpu-ref", ...). */
const char *edgeml_session_backend_name(const edgeml_session *session);

/* The session's tensor for model input/output number index. Tensors belong to the session. */
edgeml_status edgeml_session_input(edgeml_session *session, size_t index, edgeml_tensor **out);
edgeml_status edgeml_session_output(edgeml_session *session, size_t index, edgeml_tensor **out);
edgeml_status edgeml_session_input_by_name(edgeml_session *session, const char *name,
					   edgeml_tensor **out);
edgeml_status edgeml_session_output_by_name(edgeml_session *session, const char *name,
					    edgeml_tensor **out);

/* Runs the graph once on the current input contents. */
edgeml_status edgeml_session_run(edgeml_session *session);

/* A run in two halves: submit starts it and returns while a GPU backend works (the CPU
 * backend runs it all in submit); wait finishes it. In between, inputs must not be written
 * nor outputs read: prepare the next frame in your own memory. edgeml_session_run() is
 * submit + wait. Submitting twice without a wait is an error. */
edgeml_status edgeml_session_submit(edgeml_session *session);
edgeml_status edgeml_session_wait(edgeml_session *session);

/* Why the session runs where it does, e.g. "vulkan on 'AMD Radeon ...' (discrete GPU,
 * /dev/dri/renderD128)" or "cpu-ref (auto: cpu device 0 '...'; passed over: vulkan 'llvmpipe',
 * software ...)". */
const char *edgeml_session_backend_detail(const edgeml_session *session);

/* What a session's runs cost, so that zero-copy input is measured rather than assumed.
 * Bytes copied count every input byte the library copied on the way to the backend:
 * edgeml_tensor_write() into an input since the previous run, and any staging copy the
 * backend makes of imported memory. Writes through edgeml_tensor_data() are the caller's
 * own and not seen; outputs are not counted (read them in place with edgeml_tensor_data()). */
typedef struct edgeml_session_stats {
	uint32_t struct_size;	       /* sizeof(edgeml_session_stats), set by the caller */
	uint64_t runs;		       /* successful runs */
	uint64_t bytes_copied_last_run; /* input bytes copied for the last run */
	uint64_t bytes_copied_total;    /* over all runs */
	uint64_t bytes_imported_last_run; /* input bytes the last run read from imported memory */
	uint64_t last_run_ns;	       /* wall time of the last run (CLOCK_MONOTONIC) */
	uint64_t total_run_ns;	       /* over all runs */
	uint64_t buffers_mapped;       /* external buffers mapped so far (imports that missed
					* the session's mapping cache) */
	uint64_t arena_bytes;	       /* the activation arena the backend planned */
	uint64_t arena_naive_bytes;    /* what its tensors would take with a buffer each */
	uint64_t io_bytes;	       /* the buffers of model inputs and outputs (and, with
					* several partitions, of the tensors between them) */
	uint64_t transfers_last_run;   /* tensors copied between partitions in the last run */
	uint64_t bytes_transferred_last_run; /* their bytes */
	uint64_t bytes_transferred_total;    /* over all runs */
	/* CPU thread pool (threads > 1), over all runs: parallel loops (layers or phases of
	 * one) it ran, their tasks run by the calling thread and by the workers, and how often
	 * a worker slept on the futex for lack of a loop or the caller slept waiting for a
	 * worker's task (docs/threads.md). A small worker share means the workers rarely got
	 * going: the other cores are busy, or loops are too short for a woken worker. */
	uint64_t cpu_parallel_loops;
	uint64_t cpu_tasks_caller;
	uint64_t cpu_tasks_workers;
	uint64_t cpu_worker_sleeps;
	uint64_t cpu_caller_sleeps;
	uint64_t cpu_caller_wait_ns;
} edgeml_session_stats;

/* Fills stats (set stats->struct_size first; a smaller struct gets the fields it has). */
edgeml_status edgeml_session_stats_get(const edgeml_session *session, edgeml_session_stats *stats);

/* ---- profiling ------------------------------------------------------------------------- */

/* One node's share of the runs since edgeml_session_profile_start(). */
typedef struct edgeml_node_profile {
	uint32_t node;	     /* index in the model's graph */
	const char *name;    /* the node's name, "" when it has none */
	const char *op;	     /* e.g. "QLinearConv" */
	const char *backend; /* what ran it: "cpu", "vulkan" */
	const char *kernel;  /* the CPU kernel ("reference" = the plain C oracle) or "gpu" */
	double ms;	     /* mean time per run */
	uint64_t macs;	     /* multiply-accumulates per run: convolutions and matrix products */
	int conv1x1;	     /* a convolution with a 1x1 kernel */
	/* Copies of the node's inputs from another partition (another backend), made before
	 * the node's partition runs, mean per run: how many, their bytes and time (not in ms).
	 * Each copied tensor is counted once, at the first node of the partition reading it. */
	double transfers;
	uint64_t transfer_bytes;
	double transfer_ms;
} edgeml_node_profile;

/* Starts (or restarts) timing every node of the session's runs; runs cost a clock read per
 * node from then on. */
edgeml_status edgeml_session_profile_start(edgeml_session *session);
/* Fills up to max entries, one per node the backend timed, in graph order (the CPU lists
 * reshapes it skips as kernel "view", at 0 ms); *count (may be NULL) gets how many there are.
 * Strings live as long as the session. Start: EDGEML_ERR_UNSUPPORTED when the session's
 * backend cannot time nodes. */
edgeml_status edgeml_session_profile(const edgeml_session *session, edgeml_node_profile *out,
				     size_t max, size_t *count);

/* ---- tensor ----------------------------------------------------------------------------- */

edgeml_status edgeml_tensor_info_get(const edgeml_tensor *tensor, edgeml_tensor_info *info);
/* The tensor's memory: write inputs here before a run, read outputs after it. Outputs are
 * valid until the next run. */
void *edgeml_tensor_data(edgeml_tensor *tensor);
/* Copies size bytes (must equal the tensor's size) into / out of the tensor. */
edgeml_status edgeml_tensor_write(edgeml_tensor *tensor, const void *src, size_t size);
edgeml_status edgeml_tensor_read(const edgeml_tensor *tensor, void *dst, size_t size);

/* Binds an input tensor to external memory instead of its own buffer: size bytes at offset
 * of fd, a dma-buf (e.g. a sensor frame from /dev/edgeml) or a memfd sealed against
 * shrinking (MFD_ALLOW_SEALING, then fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)): a buffer that a
 * peer could truncate during a run would crash it (SIGBUS), so an unsealed memfd or a plain
 * file is refused with EDGEML_ERR_INVALID_ARGUMENT (write its data in instead). The
 * memory must already hold the tensor's elements exactly as declared (dtype, dims, dense
 * row-major): size must be at least the tensor's bytes, offset + size within the buffer and
 * offset a multiple of 64. The backend reads it in place where it can (the CPU always), which
 * edgeml_session_stats_get() reports as 0 bytes copied. Runs then bracket their reads with
 * DMA_BUF_IOCTL_SYNC (a plain fd needs none); the data must not change during a run.
 * The session maps each buffer once and keeps it mapped (with its own duplicate of fd, so fd
 * may be closed), so importing a ring's buffers frame after frame costs one fstat per call.
 * Mappings are released at session destroy, or when more than 64 buffers were imported.
 * While imported, edgeml_tensor_data() returns the read-only mapping. fd -1 (offset and size
 * 0) or edgeml_tensor_write() returns the tensor to its own buffer. */
edgeml_status edgeml_tensor_import_dmabuf(edgeml_tensor *tensor, int fd, uint64_t offset,
					  uint64_t size);

#ifdef __cplusplus
}
#endif

#endif /* EDGEML_H */
