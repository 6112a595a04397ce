/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel API of the edgeml module for sensor drivers: a driver registers itself once,
 * user space starts a ring with EDGEML_SOURCE_DRIVER, and the driver pushes frames into it.
 */
#ifndef _EDGEML_SENSOR_H
#define _EDGEML_SENSOR_H

#include <linux/module.h>
#include <linux/types.h>

struct edgeml_ring;

/**
 * struct edgeml_sensor_config - what user space asked of the ring, for the driver to check
 * @width: from &edgeml_ring_start.width
 * @height: from &edgeml_ring_start.height
 * @channels: from &edgeml_ring_start.channels
 * @frame_bytes: buffer size; edgeml_ring_push_frame() rejects longer frames
 * @interval_ns: requested frame period
 */
struct edgeml_sensor_config {
	u32 width;
	u32 height;
	u32 channels;
	u32 frame_bytes;
	u64 interval_ns;
};

/**
 * struct edgeml_sensor - a sensor driver feeding edgeml rings
 * @name: shown in the kernel log
 * @owner: the driver's module, pinned while a ring uses the sensor
 * @start: begin pushing frames into @ring; return 0 or a negative errno (given to user space)
 * @stop: stop pushing into @ring; on return no edgeml_ring_push_frame() call on it may be
 *	running or follow
 *
 * The structure must stay valid until @owner is unloaded.
 */
struct edgeml_sensor {
	const char *name;
	struct module *owner;
	int (*start)(struct edgeml_sensor *sensor, struct edgeml_ring *ring,
		     const struct edgeml_sensor_config *cfg);
	void (*stop)(struct edgeml_sensor *sensor, struct edgeml_ring *ring);
};

int edgeml_sensor_register(struct edgeml_sensor *sensor);
void edgeml_sensor_unregister(struct edgeml_sensor *sensor);
int edgeml_ring_push_frame(struct edgeml_ring *ring, const void *data, size_t len,
			   u64 timestamp_ns, u32 flags);

#endif /* _EDGEML_SENSOR_H */
