/*
 * cpu_device.h — the CPU as the cpu backend's one device (edgeml_device_info).
 */
#ifndef EML_CPU_DEVICE_H
#define EML_CPU_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "edgeml.h"

/* The backend's devices entry: the host CPU, its model, kernel level and features. */
uint32_t eml_cpu_devices(edgeml_device_properties *out, uint32_t max, char *why, size_t size);

#endif /* EML_CPU_DEVICE_H */
