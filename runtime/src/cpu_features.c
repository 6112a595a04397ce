/* cpu_features.c — CPU feature and model-name probing for x86 and aarch64. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_features.h"

/* Cores of the boards edgeml targets, by MIDR implementer and part (Arm TRMs; NVIDIA). */
static const struct {
	unsigned implementer, part;
	const char *name;
} arm_cores[] = {
	{ 0x41, 0xd03, "Cortex-A53" },	 { 0x41, 0xd04, "Cortex-A35" },
	{ 0x41, 0xd05, "Cortex-A55" },	 { 0x41, 0xd07, "Cortex-A57" },
	{ 0x41, 0xd08, "Cortex-A72" },	 { 0x41, 0xd09, "Cortex-A73" },
	{ 0x41, 0xd0a, "Cortex-A75" },	 { 0x41, 0xd0b, "Cortex-A76" },
	{ 0x41, 0xd0c, "Neoverse-N1" },	 { 0x41, 0xd0d, "Cortex-A77" },
	{ 0x41, 0xd0e, "Cortex-A76AE" }, { 0x41, 0xd40, "Neoverse-V1" },
	{ 0x41, 0xd41, "Cortex-A78" },	 { 0x41, 0xd42, "Cortex-A78AE" },
	{ 0x41, 0xd44, "Cortex-X1" },	 { 0x41, 0xd46, "Cortex-A510" },
	{ 0x41, 0xd47, "Cortex-A710" },	 { 0x41, 0xd48, "Cortex-X2" },
	{ 0x41, 0xd49, "Neoverse-N2" },	 { 0x41, 0xd4b, "Cortex-A78C" },
	{ 0x41, 0xd4f, "Neoverse-V2" },	 { 0x41, 0xd80, "Cortex-A520" },
	{ 0x41, 0xd81, "Cortex-A720" },	 { 0x41, 0xd82, "Cortex-X4" },
	{ 0x4e, 0x004, "NVIDIA Carmel" },
};

/* Value of a "key<spaces/tabs>: value" line, or NULL. */
static const char *cpuinfo_value(const char *line, const char *key)
{
	size_t k = strlen(key);
	if (strncmp(line, key, k) != 0 || (line[k] != ' ' && line[k] != '\t' && line[k] != ':'))
		return NULL;
	const char *p = strchr(line, ':');
	if (!p)
		return NULL;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static void append_core(char *out, size_t size, const char *name)
{
	size_t len = strlen(out);
	if (strstr(out, name))
		return; /* one entry per kind of core */
	snprintf(out + len, size - len, "%s%s", len ? " + " : "", name);
}

void eml_cpu_model_from_cpuinfo(const char *text, char *out, size_t size)
{
	unsigned implementer = 0;
	int have_implementer = 0;
	char cores[96] = "";
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		int len = end ? (int)(end - line) : (int)strlen(line);
		const char *v;
		if ((v = cpuinfo_value(line, "model name")) || (v = cpuinfo_value(line, "Hardware"))) {
			snprintf(out, size, "%.*s", (int)(len - (v - line)), v);
			return;
		}
		if ((v = cpuinfo_value(line, "CPU implementer"))) {
			implementer = (unsigned)strtoul(v, NULL, 0);
			have_implementer = 1;
		} else if ((v = cpuinfo_value(line, "CPU part")) && have_implementer) {
			unsigned part = (unsigned)strtoul(v, NULL, 0);
			const char *name = NULL;
			for (size_t i = 0; i < sizeof(arm_cores) / sizeof(arm_cores[0]); i++)
				if (arm_cores[i].implementer == implementer && arm_cores[i].part == part)
					name = arm_cores[i].name;
			char unknown[48];
			if (!name) {
				snprintf(unknown, sizeof(unknown), "implementer 0x%02x part 0x%03x",
					 implementer, part);
				name = unknown;
			}
			append_core(cores, sizeof(cores), name);
		}
		line = end ? end + 1 : NULL;
	}
	if (cores[0])
		snprintf(out, size, "%s", cores);
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

/* XCR0: which register states the OS saves on a context switch. Only meaningful when cpuid
 * reports OSXSAVE; without the OS saving them, AVX registers must not be used. */
static uint64_t read_xcr0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/* Asks Linux for this process's use of the AMX tile data (arch_prctl
 * ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA: arch/x86/include/uapi/asm/prctl.h); 0 when granted,
 * which it is once per process, for all its threads. */
static int amx_request(void)
{
#if defined(__linux__) && defined(SYS_arch_prctl)
	return syscall(SYS_arch_prctl, 0x1023, 18) == 0 ? 0 : -1;
#else
	return -1;
#endif
}

/* The brand string of cpuid leaves 0x80000002..4, leading spaces dropped. */
static void x86_model(eml_cpu_info *info)
{
	uint32_t r[12];
	if ((uint32_t)__get_cpuid_max(0x80000000u, NULL) < 0x80000004u)
		return;
	for (uint32_t i = 0; i < 3; i++)
		__get_cpuid(0x80000002u + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2],
			    &r[4 * i + 3]);
	char brand[49];
	memcpy(brand, r, 48);
	brand[48] = '\0';
	const char *p = brand;
	while (*p == ' ')
		p++;
	if (*p)
		snprintf(info->model, sizeof(info->model), "%s", p);
}

