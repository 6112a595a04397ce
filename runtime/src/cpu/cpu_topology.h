/*
 * cpu_topology.h — which cores the CPU backend's threads may use: the process's affinity
 * mask, a cgroup CPU quota, a core list given in the session options, and on big.LITTLE
 * boards the big cores. Linux only (sched_getaffinity, /proc, /sys).
 */
#ifndef EML_CPU_TOPOLOGY_H
#define EML_CPU_TOPOLOGY_H

#include <sched.h>
#include <stdint.h>

#include "edgeml.h"

/* The cores this process may run on (sched_getaffinity); all online cores when that fails. */
void eml_cpu_allowed(cpu_set_t *out);

/* Parses a Linux CPU list ("0-3,6", as in /sys and taskset -c) into out; a clear error
 * naming the bad part otherwise. */
edgeml_status eml_cpu_parse_list(const char *text, cpu_set_t *out);

/* The CPU quota of the process's cgroup and its ancestors in whole cores (rounded up), 0 when
 * there is none: cgroup v2 cpu.max, or v1 cpu.cfs_quota_us / cpu.cfs_period_us. proc_cgroup
 * is /proc/self/cgroup, fs_root /sys/fs/cgroup (parameters, for tests). */
uint32_t eml_cpu_cgroup_limit(const char *proc_cgroup, const char *fs_root);

/* Keeps in set only its fastest cores: the largest cpu_capacity under sysfs_cpu
 * (/sys/devices/system/cpu), else the largest cpufreq/cpuinfo_max_freq. Leaves set as it is
 * when the cores are all alike or nothing is known. */
void eml_cpu_keep_big(cpu_set_t *set, const char *sysfs_cpu);

/* The default thread count for cores: their number, at most the cgroup quota, at least 1. */
uint32_t eml_cpu_default_threads(const cpu_set_t *cores);

#endif /* EML_CPU_TOPOLOGY_H */
