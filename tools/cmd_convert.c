/* cmd_convert.c — `edgeml convert`: the command line around the converter and the writer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "edgeml_convert.h"
#include "file_io.h"
#include "npy.h"

/* Prints the command's help. */
static void usage(FILE *f)
{
	fprintf(f,
		"usage: edgeml convert MODEL.onnx OUT.eml [options]\n\n"
		"Converts an ONNX model (float32, or quantized as QDQ / QLinear ops) to .eml.\n\n"
		"options:\n"
		"  --verbose                    print the graph before and after the passes\n"
		"  --input-shape NAME=D0,D1,... fix the shape of an input with symbolic dims\n"
		"  --constant NAME=FILE         freeze input NAME to the tensor in FILE\n"
		"                               (.npy, or an ONNX TensorProto .pb)\n"
		"  --image-input NAME=FMT,WxH   feed input NAME (float32 [1,3,H,W] or [1,H,W,3])\n"
		"                               raw camera frames: FMT nv12, yuyv, rgb24 or bgr24,\n"
		"                               W x H the frame; the options below apply to it:\n"
		"    --mean M[,M,M]             per channel, in [0, 1] units (default 0)\n"
		"    --std S[,S,S]              per channel (default 1): (x/255 - mean) / std\n"
		"    --resize bilinear|nearest  OpenCV's INTER_LINEAR / INTER_NEAREST (bilinear)\n"
		"    --crop X,Y,W,H             resize only this region of the frame\n"
		"    --channel-order rgb|bgr    the model's channel order (rgb)\n"
		"    --layout nchw|nhwc         when the input's shape does not tell\n"
		"  --help                       show this help\n\n"
		"exit status: 0 converted, 1 failed, 2 bad arguments,\n"
		"             3 the model uses an op, attribute or dtype outside the op set\n");
}

/* Parses "NAME=D0,D1,..." (or D0xD1x...) into shape; the name points into arg. Returns 0, or
 * prints what is wrong, naming the value, and returns -1. */
