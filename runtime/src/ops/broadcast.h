/*
 * broadcast.h — numpy (multidirectional) broadcasting as ONNX defines it: the output shape of
 * two inputs, and an iterator giving each input's element offset for every output element in
 * row-major order. Shared by the float binary ops and QLinearAdd/QLinearMul.
 */
#ifndef EML_BROADCAST_H
#define EML_BROADCAST_H

#include "graph.h"

/* The broadcast shape of a and b in *rank and dims; EDGEML_ERR_SHAPE naming both shapes when
 * some aligned pair of dims differs and neither is 1. */
edgeml_status eml_broadcast_shape(const eml_tensor *a, const eml_tensor *b, uint32_t *rank,
				  int64_t *dims);

/* Element strides of t read as a tensor of shape (rank, dims) it broadcasts to: 0 on axes that
 * t lacks or has as 1. t must be broadcastable to that shape. */
void eml_broadcast_strides(const eml_tensor *t, uint32_t rank, const int64_t *dims,
			   int64_t *strides);

/* Walks the output of a binary op: off[0] / off[1] are the element offsets into a / b of the
 * current output element. */
typedef struct eml_bcast_iter {
	uint32_t rank;
	int64_t dims[EML_MAX_RANK];
	int64_t stride[2][EML_MAX_RANK];
	int64_t idx[EML_MAX_RANK];
	int64_t off[2];
} eml_bcast_iter;

/* Starts at output element 0 of out, the broadcast of a and b. */
void eml_bcast_iter_init(eml_bcast_iter *it, const eml_tensor *a, const eml_tensor *b,
			 const eml_tensor *out);

/* Moves to the next output element (row-major order). */
static inline void eml_bcast_iter_next(eml_bcast_iter *it)
{
	for (uint32_t d = it->rank; d-- > 0;) {
		it->off[0] += it->stride[0][d];
		it->off[1] += it->stride[1][d];
		if (++it->idx[d] < it->dims[d])
			return;
		it->off[0] -= it->stride[0][d] * it->dims[d];
		it->off[1] -= it->stride[1][d] * it->dims[d];
		it->idx[d] = 0;
	}
}

#endif /* EML_BROADCAST_H */
