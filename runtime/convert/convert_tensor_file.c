/*
 * convert_tensor_file.c — reading the value of `--constant NAME=FILE` from an ONNX
 * TensorProto (.pb, as in the ONNX test data). `edgeml convert` reads a NumPy .npy file with
 * the tools' own reader (tools/npy.c, as `edgeml run` does) and hands the rest here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"

/* Reads a whole file of at most EML_CONVERT_MAX_FILE bytes. */
static edgeml_status read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return eml_error(EDGEML_ERR_IO, "%s: cannot open", path);
	edgeml_status st = EDGEML_OK;
	long size = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		size = ftell(f);
	if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
		st = eml_error(EDGEML_ERR_IO, "%s: cannot determine the size", path);
	else if ((unsigned long)size > EML_CONVERT_MAX_FILE)
		st = eml_error(EDGEML_ERR_UNSUPPORTED, "%s: larger than 2 GiB", path);
	uint8_t *buf = NULL;
	if (!st) {
		buf = malloc((size_t)size + 1);
		if (!buf)
			st = eml_error(EDGEML_ERR_NO_MEMORY, "%s: out of memory", path);
		else if (fread(buf, 1, (size_t)size, f) != (size_t)size)
			st = eml_error(EDGEML_ERR_IO, "%s: read error", path);
	}
	fclose(f);
	if (st) {
		free(buf);
		return st;
	}
	*out = buf;
	*len = (size_t)size;
	return EDGEML_OK;
}

edgeml_status eml_convert_parse_tensor(const void *buf, size_t len, const char *what,
				     eml_tensor *out)
{
	memset(out, 0, sizeof(*out));
	edgeml_status st;
	Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, buf);
	if (!tp)
		return eml_error(EDGEML_ERR_FORMAT, "%s: neither a .npy file nor a TensorProto",
				 what);
	void *data;
	st = cv_tensor_from_proto(tp, what, out, &data);
	onnx__tensor_proto__free_unpacked(tp, NULL);
	if (st)
		memset(out, 0, sizeof(*out));
	return st;
}

edgeml_status eml_convert_read_tensor_file(const char *path, eml_tensor *out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	memset(out, 0, sizeof(*out));
	edgeml_status st = read_file(path, &buf, &len);
	if (st)
		return st;
	st = eml_convert_parse_tensor(buf, len, path, out);
	free(buf);
	if (st)
		memset(out, 0, sizeof(*out));
	return st;
}
