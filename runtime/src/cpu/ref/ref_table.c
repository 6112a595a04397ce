/* ref_table.c — op number → reference kernel. */
#include "cpu/ref/ref.h"
#include "ops/ops.h"

eml_ref_fn eml_ref_kernel(uint32_t op)
{
	switch (op) {
#define EML_OP(num, name)                                                                  \
	case num:                                                                          \
		return eml_ref_##name;
#include "ops/ops.def"
#undef EML_OP
	default:
		return NULL;
	}
}
