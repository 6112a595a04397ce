/* eml_checksum.c — the two checksums of a .eml file (docs/eml-format.md): the header's
 * checksum of everything after the header, and since 1.1 the header checksum that covers the
 * header and the section table. Shared by the loader, the writer and the tests. */
#include <string.h>
#include <zlib.h>

#include "eml_format.h"

/* crc32 continued over n bytes, in chunks zlib's uInt can count. */
static uLong crc_update(uLong crc, const uint8_t *p, uint64_t n)
{
	while (n > 0) {
		uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
		crc = crc32(crc, p, chunk);
		p += chunk;
		n -= chunk;
	}
	return crc;
}

uint32_t eml_body_checksum(const uint8_t *image, uint64_t header_size, uint64_t size)
{
	return (uint32_t)crc_update(crc32(0L, Z_NULL, 0), image + header_size, size - header_size);
}

uint32_t eml_header_checksum(const uint8_t *image, uint64_t ext_offset, uint64_t header_size)
{
	static const uint8_t zeros[4];
	uLong crc = crc_update(crc32(0L, Z_NULL, 0), image, ext_offset);
	crc = crc_update(crc, zeros, sizeof(zeros));
	return (uint32_t)crc_update(crc, image + ext_offset + 4, header_size - ext_offset - 4);
}

void eml_seal_checksums(uint8_t *image, uint64_t size)
{
	struct eml_file_header h;
	memcpy(&h, image, sizeof(h));
	h.checksum = eml_body_checksum(image, h.header_size, size);
	memcpy(image, &h, sizeof(h));
	if (h.version_minor < 1 && h.version_major == 1)
		return;
	uint64_t ext = EML_HEADER_FIXED_SIZE + (uint64_t)EML_SECTION_ENTRY_SIZE * h.n_sections;
	if (ext + EML_HEADER_EXT_SIZE > h.header_size)
		return;
	uint32_t hc = eml_header_checksum(image, ext, h.header_size);
	memcpy(image + ext, &hc, sizeof(hc));
}