static int parse_shape(char *arg, edgeml_convert_shape *shape)
{
	static const char want[] = "--input-shape wants NAME=D0,D1,... with whole dims >= 0";
	char *eq = strrchr(arg, '=');
	if (!eq || eq == arg) {
		fprintf(stderr, "edgeml convert: %s, got '%s'\n", want, arg);
		return -1;
	}
	*eq = '\0';
	shape->name = arg;
	shape->rank = 0;
	const char *dims = eq + 1;
	char *p = eq + 1;
	if (!*p)
		return 0; /* a scalar */
	for (;;) {
		size_t len = strcspn(p, ",x");
		char *end;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end != p + len || len == 0 || !(*p >= '0' && *p <= '9') || errno == ERANGE) {
			fprintf(stderr, "edgeml convert: --input-shape %s=%s: dim '%.*s' is %s\n",
				arg, dims, (int)len, p,
				errno == ERANGE ? "too large (at most 2^63-1)" : "not a whole number >= 0");
			return -1;
		}
		if (shape->rank >= EDGEML_MAX_RANK) {
			fprintf(stderr, "edgeml convert: --input-shape %s=%s: more than %d dims\n",
				arg, dims, EDGEML_MAX_RANK);
			return -1;
		}
		shape->dims[shape->rank++] = v;
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

/* Parses up to max comma-separated numbers of arg into v (floats when f, else int64); returns
 * the count or -1 after printing what is wrong. */
static int parse_list(const char *opt, const char *arg, int max, float *f, int64_t *v)
{
	int n = 0;
	const char *p = arg;
	for (;;) {
		char *end;
		errno = 0;
		if (f)
			f[n] = strtof(p, &end);
		else
			v[n] = strtoll(p, &end, 10);
		if (end == p || errno == ERANGE || (*end != ',' && *end != '\0') || n == max) {
			fprintf(stderr, "edgeml convert: %s wants %s%d comma-separated %s, got '%s'\n",
				opt, max > 1 ? "up to " : "", max, f ? "numbers" : "whole numbers",
				arg);
			return -1;
		}
		n++;
		if (*end == '\0')
			return n;
		p = end + 1;
	}
}

/* Parses --image-input's "NAME=FMT,WxH" into im (the name points into arg); 0 or -1. */
static int parse_image(char *arg, edgeml_convert_image *im)
{
	char *eq = strrchr(arg, '=');
	char *comma = eq ? strchr(eq, ',') : NULL;
	long long w = 0, h = 0;
	char tail;
	if (!eq || eq == arg || !comma ||
	    sscanf(comma + 1, "%lldx%lld%c", &w, &h, &tail) != 2) {
		fprintf(stderr, "edgeml convert: --image-input wants NAME=FORMAT,WIDTHxHEIGHT "
				"(e.g. input=nv12,1280x720), got '%s'\n", arg);
		return -1;
	}
	*eq = '\0';
	*comma = '\0';
	im->name = arg;
	im->format = eq + 1;
	im->width = w;
	im->height = h;
	return 0;
}

/* Whether s is a or b; else prints what opt wants. */
static int one_of(const char *opt, const char *s, const char *a, const char *b)
{
	if (strcmp(s, a) == 0 || strcmp(s, b) == 0)
		return 1;
	fprintf(stderr, "edgeml convert: %s wants %s or %s, got '%s'\n", opt, a, b, s);
	return 0;
}

/* An --image-input sub-option (argv[i] with its value v) for the last --image-input im;
 * returns 1 taken, 0 not one of them, -1 bad. */
static int image_option(const char *a, const char *v, edgeml_convert_image *im)
{
	static const char *const opts[] = { "--mean", "--std", "--resize", "--crop",
					    "--channel-order", "--layout" };
	int k = -1;
	for (int i = 0; i < 6; i++)
		if (strcmp(a, opts[i]) == 0)
			k = i;
	if (k < 0)
		return 0;
	if (!im) {
		fprintf(stderr, "edgeml convert: %s belongs to an --image-input: give it after "
				"one\n", a);
		return -1;
	}
	int n;
	switch (k) {
	case 0:
	case 1:
		n = parse_list(a, v, 3, k ? im->std : im->mean, NULL);
		if (n == 2) {
			fprintf(stderr, "edgeml convert: %s wants 1 or 3 values, got '%s'\n", a, v);
			return -1;
		}
		if (n > 0)
			*(k ? &im->n_std : &im->n_mean) = (uint32_t)n;
		return n > 0 ? 1 : -1;
	case 2:
		im->resize = v;
		return one_of(a, v, "bilinear", "nearest") ? 1 : -1;
	case 3:
		n = parse_list(a, v, 4, NULL, im->crop);
		if (n >= 0 && n != 4) {
			fprintf(stderr, "edgeml convert: --crop wants X,Y,W,H, got '%s'\n", v);
			return -1;
		}
		im->has_crop = 1;
		return n == 4 ? 1 : -1;
	case 4:
		im->channel_order = v;
		return one_of(a, v, "rgb", "bgr") ? 1 : -1;
	default:
		im->layout = v;
		return one_of(a, v, "nchw", "nhwc") ? 1 : -1;
	}
}

/* Everything the command allocates, freed in one place. */
typedef struct cmd_state {
	edgeml_convert_image *images;
	uint32_t n_images;
	edgeml_convert_shape *shapes;
	edgeml_convert_constant *constants;
	const char **constant_files; /* --constant NAME=FILE: the files, read after parsing */
	uint32_t n_shapes, n_constants;
	edgeml_converted *conv;
} cmd_state;

/* Frees the command's state. */
static void cmd_free(cmd_state *s)
{
	for (uint32_t i = 0; i < s->n_constants; i++)
		free((void *)s->constants[i].data);
	free(s->images);
	free(s->shapes);
	free(s->constants);
	free(s->constant_files);
	edgeml_converted_free(s->conv);
}

/* Parses the arguments into s and the option struct without reading a file; returns an exit
 * code or -1 to go on. */
static int parse_args(int argc, char **argv, cmd_state *s, edgeml_convert_options *opt,
		      const char **paths)
{
	int n_paths = 0, rc;
	s->shapes = calloc((size_t)argc + 1, sizeof(*s->shapes));
	s->constants = calloc((size_t)argc + 1, sizeof(*s->constants));
	s->constant_files = calloc((size_t)argc + 1, sizeof(*s->constant_files));
	s->images = calloc((size_t)argc + 1, sizeof(*s->images));
	if (!s->shapes || !s->constants || !s->constant_files || !s->images) {
		fprintf(stderr, "edgeml convert: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			opt->log = stdout;
		} else if (strcmp(a, "--input-shape") == 0 && i + 1 < argc) {
			edgeml_convert_shape *shape = &s->shapes[s->n_shapes];
			if (parse_shape(argv[++i], shape) != 0)
				return 2;
			for (uint32_t k = 0; k < s->n_shapes; k++)
				if (strcmp(s->shapes[k].name, shape->name) == 0) {
					fprintf(stderr,
						"edgeml convert: --input-shape given more than once "
						"for input '%s'\n",
						shape->name);
					return 2;
				}
			s->n_shapes++;
		} else if (strcmp(a, "--image-input") == 0 && i + 1 < argc) {
			edgeml_convert_image *im = &s->images[s->n_images];
			if (parse_image(argv[++i], im) != 0)
				return 2;
			for (uint32_t k = 0; k < s->n_images; k++)
				if (strcmp(s->images[k].name, im->name) == 0) {
					fprintf(stderr, "edgeml convert: --image-input given more "
							"than once for input '%s'\n", im->name);
					return 2;
				}
			s->n_images++;
		} else if (i + 1 < argc &&
			   (rc = image_option(a, argv[i + 1],
					      s->n_images ? &s->images[s->n_images - 1] : NULL))) {
			if (rc < 0)
				return 2;
			i++;
		} else if (strcmp(a, "--constant") == 0 && i + 1 < argc) {
			char *arg = argv[++i];
			char *eq = strchr(arg, '=');
			if (!eq || eq == arg || !eq[1]) {
				fprintf(stderr,
					"edgeml convert: --constant wants NAME=FILE, got '%s'\n",
					arg);
				return 2;
			}
			*eq = '\0';
			for (uint32_t k = 0; k < s->n_constants; k++)
				if (strcmp(s->constants[k].name, arg) == 0) {
					fprintf(stderr,
						"edgeml convert: --constant given more than once for "
						"input '%s'\n",
						arg);
					return 2;
				}
			s->constants[s->n_constants].name = arg;
			s->constant_files[s->n_constants++] = eq + 1;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "edgeml convert: unknown or incomplete option '%s'\n", a);
			usage(stderr);
			return 2;
		} else if (n_paths < 2) {
			paths[n_paths++] = a;
		} else {
			fprintf(stderr, "edgeml convert: unexpected argument '%s'\n", a);
			return 2;
		}
	}
	if (n_paths != 2) {
		usage(stderr);
		return 2;
	}
	opt->shapes = s->shapes;
	opt->n_shapes = s->n_shapes;
	opt->constants = s->constants;
	opt->n_constants = s->n_constants;
	opt->images = s->images;
	opt->n_images = s->n_images;
	return -1;
}

