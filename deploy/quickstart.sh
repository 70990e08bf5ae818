#!/usr/bin/env bash
# One command to see the system run: builds what it needs, makes dev TLS certificates (deploy/tls.sh),
# starts a local Cassandra, one controller node over TLS in the dev profile, creates an enrollment
# token with fleetctl, starts a simulated fleet and one real agent (laptop-demo, with its local API),
# then shows `fleetctl status` until Ctrl-C, which stops all of it.
#
# Kept for you and your scripts (mode 0600): .run/admin-token (the dev profile's admin token) and
# .run/enrollment-token (enrolls a laptop against this controller); CA: .run/tls/ca.crt.
#
# Usage: deploy/quickstart.sh [AGENTS]     (default 1000 simulated agents)
set -euo pipefail

AGENTS=${1:-1000}
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
RUN_DIR="$REPO_ROOT/.run"
export FLEET_TOKEN=${FLEET_TOKEN:-dev-admin-token}
export FLEET_SERVER=${FLEET_SERVER:-127.0.0.1:8080}
# fleetctl and the agents verify the controller against the dev CA.
export FLEET_CA_FILE="$RUN_DIR/tls/ca.crt" FLEET_CONTROLLER_CA="$RUN_DIR/tls/ca.crt"
mkdir -p "$RUN_DIR"
umask 077
cd "$REPO_ROOT"

pids=()
cleanup() {
  # A second Ctrl-C must not cut the cleanup short and leave Cassandra running.
  trap '' INT TERM
  trap - EXIT
  echo
  echo "quickstart: stopping the simulator, the controller and Cassandra"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  deploy/cassandra.sh stop || true
  exit 0
}
trap cleanup INT TERM EXIT

echo "quickstart: building (mvn -DskipTests install)"
mvn -B -q -DskipTests install

deploy/tls.sh "$RUN_DIR/tls"
deploy/cassandra.sh start

echo "quickstart: starting the controller, dev profile, TLS on 127.0.0.1:8080 (log: .run/controller.log)"
FLEET_TLS_CERT="$RUN_DIR/tls/controller.crt" FLEET_TLS_KEY="$RUN_DIR/tls/controller.key" \
  java -Dconfig.resource=dev.conf -jar fleet-controller/target/fleet-controller.jar >"$RUN_DIR/controller.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  if curl -fs http://127.0.0.1:8558/ready >/dev/null 2>&1; then break; fi
  kill -0 "${pids[0]}" 2>/dev/null || { tail -40 "$RUN_DIR/controller.log"; exit 1; }
  sleep 1
done
curl -fs http://127.0.0.1:8558/ready >/dev/null || { echo "quickstart: controller not ready"; exit 1; }
# /ready can turn true a moment before the gRPC port is bound (issue 19); wait for the port too.
for _ in $(seq 1 60); do
  if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then break; fi
  sleep 1
done

printf '%s\n' "$FLEET_TOKEN" >"$RUN_DIR/admin-token"
# The token of an earlier run is kept while the controller still lists it as active (Cassandra keeps it).
ENROLLMENT_TOKEN=$(cat "$RUN_DIR/enrollment-token" 2>/dev/null || true)
if [[ -z "$ENROLLMENT_TOKEN" ]] || ! bin/fleetctl enroll-tokens list 2>/dev/null \
    | awk -v id="${ENROLLMENT_TOKEN%.*}" '$1 == id' | grep -qw active; then
  echo "quickstart: creating an enrollment token (bin/fleetctl enroll-tokens create --uses 100000 --expires 30d)"
  ENROLLMENT_TOKEN=$(bin/fleetctl enroll-tokens create --uses 100000 --expires 30d -o json \
    | grep -o '"secret_token" *: *"[^"]*"' | sed 's/.*: *"\(.*\)"/\1/' || true)
  [[ -n "$ENROLLMENT_TOKEN" ]] || { echo "quickstart: could not create an enrollment token"; exit 1; }
  printf '%s\n' "$ENROLLMENT_TOKEN" >"$RUN_DIR/enrollment-token"
fi
echo "quickstart: admin token in .run/admin-token, enrollment token in .run/enrollment-token (both 0600), CA .run/tls/ca.crt"

echo "quickstart: starting $AGENTS simulated agents (log: .run/simulator.log)"
java -jar device-agent/target/device-agent.jar simulate --count "$AGENTS" \
  --server "$FLEET_SERVER" --enrollment-token "$ENROLLMENT_TOKEN" >"$RUN_DIR/simulator.log" 2>&1 &
pids+=($!)

echo "quickstart: starting one real agent, laptop-demo, with its local API (log: .run/agent.log)"
export FLEET_AGENT_STATE_DIR="$RUN_DIR/agent"
bin/fleet-agent run --device-id laptop-demo --owner demo@example.com \
  --server "$FLEET_SERVER" --enrollment-token "$ENROLLMENT_TOKEN" >"$RUN_DIR/agent.log" 2>&1 &
pids+=($!)

started=$(date +%s)
while true; do
  sleep 5
  clear 2>/dev/null || true
  echo "quickstart: $(( $(date +%s) - started )) s since the fleet started; Ctrl-C stops everything"
  echo "  bin/fleetctl status | devices list | devices get ID   (FLEET_SERVER=$FLEET_SERVER, FLEET_TOKEN, FLEET_CA_FILE set)"
  echo "  FLEET_AGENT_STATE_DIR=.run/agent bin/fleet-agent status | policy | pause 10m | page   (the laptop-demo agent)"
  echo "  dashboard: https://127.0.0.1:8443/ (CA .run/tls/ca.crt; sign in with dev-admin-token or dev-viewer-token)"
  echo
  bin/fleetctl status || true
done
