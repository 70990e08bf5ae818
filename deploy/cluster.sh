#!/usr/bin/env bash
# A local cluster of three controller nodes on 127.0.0.1 against the local Cassandra.
#
#   deploy/cluster.sh start     builds if needed, starts Cassandra (deploy/cassandra.sh) and nodes 1-3
#   deploy/cluster.sh stop      SIGTERM to each node (coordinated shutdown hands its shards off), then Cassandra
#   deploy/cluster.sh status    which nodes run, and the cluster's members as node 1 sees them
#   deploy/cluster.sh kill N    SIGKILL node N (1-3): what a crash looks like
#   deploy/cluster.sh restart N start node N again after a stop or kill
#
# Node N: gRPC 127.0.0.1:808(N-1), remoting 2552(N-1), management 855(7+N) (/ready, /alive,
# /cluster/members). Every node lists all three as seed nodes; node 1 forms the cluster when none
# answers. Agents take all three: FLEET_CONTROLLERS=127.0.0.1:8080,127.0.0.1:8081,127.0.0.1:8082
# (or --server with the same list). Logs and pids under .run/cluster/.
# The nodes run the dev profile (dev.conf) with gRPC over TLS: certificates from deploy/tls.sh under
# .run/tls; agents and fleetctl trust .run/tls/ca.crt (FLEET_CONTROLLER_CA, FLEET_CA_FILE).
set -euo pipefail

REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
RUN_DIR="$REPO_ROOT/.run/cluster"
JAR="$REPO_ROOT/fleet-controller/target/fleet-controller.jar"
TLS_DIR="$REPO_ROOT/.run/tls"
NODES=(1 2 3)
mkdir -p "$RUN_DIR"
cd "$REPO_ROOT"

grpc_port() { echo $((8079 + $1)); }
remote_port() { echo $((25519 + $1)); }
management_port() { echo $((8557 + $1)); }
dashboard_port() { echo $((8442 + $1)); }
pid_of() { cat "$RUN_DIR/node-$1.pid" 2>/dev/null || true; }
running() { local pid; pid=$(pid_of "$1"); [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

start_node() {
  local n=$1
  if running "$n"; then echo "cluster.sh: node $n already running (pid $(pid_of "$n"))"; return; fi
  local seeds=()
  for s in "${NODES[@]}"; do
    seeds+=("-Dpekko.cluster.seed-nodes.$((s - 1))=pekko://fleet@127.0.0.1:$(remote_port "$s")")
  done
  FLEET_GRPC_PORT=$(grpc_port "$n") FLEET_REMOTE_PORT=$(remote_port "$n") \
    FLEET_MANAGEMENT_PORT=$(management_port "$n") FLEET_DASHBOARD_PORT=$(dashboard_port "$n") \
    FLEET_TLS_CERT="$TLS_DIR/controller.crt" FLEET_TLS_KEY="$TLS_DIR/controller.key" \
    java -Xmx${FLEET_NODE_HEAP:-768m} -Dconfig.resource=dev.conf "${seeds[@]}" -jar "$JAR" >"$RUN_DIR/node-$n.log" 2>&1 &
  echo $! >"$RUN_DIR/node-$n.pid"
  echo "cluster.sh: node $n starting (pid $!, gRPC $(grpc_port "$n"), dashboard https://127.0.0.1:$(dashboard_port "$n")/, log .run/cluster/node-$n.log)"
}

await_ready() {
  local n=$1
  for _ in $(seq 1 180); do
    if curl -fs "http://127.0.0.1:$(management_port "$n")/ready" >/dev/null 2>&1; then
      echo "cluster.sh: node $n ready"; return 0
    fi
    running "$n" || { echo "cluster.sh: node $n exited; last lines of its log:"; tail -30 "$RUN_DIR/node-$n.log"; return 1; }
    sleep 1
  done
  echo "cluster.sh: node $n not ready after 180 s"; return 1
}

stop_node() {
  local n=$1 pid
  pid=$(pid_of "$n")
  if running "$n"; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then echo "cluster.sh: node $n did not stop in 60 s; killing"; kill -KILL "$pid"; fi
    echo "cluster.sh: node $n stopped"
  fi
  rm -f "$RUN_DIR/node-$n.pid"
}

node_arg() {
  [[ "${1:-}" =~ ^[123]$ ]] || { echo "cluster.sh: a node number 1-3 is needed, got '${1:-}'" >&2; exit 2; }
}

case "${1:-}" in
  start)
    [[ -f "$JAR" ]] || { echo "cluster.sh: building (mvn -DskipTests install)"; mvn -B -q -DskipTests install; }
    deploy/tls.sh "$TLS_DIR"
    deploy/cassandra.sh start
    for n in "${NODES[@]}"; do start_node "$n"; done
    for n in "${NODES[@]}"; do await_ready "$n"; done
    echo "cluster.sh: 3 nodes up (TLS, CA .run/tls/ca.crt); agents: --server 127.0.0.1:8080,127.0.0.1:8081,127.0.0.1:8082"
    echo "cluster.sh: an enrollment token: FLEET_CA_FILE=.run/tls/ca.crt FLEET_TOKEN=dev-admin-token bin/fleetctl enroll-tokens create --uses 1000 --expires 1d"
    ;;
  stop)
    for n in 3 2 1; do stop_node "$n"; done
    deploy/cassandra.sh stop
    ;;
  status)
    for n in "${NODES[@]}"; do
      if running "$n"; then echo "node $n: running (pid $(pid_of "$n"), gRPC $(grpc_port "$n"))"; else echo "node $n: stopped"; fi
    done
    for n in "${NODES[@]}"; do
      if running "$n"; then curl -fs "http://127.0.0.1:$(management_port "$n")/cluster/members" && echo; break; fi
    done
    ;;
  kill)
    node_arg "${2:-}"
    running "$2" && kill -KILL "$(pid_of "$2")" && echo "cluster.sh: node $2 killed (SIGKILL)"
    rm -f "$RUN_DIR/node-$2.pid"
    ;;
  restart)
    node_arg "${2:-}"
    start_node "$2"
    await_ready "$2"
    ;;
  *)
    echo "usage: deploy/cluster.sh start|stop|status|kill N|restart N" >&2
    exit 2
    ;;
esac