/* Largest --constant file read (the converter's limit on an ONNX file). */
#define MAX_CONSTANT_FILE ((size_t)2 << 30)

/* Reads one --constant file: a NumPy .npy (the tools' reader, as `edgeml run` uses) or an
 * ONNX TensorProto (the converter's). */
static edgeml_status read_constant(const char *path, edgeml_convert_constant *t)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	edgeml_status st = eml_file_read(path, MAX_CONSTANT_FILE, &buf, &len);
	if (st != EDGEML_OK)
		return st;
	if (len >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0) {
		eml_npy npy;
		st = eml_npy_parse(buf, len, path, &npy);
		if (st == EDGEML_OK) {
			t->dtype = npy.dtype;
			t->rank = npy.rank;
			memcpy(t->dims, npy.dims, sizeof(t->dims));
			t->data = npy.data ? npy.data : malloc(1);
			t->data_size = npy.size;
			if (!t->data)
				st = tool_error(EDGEML_ERR_NO_MEMORY, "%s: out of memory", path);
		}
	} else {
		st = edgeml_convert_parse_tensor(buf, len, path, t);
	}
	free(buf);
	return st;
}

/* Reads the --constant files; returns 0 or an exit code. */
static int read_constants(cmd_state *s)
{
	for (uint32_t i = 0; i < s->n_constants; i++) {
		const char *name = s->constants[i].name;
		edgeml_convert_constant *t = &s->constants[i];
		if (read_constant(s->constant_files[i], t) != EDGEML_OK) {
			fprintf(stderr, "edgeml convert: --constant %s: %s\n", name,
				edgeml_last_error());
			t->name = name;
			return 1;
		}
		t->name = name;
	}
	return 0;
}

/* Refuses an output that is the input itself under any name (path, symlink, hard link):
 * writing it would destroy the model being read. Returns 0 or an exit code. */
static int check_not_input(const char *in, const char *out)
{
	struct stat si, so;
	if (stat(in, &si) == 0 && stat(out, &so) == 0 && si.st_dev == so.st_dev &&
	    si.st_ino == so.st_ino) {
		fprintf(stderr,
			"edgeml convert: '%s' and '%s' are the same file: the output would "
			"overwrite the input\n",
			in, out);
		return 2;
	}
	return 0;
}

int edgeml_args_convert(int argc, char **argv)
{
	cmd_state s;
	edgeml_convert_options opt;
	const char *paths[2] = { NULL, NULL };
	memset(&s, 0, sizeof(s));
	memset(&opt, 0, sizeof(opt));
	int rc = parse_args(argc, argv, &s, &opt, paths);
	cmd_free(&s);
	return rc;
}

int edgeml_cmd_convert(int argc, char **argv)
{
	cmd_state s;
	edgeml_convert_options opt;
	const char *paths[2] = { NULL, NULL };
	memset(&s, 0, sizeof(s));
	memset(&opt, 0, sizeof(opt));
	int rc = parse_args(argc, argv, &s, &opt, paths);
	if (rc < 0)
		rc = check_not_input(paths[0], paths[1]);
	else if (rc == 0)
		rc = -2; /* --help: done */
	if (rc == 0)
		rc = read_constants(&s);
	if (rc != 0) {
		cmd_free(&s);
		return rc == -2 ? 0 : rc;
	}
	edgeml_status st = edgeml_convert(paths[0], &opt, &s.conv);
	if (!st)
		st = edgeml_converted_write(s.conv, paths[1]);
	if (st) {
		fprintf(stderr, "edgeml convert: %s: %s\n", edgeml_status_string(st),
			edgeml_last_error());
		cmd_free(&s);
		/* A distinct exit status lets scripts (the conformance runner) tell "outside the
		 * op set" from a failure. */
		return st == EDGEML_ERR_UNSUPPORTED ? 3 : 1;
	}
	if (opt.log)
		printf("wrote %s: %u nodes, %u tensors\n", paths[1],
		       edgeml_converted_node_count(s.conv), edgeml_converted_tensor_count(s.conv));
	cmd_free(&s);
	return 0;
}
