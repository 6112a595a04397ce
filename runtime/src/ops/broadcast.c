/* broadcast.c — numpy broadcasting: shape inference and per-input strides. */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "ops/broadcast.h"

/* Writes "[d0,d1,...]" of t into buf, for error messages. */
static const char *shape_text(const eml_tensor *t, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "[");
	for (uint32_t i = 0; i < t->rank && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, i ? ",%lld" : "%lld",
				      (long long)t->dims[i]);
	if (n < size)
		snprintf(buf + n, size - n, "]");
	return buf;
}

edgeml_status eml_broadcast_shape(const eml_tensor *a, const eml_tensor *b, uint32_t *rank,
				  int64_t *dims)
{
	uint32_t r = a->rank > b->rank ? a->rank : b->rank;
	if (r > EML_MAX_RANK)
		return eml_error(EDGEML_ERR_UNSUPPORTED, "rank %u exceeds %d", r, EML_MAX_RANK);
	for (uint32_t i = 0; i < r; i++) {
		/* Align from the last axis; a missing leading axis acts as 1. */
		int64_t da = i < r - a->rank ? 1 : a->dims[i - (r - a->rank)];
		int64_t db = i < r - b->rank ? 1 : b->dims[i - (r - b->rank)];
		if (da != db && da != 1 && db != 1) {
			char sa[128], sb[128];
			return eml_error(EDGEML_ERR_SHAPE, "shapes %s and %s do not broadcast "
					 "(axis %u: %lld vs %lld)", shape_text(a, sa, sizeof(sa)),
					 shape_text(b, sb, sizeof(sb)), i, (long long)da,
					 (long long)db);
		}
		dims[i] = da == 1 ? db : da;
	}
	*rank = r;
	return EDGEML_OK;
}

void eml_broadcast_strides(const eml_tensor *t, uint32_t rank, const int64_t *dims,
			   int64_t *strides)
{
	int64_t s = 1;
	for (uint32_t i = rank; i-- > 0;) {
		uint32_t lead = rank - t->rank;
		if (i < lead || t->dims[i - lead] == 1 || dims[i] == 1) {
			strides[i] = 0;
		} else {
			strides[i] = s;
			s *= t->dims[i - lead];
		}
	}
}

void eml_bcast_iter_init(eml_bcast_iter *it, const eml_tensor *a, const eml_tensor *b,
			 const eml_tensor *out)
{
	memset(it, 0, sizeof(*it));
	it->rank = out->rank;
	memcpy(it->dims, out->dims, out->rank * sizeof(out->dims[0]));
	eml_broadcast_strides(a, out->rank, out->dims, it->stride[0]);
	eml_broadcast_strides(b, out->rank, out->dims, it->stride[1]);
}
