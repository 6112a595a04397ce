# shellcheck shell=sh disable=SC2034 # REGISTRY and BROKER are for the scripts that source this
# services.sh — sourced by registry.sh and fleet.sh once $W and fail() are set: Debian's
# docker-registry and mosquitto on free loopback ports, each with its own configuration and
# storage under $W, stopped by stop_services (the scripts trap EXIT to it).

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something accepts connections on 127.0.0.1:PORT (30 s).
wait_port() {
	python3 - "$1" <<'PYEOF' || fail "nothing listens on 127.0.0.1:$1"
import socket, sys, time
for _ in range(600):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PYEOF
}

REG_PID="" BROKER_PID=""

# start_registry [HTPASSWD]: docker-registry on a free port, storage in $W/registry, HTTP basic
# authentication when given an htpasswd file (bcrypt); sets REGISTRY.
start_registry() {
	command -v docker-registry > /dev/null ||
		fail "docker-registry is missing (tools/install-deps.sh installs it)"
	REG_PORT=$(free_port)
	mkdir -p "$W/registry"
	auth=""
	[ -z "${1:-}" ] || auth="auth:
  htpasswd:
    realm: edgeml
    path: $1"
	cat > "$W/registry.yml" <<EOF2
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $W/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REG_PORT
$auth
EOF2
	docker-registry serve "$W/registry.yml" > "$W/registry.log" 2>&1 &
	REG_PID=$!
	wait_port "$REG_PORT"
	REGISTRY=http://127.0.0.1:$REG_PORT
}

# start_broker [PORT]: mosquitto on PORT (else a free one), retained messages persisted in
# $W/mosquitto (so they outlive a restart), as this user (as root, mosquitto would otherwise
# switch to the user mosquitto, who cannot write there); sets BROKER.
start_broker() {
	command -v mosquitto > /dev/null || [ -x /usr/sbin/mosquitto ] ||
		fail "mosquitto is missing (tools/install-deps.sh installs it)"
	BROKER_PORT=${1:-$(free_port)}
	mkdir -p "$W/mosquitto"
	cat > "$W/mosquitto.conf" <<EOF2
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
user $(id -un)
persistence true
persistence_location $W/mosquitto/
autosave_interval 1
log_dest file $W/mosquitto.log
EOF2
	PATH=$PATH:/usr/sbin mosquitto -c "$W/mosquitto.conf" > /dev/null 2>&1 &
	BROKER_PID=$!
	wait_port "$BROKER_PORT"
	BROKER=127.0.0.1:$BROKER_PORT
}

stop_broker() {
	if [ -n "$BROKER_PID" ]; then
		kill "$BROKER_PID" 2> /dev/null || true
		wait "$BROKER_PID" 2> /dev/null || true
	fi
	BROKER_PID=""
}

stop_services() {
	stop_broker
	if [ -n "$REG_PID" ]; then
		kill "$REG_PID" 2> /dev/null || true
		wait "$REG_PID" 2> /dev/null || true
	fi
	REG_PID=""
}