/* Feature bits from cpuid leaves 1 and 7 (Intel SDM vol. 2A, CPUID), gated on XCR0. */
static void detect_arch(eml_cpu_info *info)
{
	uint32_t a, b, c, d;
	info->arch = sizeof(void *) == 8 ? "x86_64" : "i386";
	x86_model(info);
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return;
	uint64_t xcr0 = (c & (1u << 27)) ? read_xcr0() : 0; /* OSXSAVE */
	int avx_os = (xcr0 & 0x6) == 0x6;		    /* XMM and YMM state */
	int avx512_os = (xcr0 & 0xe6) == 0xe6;		    /* + opmask, ZMM state */
	if (c & (1u << 19))
		info->features |= EML_CPU_SSE41;
	if (avx_os && (c & (1u << 12)))
		info->features |= EML_CPU_FMA;
	if ((uint32_t)__get_cpuid_max(0, NULL) < 7)
		return;
	__cpuid_count(7, 0, a, b, c, d);
	if (avx_os && (b & (1u << 5)))
		info->features |= EML_CPU_AVX2;
	if (avx512_os && (b & (1u << 16)))
		info->features |= EML_CPU_AVX512F;
	if (avx512_os && (b & (1u << 30)))
		info->features |= EML_CPU_AVX512BW;
	if (avx512_os && (c & (1u << 11)))
		info->features |= EML_CPU_AVX512VNNI;
	/* AMX-TILE and AMX-INT8, the OS saving TILECFG and TILEDATA, and Linux letting this
	 * process have the tile data state (it asks each process to request it once) */
	int amx_os = (xcr0 & 0x60000) == 0x60000;
	if (amx_os && (d & (1u << 24)) && (d & (1u << 25)) && amx_request() == 0)
		info->features |= EML_CPU_AMX;
}

#else

/* The "model name" (or "Hardware") line of /proc/cpuinfo, where the kernel gives one;
 * arm64 kernels give neither, so their cores are named from the MIDR fields. */
static void cpuinfo_model(eml_cpu_info *info)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	/* per call, not static: devices may be listed from several threads at once */
	enum { CPUINFO_MAX = 65536 };
	char *text = malloc(CPUINFO_MAX);
	if (text) {
		size_t n = fread(text, 1, CPUINFO_MAX - 1, f);
		text[n] = '\0';
		eml_cpu_model_from_cpuinfo(text, info->model, sizeof(info->model));
		free(text);
	}
	fclose(f);
}

#if defined(__aarch64__)
#include <sys/auxv.h>

/* Bits of the Linux arm64 uapi <asm/hwcap.h>, for libcs whose headers predate them. */
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1ul << 1)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1ul << 20)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1ul << 13)
#endif

/* aarch64 features from the kernel's hwcaps (the instructions themselves trap in EL0). */
static void detect_arch(eml_cpu_info *info)
{
	unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
	info->arch = "aarch64";
	cpuinfo_model(info);
	if (hw & HWCAP_ASIMD)
		info->features |= EML_CPU_NEON;
	if (hw & HWCAP_ASIMDDP)
		info->features |= EML_CPU_DOTPROD;
	if (hw2 & HWCAP2_I8MM)
		info->features |= EML_CPU_I8MM;
}

#else

/* Other architectures: no features the kernels use; the portable C path runs. */
static void detect_arch(eml_cpu_info *info)
{
#if defined(__arm__)
	info->arch = "arm";
#elif defined(__riscv)
	info->arch = "riscv";
#else
	info->arch = "unknown";
#endif
	cpuinfo_model(info);
}

#endif
#endif

void eml_cpu_detect(eml_cpu_info *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->model, sizeof(info->model), "unknown");
	detect_arch(info);
}

const char *eml_cpu_feature_name(uint32_t feature)
{
	switch (feature) {
	case EML_CPU_SSE41:
		return "sse4.1";
	case EML_CPU_AVX2:
		return "avx2";
	case EML_CPU_FMA:
		return "fma";
	case EML_CPU_AVX512F:
		return "avx512f";
	case EML_CPU_AVX512BW:
		return "avx512bw";
	case EML_CPU_AVX512VNNI:
		return "avx512vnni";
	case EML_CPU_NEON:
		return "neon";
	case EML_CPU_DOTPROD:
		return "dotprod";
	case EML_CPU_I8MM:
		return "i8mm";
	case EML_CPU_AMX:
		return "amx-int8";
	}
	return NULL;
}
