/* fingerprint.c — probing and writing the description of the machine a benchmark ran on. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "edgeml.h"
#include "fingerprint.h"
#include "json.h"

/* Reads the first line of a small text file into buf without its newline ("" on failure). */
static void read_line(const char *path, char *buf, size_t size)
{
	buf[0] = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

/* MemTotal of /proc/meminfo in KiB, 0 when unknown. */
static uint64_t mem_total_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kb = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* Lists the Vulkan devices, or says why there are none. */
static void probe_vulkan(eml_fingerprint *fp)
{
	for (size_t b = 0; b < edgeml_backend_count(); b++) {
		const char *why;
		const char *name = edgeml_backend_name(b, &why);
		if (strcmp(name, "vulkan") == 0)
			snprintf(fp->vulkan_error, sizeof(fp->vulkan_error), "%s", why);
	}
	for (size_t i = 0; i < edgeml_device_count() && fp->n_gpus < EML_FP_MAX_GPUS; i++) {
		edgeml_device_properties d;
		if (edgeml_device_info(i, &d) != EDGEML_OK || strcmp(d.backend, "vulkan") != 0)
			continue;
		eml_fp_gpu *g = &fp->gpus[fp->n_gpus++];
		g->index = d.backend_index;
		snprintf(g->name, sizeof(g->name), "%s", d.name);
		snprintf(g->type, sizeof(g->type), "%s", edgeml_device_type_name(d.type));
		snprintf(g->driver_name, sizeof(g->driver_name), "%s", d.driver);
		snprintf(g->driver_info, sizeof(g->driver_info), "%s", d.driver_info);
		snprintf(g->driver_version, sizeof(g->driver_version), "%s", d.driver_version);
		snprintf(g->api_version, sizeof(g->api_version), "%s", d.api_version);
		g->vendor_id = d.vendor_id;
		g->device_id = d.device_id;
		snprintf(g->drm_node, sizeof(g->drm_node), "%s", d.drm_node);
		snprintf(g->unusable, sizeof(g->unusable), "%s", d.unusable);
	}
}

/* The CPU: device 0's model and features, the architecture uname reports. */
static void probe_cpu(eml_fingerprint *fp)
{
	edgeml_device_properties cpu;
	struct utsname u;
	if (edgeml_device_info(0, &cpu) == EDGEML_OK) {
		snprintf(fp->cpu_model, sizeof(fp->cpu_model), "%s", cpu.name);
		snprintf(fp->cpu_features, sizeof(fp->cpu_features), "%s", cpu.features);
	}
	snprintf(fp->cpu_arch, sizeof(fp->cpu_arch), "%s", uname(&u) == 0 ? u.machine : "unknown");
}

void eml_fingerprint_probe(eml_fingerprint *fp)
{
	memset(fp, 0, sizeof(*fp));
	if (gethostname(fp->hostname, sizeof(fp->hostname) - 1) != 0)
		snprintf(fp->hostname, sizeof(fp->hostname), "unknown");
	read_line("/sys/firmware/devicetree/base/model", fp->board, sizeof(fp->board));
	if (!fp->board[0])
		read_line("/sys/class/dmi/id/product_name", fp->board, sizeof(fp->board));
	probe_cpu(fp);
	fp->cores_online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	fp->cores_usable = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : -1;
	read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", fp->governor,
		  sizeof(fp->governor));
	fp->isa = edgeml_cpu_kernels(NULL);
	const char *req = getenv("EDGEML_CPU_ISA");
	snprintf(fp->isa_requested, sizeof(fp->isa_requested), "%s", req ? req : "");
	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(fp->kernel_release, sizeof(fp->kernel_release), "%s", u.release);
		snprintf(fp->kernel_version, sizeof(fp->kernel_version), "%s", u.version);
	}
	fp->mem_total_kb = mem_total_kb();
	fp->edgeml_version = edgeml_version();
	fp->build_options = edgeml_build_options();
	fp->dev_edgeml = access("/dev/edgeml", F_OK) == 0;
	probe_vulkan(fp);
}

/* Writes `"key": "value"` with the separator before it. */
static void kv_str(FILE *f, const char *pre, const char *key, const char *v)
{
	fprintf(f, "%s\"%s\": ", pre, key);
	eml_json_write_string(f, v);
}

/* Writes one Vulkan device as a JSON object. */
static void write_gpu(FILE *f, const eml_fp_gpu *g, const char *in)
{
	fprintf(f, "%s    {\"index\": %u", in, g->index);
	kv_str(f, ", ", "name", g->name);
	kv_str(f, ", ", "type", g->type);
	kv_str(f, ",\n      ", "driver_name", g->driver_name);
	kv_str(f, ", ", "driver_info", g->driver_info);
	kv_str(f, ", ", "driver_version", g->driver_version);
	kv_str(f, ", ", "api_version", g->api_version);
	fprintf(f, ",\n%s      \"vendor_id\": %u, \"device_id\": %u", in, g->vendor_id,
		g->device_id);
	kv_str(f, ", ", "drm_node", g->drm_node);
	fprintf(f, ", \"usable\": %s", g->unusable[0] ? "false" : "true");
	kv_str(f, ", ", "unusable_reason", g->unusable);
	fputs("}", f);
}

void eml_fingerprint_write_json(FILE *f, const eml_fingerprint *fp, const char *in)
{
	fprintf(f, "{\n%s  \"hostname\": ", in);
	eml_json_write_string(f, fp->hostname);
	kv_str(f, ", ", "board", fp->board);
	fprintf(f, ",\n%s  \"cpu\": {", in);
	kv_str(f, "", "model", fp->cpu_model);
	kv_str(f, ", ", "arch", fp->cpu_arch);
	fprintf(f, ", \"features\": [");
	const char *sep = "";
	for (const char *p = fp->cpu_features; *p;) {
		size_t len = strcspn(p, " ");
		if (len)
			fprintf(f, "%s\"%.*s\"", sep, (int)len, p);
		sep = len ? ", " : sep;
		p += len + (p[len] == ' ');
	}
	fprintf(f, "],\n%s    \"cores_online\": %ld, \"cores_usable\": %ld", in, fp->cores_online,
		fp->cores_usable);
	kv_str(f, ", ", "governor", fp->governor);
	kv_str(f, ", ", "isa", fp->isa ? fp->isa : "scalar");
	kv_str(f, ", ", "isa_requested", fp->isa_requested);
	fprintf(f, "},\n%s  \"kernel\": {", in);
	kv_str(f, "", "release", fp->kernel_release);
	kv_str(f, ", ", "version", fp->kernel_version);
	fprintf(f, "},\n%s  \"mem_total_kb\": %llu,\n%s  \"edgeml\": {", in,
		(unsigned long long)fp->mem_total_kb, in);
	kv_str(f, "", "version", fp->edgeml_version);
	kv_str(f, ", ", "build_options", fp->build_options);
	fprintf(f, "},\n%s  \"dev_edgeml\": %s,\n%s  \"vulkan\": {", in,
		fp->dev_edgeml ? "true" : "false", in);
	kv_str(f, "", "error", fp->vulkan_error);
	fprintf(f, ", \"devices\": [");
	for (uint32_t i = 0; i < fp->n_gpus; i++) {
		fprintf(f, "%s\n", i ? "," : "");
		write_gpu(f, &fp->gpus[i], in);
	}
	fprintf(f, "%s]}\n%s}", fp->n_gpus ? "\n" : "", in);
}
