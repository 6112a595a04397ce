/*
 * fuzz_fleet.c — libFuzzer target for what the fleet commands read from the network
 * (tools/fleet_msg.c): the first byte picks the parser — an OCI manifest from a registry,
 * a desired state or a device status from the MQTT broker, an OCI reference — the rest is
 * its input. Beyond "no crash, leak, hang": what parses is within its bounds, and a desired
 * state or status written back parses again to the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	char err[EML_FLEET_ERR];
	switch (data[0] % 4) {
	case 0: {
		eml_oci_artifact a;
		if (eml_oci_manifest_parse(text, len, 1u << 30, &a, err) == 0) {
			if (!eml_oci_digest_valid(a.digest) || a.size == 0 || a.size > (1u << 30))
				abort();
			char *m = eml_oci_manifest_make(&a, "n", "v");
			eml_oci_artifact b;
			if (!m || eml_oci_manifest_parse(m, strlen(m), 1u << 30, &b, err) != 0 ||
			    memcmp(&a, &b, sizeof(a)) != 0)
				abort();
			free(m);
		}
		break;
	}
	case 1: {
		eml_fleet_desired d;
		if (eml_fleet_desired_parse(text, len, &d, err) == 0) {
			char *m = eml_fleet_desired_make(&d);
			eml_fleet_desired e;
			if (!m || eml_fleet_desired_parse(m, strlen(m), &e, err) != 0 ||
			    memcmp(&d, &e, sizeof(d)) != 0)
				abort();
			free(m);
		}
		break;
	}
	case 2: {
		eml_fleet_status s;
		if (eml_fleet_status_parse(text, len, &s, err) == 0) {
			if (!eml_fleet_id_valid(s.device))
				abort();
			char *m = eml_fleet_status_make(&s);
			eml_fleet_status t;
			if (!m || eml_fleet_status_parse(m, strlen(m), &t, err) != 0 ||
			    strcmp(s.device, t.device) != 0 || strcmp(s.state, t.state) != 0 ||
			    strcmp(s.version, t.version) != 0 || strcmp(s.error, t.error) != 0)
				abort();
			free(m);
		}
		break;
	}
	default: {
		char *z = malloc(len + 1);
		if (!z)
			return 0;
		memcpy(z, text, len);
		z[len] = '\0';
		eml_oci_ref r;
		if (eml_oci_ref_parse(z, &r, err) == 0 && (!r.repository[0] || !r.reference[0]))
			abort();
		free(z);
		break;
	}
	}
	return 0;
}
