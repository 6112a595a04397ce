/*
 * convert_tensor_file.c — reading the value of `--constant NAME=FILE`: a NumPy .npy file
 * (C order, little-endian float32/uint8/int8/int32/int64) or an ONNX TensorProto (.pb, as
 * in the ONNX test data).
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

/* The value text after 'key': in a .npy header dict, or NULL. */
static const char *npy_field(const char *hdr, const char *key)
{
	const char *p = strstr(hdr, key);
	if (!p)
		return NULL;
	p = strchr(p + strlen(key), ':');
	if (!p)
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

/* Parses a .npy file image into desc (data copied). */
static edgeml_status parse_npy(const char *path, const uint8_t *buf, size_t len, eml_tensor *desc)
{
	static const struct {
		const char *descr;
		uint32_t dtype;
	} types[] = {
		{ "f4'", EDGEML_DTYPE_FLOAT32 }, { "u1'", EDGEML_DTYPE_UINT8 },
		{ "i1'", EDGEML_DTYPE_INT8 },	 { "i4'", EDGEML_DTYPE_INT32 },
		{ "i8'", EDGEML_DTYPE_INT64 },
	};
	if (len < 10)
		return eml_error(EDGEML_ERR_FORMAT, "%s: truncated .npy header", path);
	size_t hlen, hoff;
	if (buf[6] == 1) {
		hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
		hoff = 10;
	} else if ((buf[6] == 2 || buf[6] == 3) && len >= 12) {
		hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
		       (size_t)buf[11] << 24;
		hoff = 12;
	} else {
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%s: .npy version %u is not supported",
				 path, buf[6]);
	}
	if (hlen > len - hoff || hlen > 65536)
		return eml_error(EDGEML_ERR_FORMAT, "%s: .npy header is truncated", path);
	char hdr[65537];
	memcpy(hdr, buf + hoff, hlen);
	hdr[hlen] = '\0';
	const char *d = npy_field(hdr, "'descr'");
	const char *fo = npy_field(hdr, "'fortran_order'");
	const char *sh = npy_field(hdr, "'shape'");
	if (!d || !fo || !sh || *d != '\'' || *sh != '(')
		return eml_error(EDGEML_ERR_FORMAT, "%s: malformed .npy header", path);
	if (strncmp(fo, "False", 5) != 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "%s: Fortran-order arrays are not supported", path);
	d++;
	if (*d != '<' && *d != '|' && *d != '=')
		return eml_error(EDGEML_ERR_UNSUPPORTED, "%s: big-endian arrays are not supported",
				 path);
	d++;
	desc->dtype = 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strncmp(d, types[i].descr, 3) == 0)
			desc->dtype = types[i].dtype;
	if (!desc->dtype)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "%s: element type is not float32, uint8, int8, int32 or int64",
				 path);
	desc->rank = 0;
	const char *p = sh + 1;
	for (;;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == ')')
			break;
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p || v < 0 || desc->rank >= EML_MAX_RANK)
			return eml_error(EDGEML_ERR_FORMAT, "%s: bad shape in .npy header", path);
		desc->dims[desc->rank++] = v;
		p = end;
	}
	uint64_t bytes = eml_tensor_bytes(desc);
	size_t data_off = hoff + hlen;
	if ((bytes == 0 && eml_tensor_numel(desc) != 0) || bytes != len - data_off)
		return eml_error(EDGEML_ERR_FORMAT,
				 "%s: holds %zu data bytes, its shape needs %llu", path,
				 len - data_off, (unsigned long long)bytes);
	void *data = malloc(bytes ? bytes : 1);
	if (!data)
		return eml_error(EDGEML_ERR_NO_MEMORY, "%s: out of memory", path);
	memcpy(data, buf + data_off, bytes);
	desc->data = data;
	desc->data_size = bytes;
	return EDGEML_OK;
}

edgeml_status eml_convert_read_tensor_file(const char *path, eml_tensor *out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	memset(out, 0, sizeof(*out));
	edgeml_status st = read_file(path, &buf, &len);
	if (st)
		return st;
	if (len >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0) {
		st = parse_npy(path, buf, len, out);
	} else {
		Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, buf);
		if (!tp) {
			st = eml_error(EDGEML_ERR_FORMAT,
				       "%s: neither a .npy file nor a TensorProto", path);
		} else {
			void *data;
			st = cv_tensor_from_proto(tp, path, out, &data);
			onnx__tensor_proto__free_unpacked(tp, NULL);
		}
	}
	free(buf);
	if (st)
		memset(out, 0, sizeof(*out));
	return st;
}
