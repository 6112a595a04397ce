/* fleet_mqtt.c — one MQTT connection for the fleet commands (fleet_mqtt.h), over libmosquitto. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "fleet_mqtt.h"

static int fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, EML_FLEET_ERR, fmt, ap);
	va_end(ap);
	return -1;
}

int eml_mqtt_broker_parse(const char *text, char *host, size_t cap, int *port, char *err)
{
	const char *colon = strrchr(text, ':');
	char *end;
	long p = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || colon == text || !colon[1] || *end || p < 1 || p > 65535 ||
	    (size_t)(colon - text) >= cap)
		return fail(err, "broker '%s': expected HOST:PORT", text);
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	*port = (int)p;
	return 0;
}

static void on_connect(struct mosquitto *m, void *user, int rc)
{
	eml_mqtt *q = user;
	if (rc != 0) {
		fprintf(stderr, "mqtt: the broker %s:%d refused the connection: %s\n", q->host,
			q->port, mosquitto_connack_string(rc));
		return;
	}
	for (int i = 0; i < q->n_subs; i++)
		mosquitto_subscribe(m, NULL, q->subs[i], 1);
	pthread_mutex_lock(&q->lock);
	q->connected = 1;
	q->connects++;
	if (q->sticky)
		mosquitto_publish(m, NULL, q->sticky_topic, (int)strlen(q->sticky), q->sticky, 1, true);
	pthread_mutex_unlock(&q->lock);
}

static void on_disconnect(struct mosquitto *m, void *user, int rc)
{
	eml_mqtt *q = user;
	pthread_mutex_lock(&q->lock);
	q->connected = 0;
	pthread_mutex_unlock(&q->lock);
	if (rc != 0)
		fprintf(stderr, "mqtt: lost the broker %s:%d; reconnecting\n", q->host, q->port);
}

static void on_message(struct mosquitto *m, void *user, const struct mosquitto_message *msg)
{
	eml_mqtt *q = user;
	if (q->on_message)
		q->on_message(q->user, msg->topic, msg->payload ? msg->payload : "", msg->payloadlen);
}

int eml_mqtt_start(eml_mqtt *q, const char *broker, const char *client_id, const char *will_topic,
		   const char *will_payload, double wait_s, volatile sig_atomic_t *stop, char *err)
{
	pthread_mutex_init(&q->lock, NULL);
	mosquitto_lib_init();
	q->started = 1;
	if (eml_mqtt_broker_parse(broker, q->host, sizeof(q->host), &q->port, err) != 0)
		return -1;
	q->m = mosquitto_new(client_id, true, q);
	if (!q->m)
		return fail(err, "cannot create an MQTT client");
	mosquitto_connect_callback_set(q->m, on_connect);
	mosquitto_disconnect_callback_set(q->m, on_disconnect);
	mosquitto_message_callback_set(q->m, on_message);
	mosquitto_reconnect_delay_set(q->m, 1, 5, false);
	if (will_topic)
		mosquitto_will_set(q->m, will_topic, (int)strlen(will_payload), will_payload, 1, true);
	/* The network thread reconnects after a connection is lost, not when the first one
	 * fails (libmosquitto 2.0): a broker that is down at the start is retried here. */
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc, said = 0;
	while ((rc = mosquitto_connect(q->m, q->host, q->port, 10)) == MOSQ_ERR_ERRNO) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((wait_s >= 0 && (double)(t.tv_sec - t0.tv_sec) >= wait_s) || (stop && *stop))
			return fail(err, "cannot reach the broker %s: %s", broker, strerror(errno));
		if (!said++)
			fprintf(stderr, "mqtt: the broker %s is not reachable (%s); retrying\n", broker,
				strerror(errno));
		sleep(1);
	}
	if (rc != MOSQ_ERR_SUCCESS)
		return fail(err, "cannot connect to the broker %s: %s", broker, mosquitto_strerror(rc));
	rc = mosquitto_loop_start(q->m);
	if (rc != MOSQ_ERR_SUCCESS)
		return fail(err, "cannot start the MQTT thread: %s", mosquitto_strerror(rc));
	return 0;
}

int eml_mqtt_publish(eml_mqtt *q, const char *topic, const char *payload, int retain, char *err)
{
	int rc = mosquitto_publish(q->m, NULL, topic, (int)strlen(payload), payload, 1, retain != 0);
	/* Not connected: the message waits in libmosquitto's queue (QoS 1) or is re-sent by the
	 * caller's sticky message; neither is an error for a device that is offline a while. */
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN && rc != MOSQ_ERR_CONN_LOST)
		return fail(err, "cannot publish to %s: %s", topic, mosquitto_strerror(rc));
	return 0;
}

int eml_mqtt_publish_sticky(eml_mqtt *q, const char *topic, const char *payload, char *err)
{
	char *copy = strdup(payload);
	if (!copy || strlen(topic) >= sizeof(q->sticky_topic)) {
		free(copy);
		return fail(err, "out of memory");
	}
	pthread_mutex_lock(&q->lock);
	free(q->sticky);
	q->sticky = copy;
	strcpy(q->sticky_topic, topic);
	pthread_mutex_unlock(&q->lock);
	return eml_mqtt_publish(q, topic, payload, 1, err);
}

void eml_mqtt_stop(eml_mqtt *q)
{
	if (!q->started)
		return;
	q->started = 0;
	if (q->m) {
		mosquitto_disconnect(q->m);
		mosquitto_loop_stop(q->m, false);
		mosquitto_destroy(q->m);
		q->m = NULL;
	}
	free(q->sticky);
	q->sticky = NULL;
	mosquitto_lib_cleanup();
	pthread_mutex_destroy(&q->lock);
}
