/* onnx_tensor.c — decoding an ONNX TensorProto (initializer, Constant value, .pb file). */
#include <stdlib.h>
#include <string.h>

#include "convert/convert_steps.h"
#include "error.h"

/* ONNX's BOOL element type: the converter carries booleans as uint8 0/1 (fold_shapes.c),
 * stored as ONNX stores them (one byte each; int32_data when not raw). */
#define ONNX_BOOL 9

/* Whether an ONNX data type is one edgeml stores. */
static int dtype_supported(int32_t dt)
{
	return dt == EDGEML_DTYPE_FLOAT32 || dt == EDGEML_DTYPE_UINT8 || dt == EDGEML_DTYPE_INT8 ||
	       dt == EDGEML_DTYPE_INT32 || dt == EDGEML_DTYPE_INT64 || dt == ONNX_BOOL;
}

/* Copies typed-field values (float_data, int32_data, int64_data) into dst of dtype. */
static edgeml_status copy_typed(const Onnx__TensorProto *tp, const char *what, uint32_t dtype,
				uint64_t numel, void *dst)
{
	switch (dtype) {
	case EDGEML_DTYPE_FLOAT32:
		if (tp->n_float_data != numel)
			break;
		memcpy(dst, tp->float_data, numel * sizeof(float));
		return EDGEML_OK;
	case EDGEML_DTYPE_INT32:
		if (tp->n_int32_data != numel)
			break;
		memcpy(dst, tp->int32_data, numel * sizeof(int32_t));
		return EDGEML_OK;
	case EDGEML_DTYPE_UINT8:
	case EDGEML_DTYPE_INT8:
		/* ONNX stores 8-bit values widened in int32_data. */
		if (tp->n_int32_data != numel)
			break;
		for (uint64_t i = 0; i < numel; i++) {
			int32_t v = tp->int32_data[i];
			int bad = dtype == EDGEML_DTYPE_UINT8 ? (v < 0 || v > 255)
							      : (v < -128 || v > 127);
			if (bad)
				return eml_error(
					EDGEML_ERR_FORMAT,
					"tensor '%s': element %llu = %d is out of range for %s",
					what, (unsigned long long)i, v,
					edgeml_dtype_name((edgeml_dtype)dtype));
			((uint8_t *)dst)[i] = (uint8_t)v;
		}
		return EDGEML_OK;
	case EDGEML_DTYPE_INT64:
		if (tp->n_int64_data != numel)
			break;
		memcpy(dst, tp->int64_data, numel * sizeof(int64_t));
		return EDGEML_OK;
	}
	return eml_error(EDGEML_ERR_FORMAT,
			 "tensor '%s': holds a different number of values than its dims (%llu) say",
			 what, (unsigned long long)numel);
}

edgeml_status cv_tensor_from_proto(const Onnx__TensorProto *tp, const char *what, eml_tensor *desc,
				   void **data)
{
	*data = NULL;
	memset(desc, 0, sizeof(*desc));
	if ((tp->has_data_location &&
	     tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) ||
	    tp->n_external_data > 0)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "tensor '%s': external data is not supported; save the model with "
				 "its weights inside the .onnx file",
				 what);
	if (tp->segment)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "tensor '%s': segmented tensors are not supported", what);
	if (!tp->has_data_type || !dtype_supported(tp->data_type))
		return eml_error(
			EDGEML_ERR_UNSUPPORTED,
			"tensor '%s': data type %d is not supported (float32, uint8, int8, "
			"int32, int64 are)",
			what, tp->has_data_type ? tp->data_type : 0);
	if (tp->n_dims > EML_MAX_RANK)
		return eml_error(EDGEML_ERR_UNSUPPORTED,
				 "tensor '%s': rank %zu exceeds the maximum %d", what, tp->n_dims,
				 EML_MAX_RANK);
	uint32_t dtype = tp->data_type == ONNX_BOOL ? EDGEML_DTYPE_UINT8 : (uint32_t)tp->data_type;
	uint64_t esize = edgeml_dtype_size((edgeml_dtype)dtype);
	uint64_t numel = 1;
	for (size_t i = 0; i < tp->n_dims; i++) {
		int64_t d = tp->dims[i];
		if (d < 0)
			return eml_error(EDGEML_ERR_FORMAT,
					 "tensor '%s': dims[%zu] = %lld is negative", what, i,
					 (long long)d);
		if (d != 0 && numel > (UINT64_MAX / esize) / (uint64_t)d)
			return eml_error(EDGEML_ERR_FORMAT, "tensor '%s': size overflows", what);
		numel *= (uint64_t)d;
		desc->dims[i] = d;
	}
	desc->dtype = dtype;
	desc->rank = (uint32_t)tp->n_dims;
	uint64_t bytes = numel * esize;
	/* The values must be in the message, so a valid size is bounded by the input; check
	 * before allocating so that dims alone cannot make us allocate. */
	if (tp->has_raw_data) {
		if (tp->raw_data.len != bytes)
			return eml_error(
				EDGEML_ERR_FORMAT,
				"tensor '%s': raw_data has %zu bytes, its dims and type need %llu",
				what, tp->raw_data.len, (unsigned long long)bytes);
	} else {
		size_t have = dtype == EDGEML_DTYPE_FLOAT32 ? tp->n_float_data
			      : dtype == EDGEML_DTYPE_INT64 ? tp->n_int64_data
							    : tp->n_int32_data;
		if (have != numel)
			return eml_error(EDGEML_ERR_FORMAT,
					 "tensor '%s': has %zu values, its dims say %llu", what,
					 have, (unsigned long long)numel);
	}
	void *buf = malloc(bytes ? bytes : 1);
	if (!buf)
		return eml_error(EDGEML_ERR_NO_MEMORY, "tensor '%s': out of memory for %llu bytes",
				 what, (unsigned long long)bytes);
	if (tp->has_raw_data) {
		/* raw_data is little-endian, as is every target edgeml supports. */
		if (bytes)
			memcpy(buf, tp->raw_data.data, bytes);
	} else if (numel) {
		edgeml_status st = copy_typed(tp, what, dtype, numel, buf);
		if (st) {
			free(buf);
			return st;
		}
	}
	desc->data = buf;
	desc->data_size = bytes;
	*data = buf;
	return EDGEML_OK;
}
