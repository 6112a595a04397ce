/*
 * fuzz_eml.h — what the .eml fuzz targets share: mutated files get their checksum (and size)
 * fixed, so that mutations reach the checks behind them.
 */
#ifndef EML_FUZZ_EML_H
#define EML_FUZZ_EML_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "eml_format.h"

/* Stores the right checksum into an image whose header_size lies inside it; with fix_size
 * also the right file_size, so that inserted and erased bytes get past the header. */
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
	h.checksum = (uint32_t)crc32(0, buf + h.header_size, (uInt)(size - h.header_size));
	memcpy(buf, &h, sizeof(h));
}

#endif /* EML_FUZZ_EML_H */
