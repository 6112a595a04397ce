/*
 * fleet_mqtt.h — the MQTT side of `edgeml agent` and `edgeml rollout` over libmosquitto: one
 * connection with a network thread that reconnects by itself (a broker restart is a pause),
 * re-subscribes and re-publishes the caller's retained message after each (re)connection, so
 * nothing depends on the broker having kept a session. QoS 1 throughout.
 */
#ifndef EML_TOOLS_FLEET_MQTT_H
#define EML_TOOLS_FLEET_MQTT_H

#include <pthread.h>
#include <signal.h>

#include "fleet_msg.h"

struct mosquitto;

/* Called on the network thread for each message. */
typedef void (*eml_mqtt_on_message)(void *user, const char *topic, const char *payload, int len);

typedef struct eml_mqtt {
	struct mosquitto *m;
	char host[256];
	int port;
	const char *subs[4];
	int n_subs;
	eml_mqtt_on_message on_message;
	void *user;
	pthread_mutex_t lock;
	int started;
	int connected;
	unsigned long connects; /* successful connections so far */
	/* re-published (retained, QoS 1) after every connection; guarded by lock */
	char sticky_topic[256];
	char *sticky;
} eml_mqtt;

/* Parses HOST:PORT. */
int eml_mqtt_broker_parse(const char *text, char *host, size_t cap, int *port, char *err);
/* Connects, retrying every second while the broker cannot be reached, for up to wait_s
 * seconds (< 0: until *stop), then subscribes to q->subs, which the caller has set, with
 * q->on_message; a connection lost later is re-made in the background (every 1-5 s).
 * will_topic, when not NULL, gets will_payload (retained) when the connection dies without a
 * goodbye. */
int eml_mqtt_start(eml_mqtt *q, const char *broker, const char *client_id, const char *will_topic,
		   const char *will_payload, double wait_s, volatile sig_atomic_t *stop, char *err);
/* Publishes payload to topic, QoS 1; retained when retain. A message published while the
 * connection is down is sent once it is back (libmosquitto keeps it). */
int eml_mqtt_publish(eml_mqtt *q, const char *topic, const char *payload, int retain, char *err);
/* As eml_mqtt_publish, retained, and again after every reconnection. */
int eml_mqtt_publish_sticky(eml_mqtt *q, const char *topic, const char *payload, char *err);
/* Disconnects and frees. */
void eml_mqtt_stop(eml_mqtt *q);

#endif /* EML_TOOLS_FLEET_MQTT_H */
