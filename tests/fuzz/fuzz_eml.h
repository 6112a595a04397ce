/*
 * fuzz_eml.h — what the .eml fuzz targets share: mutated files get their checksum (and size)
 * fixed, so that mutations reach the checks behind them.
 */
#ifndef EML_FUZZ_EML_H
#define EML_FUZZ_EML_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "eml_format.h"

/* Stores the right checksums (the body's, and since format 1.1 the header's) into an image
 * whose header_size lies inside it; with fix_size also the right file_size, so that inserted
 * and erased bytes get past the header. */
static inline void fuzz_eml_fix_header(uint8_t *buf, size_t size, int fix_size)
{
	struct eml_file_header h;
	if (size < sizeof(h))
		return;
	memcpy(&h, buf, sizeof(h));
	if (fix_size)
		h.file_size = size;
	if (h.header_size > size)
		return;
	memcpy(buf, &h, sizeof(h));
	eml_seal_checksums(buf, size);
}

#endif /* EML_FUZZ_EML_H */
