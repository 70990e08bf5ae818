#!/usr/bin/env bash
# Local single-node Cassandra 5.0 for development and tests, run from Maven artifacts
# (org.apache.cassandra:cassandra-all) in its own JVM, with its own classpath.
#
# Usage: deploy/cassandra.sh start|stop|status|wipe|schema
#
#   start   resolve the classpath (cached; re-resolved when deploy/cassandra/pom.xml changes),
#           render the config, start CassandraDaemon in the background and wait until CQL accepts
#           TCP connections. Idempotent: exits 0 if this run folder's Cassandra is already up.
#   stop    SIGTERM, up to CASSANDRA_STOP_TIMEOUT s (30), then SIGKILL. Idempotent.
#   status  "running ..." (exit 0), "starting ..." (exit 3, process alive but CQL not open yet),
#           "stopped" (exit 3).
#   wipe    stop, then delete the data folder (keyspaces, commit log, caches, hints).
#   schema  apply the migrations of deploy/cassandra/schema to this Cassandra, as the Kubernetes Job
#           does (the controller's `schema apply`; needs fleet-controller/target/fleet-controller.jar).
#           A dev-mode controller applies them itself at start; this is for a non-dev one.
#
# Environment:
#   FLEET_RUN_DIR            run folder parent; Cassandra uses $FLEET_RUN_DIR/cassandra
#                            (default: <repo root>/.run/cassandra)
#   CASSANDRA_CQL_PORT       native protocol (CQL) port, default 9042
#   CASSANDRA_STORAGE_PORT   internode port, default 7000
#   CASSANDRA_JMX_PORT       if set, enables local JMX on that port (for nodetool)
#   CASSANDRA_START_TIMEOUT  seconds to wait for CQL, default 180
#   CASSANDRA_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL, default 30
#   CASSANDRA_JAVA           a JDK 17 java binary to use (else: java on PATH, $JAVA_HOME, /usr/lib/jvm/*)
#   CASSANDRA_JVM_OPTS       extra JVM options (word-split)
#   MVN                      Maven command, default mvn
#
# Run folder layout: cassandra.pid, cassandra.ports, classpath.txt (+ .stamp), conf/cassandra.yaml,
# data/, logs/system.log (Cassandra), logs/stdout.log (JVM stdout/stderr), logs/mvn.log, tmp/.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
SRC_DIR="$SCRIPT_DIR/cassandra"

if [[ -n "${FLEET_RUN_DIR:-}" ]]; then
  RUN_DIR="$FLEET_RUN_DIR/cassandra"
  [[ $RUN_DIR == /* ]] || RUN_DIR="$PWD/$RUN_DIR"
else
  RUN_DIR="$REPO_ROOT/.run/cassandra"
fi
PID_FILE="$RUN_DIR/cassandra.pid"
PORTS_FILE="$RUN_DIR/cassandra.ports"
CP_FILE="$RUN_DIR/classpath.txt"
CP_STAMP="$RUN_DIR/classpath.stamp"
CONF_DIR="$RUN_DIR/conf"
YAML="$CONF_DIR/cassandra.yaml"
DATA_DIR="$RUN_DIR/data"
LOG_DIR="$RUN_DIR/logs"
TMP_DIR="$RUN_DIR/tmp"
MAIN_CLASS=org.apache.cassandra.service.CassandraDaemon

CQL_PORT=${CASSANDRA_CQL_PORT:-9042}
STORAGE_PORT=${CASSANDRA_STORAGE_PORT:-7000}
JMX_PORT=${CASSANDRA_JMX_PORT:-}
START_TIMEOUT=${CASSANDRA_START_TIMEOUT:-180}
STOP_TIMEOUT=${CASSANDRA_STOP_TIMEOUT:-30}
MVN=${MVN:-mvn}

say() { printf 'cassandra.sh: %s\n' "$*"; }
die() { printf 'cassandra.sh: ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

check_settings() {
  local name value
  for name in CQL_PORT STORAGE_PORT START_TIMEOUT STOP_TIMEOUT; do
    value=${!name}
    is_uint "$value" || die "$name must be a number, got '$value'"
  done
  if [[ -n $JMX_PORT ]]; then is_uint "$JMX_PORT" || die "CASSANDRA_JMX_PORT must be a number, got '$JMX_PORT'"; fi
  [[ $CQL_PORT != "$STORAGE_PORT" ]] || die "CQL port and storage port are both $CQL_PORT"
}

# Microseconds since the epoch (bash 5 EPOCHREALTIME, else whole seconds).
now_us() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then
    local t=${EPOCHREALTIME/[.,]/}
    printf '%s\n' "$t"
  else
    printf '%s000000\n' "$(date +%s)"
  fi
}
elapsed_s() { # $1 = start from now_us -> "12.3"
  local d=$(( $(now_us) - $1 ))
  printf '%d.%d\n' $(( d / 1000000 )) $(( d % 1000000 / 100000 ))
}

port_open() { # $1 = port; true when something accepts TCP connections on 127.0.0.1:$1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

port_owner() { # best effort description of who listens on $1
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$1" 2>/dev/null | head -n 3 || true
  fi
}

cmdline_of() { # $1 = pid
  if [[ -r /proc/$1/cmdline ]]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -ww -o args= -p "$1" 2>/dev/null || true
  fi
}

# Prints the PID of the Cassandra started from this run folder if it is alive; removes a stale pid file.
live_pid() {
  local pid cmd
  [[ -f $PID_FILE ]] || return 0
  pid=$(<"$PID_FILE")
  if is_uint "$pid" && kill -0 "$pid" 2>/dev/null; then
    cmd=$(cmdline_of "$pid")
    if [[ $cmd == *"$MAIN_CLASS"* && $cmd == *"$YAML"* ]]; then
      printf '%s\n' "$pid"
      return 0
    fi
  fi
  rm -f -- "$PID_FILE" "$PORTS_FILE"
}

recorded_cql_port() {
  local key line
  if [[ -f $PORTS_FILE ]]; then
    while IFS='=' read -r key line; do
      if [[ $key == cql ]]; then printf '%s\n' "$line"; return 0; fi
    done <"$PORTS_FILE"
  fi
  printf '%s\n' "$CQL_PORT"
}

rss_mb() { # $1 = pid
  local kb
  kb=$(ps -o rss= -p "$1" 2>/dev/null | tr -d ' ') || true
  if is_uint "${kb:-x}"; then printf '%d MB' $(( kb / 1024 )); else printf '? MB'; fi
}

show_logs() {
  local f
  for f in "$LOG_DIR/stdout.log" "$LOG_DIR/system.log"; do
    if [[ -s $f ]]; then
      printf -- '----- last 40 lines of %s -----\n' "$f" >&2
      tail -n 40 -- "$f" >&2
    fi
  done
}

# Serialises start/stop/wipe of one run folder (several test runs may call `start` at once).
take_lock() {
  mkdir -p -- "$RUN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$RUN_DIR/.lock"
    flock -w 600 9 || die "could not lock $RUN_DIR/.lock within 600 s"
  fi
}

java_major() { # $1 = java binary -> major version, e.g. 17
  local v
  v=$("$1" -version 2>&1 | awk -F'"' '/ version "/ { print $2; exit }') || return 1
  v=${v#1.}
  printf '%s\n' "${v%%[.+-]*}"
}

find_java17() {
  local c major
  local -a candidates=()
  if [[ -n ${CASSANDRA_JAVA:-} ]]; then
    major=$(java_major "$CASSANDRA_JAVA" 2>/dev/null || true)
    [[ $major == 17 ]] || die "CASSANDRA_JAVA=$CASSANDRA_JAVA is not a JDK 17 java (major version '${major:-?}'); Cassandra 5.0 runs on JDK 17 only"
    JAVA_BIN=$CASSANDRA_JAVA
    return 0
  fi
  candidates+=("$(command -v java 2>/dev/null || true)")
  [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME/bin/java")
  candidates+=(/usr/lib/jvm/*17*/bin/java /usr/lib/jvm/*/bin/java)
  for c in "${candidates[@]}"; do
    [[ -n $c && -x $c ]] || continue
    major=$(java_major "$c" 2>/dev/null || true)
    if [[ $major == 17 ]]; then
      JAVA_BIN=$c
      return 0
    fi
  done
  die "Cassandra 5.0 needs JDK 17 and none was found ('java' on PATH is $(java_major java 2>/dev/null || echo missing), \$JAVA_HOME and /usr/lib/jvm/* have none). Install one (Debian: openjdk-17-jdk-headless) or set CASSANDRA_JAVA=/path/to/jdk17/bin/java."
}

pom_stamp() { cksum <"$SRC_DIR/pom.xml"; }

classpath_complete() {
  local entry
  local -a entries=()
  IFS=: read -r -a entries <"$CP_FILE" || true
  (( ${#entries[@]} > 0 )) || return 1
  for entry in "${entries[@]}"; do
    [[ -f $entry ]] || return 1
  done
}

resolve_classpath() {
  local want t0
  want=$(pom_stamp)
  if [[ -s $CP_FILE && -f $CP_STAMP && "$(<"$CP_STAMP")" == "$want" ]] && classpath_complete; then
    return 0
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "Maven ('$MVN') not found; it is needed once to download cassandra-all"
  say "resolving the Cassandra classpath with Maven (the first time downloads ~70 MB) ..."
  t0=$(now_us)
  rm -f -- "$CP_FILE" "$CP_STAMP"
  if ! (cd -- "$SRC_DIR" && "$MVN" -B -q -f "$SRC_DIR/pom.xml" dependency:build-classpath \
          -Dmdep.outputFile="$CP_FILE.tmp") >"$LOG_DIR/mvn.log" 2>&1; then
    tail -n 40 -- "$LOG_DIR/mvn.log" >&2 || true
    die "Maven could not resolve org.apache.cassandra:cassandra-all (full output: $LOG_DIR/mvn.log)"
  fi
  mv -f -- "$CP_FILE.tmp" "$CP_FILE"
  classpath_complete || die "Maven wrote an incomplete classpath to $CP_FILE"
  printf '%s\n' "$want" >"$CP_STAMP"
  say "classpath resolved in $(elapsed_s "$t0") s"
}

render_yaml() {
  local tpl
  tpl=$(<"$SRC_DIR/cassandra.yaml.template")
  tpl=${tpl//@DATA_DIR@/"$DATA_DIR"}
  tpl=${tpl//@CQL_PORT@/"$CQL_PORT"}
  tpl=${tpl//@STORAGE_PORT@/"$STORAGE_PORT"}
  printf '%s\n' "$tpl" >"$YAML.tmp"
  mv -f -- "$YAML.tmp" "$YAML"
}

jvm_args() {
  JVM_ARGS=(
    -Xms512m -Xmx1g
    -XX:+UseG1GC
    -XX:+ExitOnOutOfMemoryError
    -Djava.net.preferIPv4Stack=true
    # JPMS flags of Cassandra's conf/jvm17-server.options
    -Djdk.attach.allowAttachSelf=true
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
    --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
    --add-exports java.sql/java.sql=ALL-UNNAMED
    --add-exports java.base/java.lang.ref=ALL-UNNAMED
    --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
    --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
    --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
    --add-opens java.base/java.lang.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
    --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
    --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
    --add-opens java.base/jdk.internal.math=ALL-UNNAMED
    --add-opens java.base/jdk.internal.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens java.base/java.io=ALL-UNNAMED
    --add-opens java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
    --add-opens java.base/java.lang=ALL-UNNAMED
    --add-opens java.base/java.util=ALL-UNNAMED
    -Dio.netty.tryReflectionSetAccessible=true
    # Cassandra itself
    "-Dcassandra.config=file://$YAML"
    "-Dcassandra.storagedir=$DATA_DIR"
    "-Dcassandra.logdir=$LOG_DIR"
    "-Dlogback.configurationFile=file://$SRC_DIR/logback.xml"
    "-Djava.io.tmpdir=$TMP_DIR"
    "-Djna.tmpdir=$TMP_DIR"
    -Dcassandra-foreground=yes
    # dev/test speed-ups: no fsync of system tables, no flush per schema change; single node, so
    # no 8 s wait for gossip to settle at start and no 2 s shutdown announcement at stop
    -Dcassandra.unsafesystem=true
    -Dcassandra.test.flush_local_schema_changes=false
    -Dcassandra.skip_wait_for_gossip_to_settle=0
    -Dcassandra.shutdown_announce_in_ms=0
  )
  if [[ -n $JMX_PORT ]]; then
    JVM_ARGS+=("-Dcassandra.jmx.local.port=$JMX_PORT")
  fi
  if [[ -n ${CASSANDRA_JVM_OPTS:-} ]]; then
    local -a extra=()
    read -r -a extra <<<"$CASSANDRA_JVM_OPTS"
    JVM_ARGS+=("${extra[@]}")
  fi
  JVM_ARGS+=(-cp "$(<"$CP_FILE")" "$MAIN_CLASS")
}

# Waits for CQL on $2 while PID $1 lives. On death: logs + exit 1. On timeout: stop it + exit 1.
wait_ready() {
  local pid=$1 port=$2 deadline=$(( SECONDS + START_TIMEOUT ))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f -- "$PID_FILE" "$PORTS_FILE"
      show_logs
      die "cassandra (pid $pid) died during start-up; logs: $LOG_DIR"
    fi
    if port_open "$port"; then
      return 0
    fi
    if (( SECONDS >= deadline )); then
      show_logs
      say "CQL port $port not open after ${START_TIMEOUT} s; stopping pid $pid" >&2
      stop_pid "$pid" >&2
      die "cassandra did not become ready within ${START_TIMEOUT} s (CASSANDRA_START_TIMEOUT); logs: $LOG_DIR"
    fi
    sleep 0.5
  done
}

cmd_start() {
  local t0 pid port p
  t0=$(now_us)
  check_settings
  take_lock
  mkdir -p -- "$CONF_DIR" "$DATA_DIR" "$LOG_DIR" "$TMP_DIR"

  pid=$(live_pid)
  if [[ -n $pid ]]; then
    port=$(recorded_cql_port)
    if [[ $port != "$CQL_PORT" ]]; then
      die "the cassandra of $RUN_DIR is already running on port $port (pid $pid), not on the requested $CQL_PORT; stop it first or use another FLEET_RUN_DIR"
    fi
    if port_open "$port"; then
      say "cassandra already running on 127.0.0.1:$port (pid $pid)"
      return 0
    fi
    say "cassandra (pid $pid) is starting; waiting for 127.0.0.1:$port ..."
    wait_ready "$pid" "$port"
    say "cassandra ready on 127.0.0.1:$port in $(elapsed_s "$t0") s (pid $pid)"
    return 0
  fi

  for p in "$CQL_PORT" "$STORAGE_PORT" ${JMX_PORT:+"$JMX_PORT"}; do
    if port_open "$p"; then
      port_owner "$p" >&2
      die "port $p on 127.0.0.1 is already in use by a process this script did not start from $RUN_DIR; free it, or pick other ports with CASSANDRA_CQL_PORT / CASSANDRA_STORAGE_PORT"
    fi
  done

  find_java17
  resolve_classpath
  render_yaml
  jvm_args
  printf '%s\n' "cql=$CQL_PORT" "storage=$STORAGE_PORT" "jmx=$JMX_PORT" >"$PORTS_FILE"

  {
    printf '==== %s starting %s\n' "$(date '+%Y-%m-%dT%H:%M:%S%z')" "$JAVA_BIN"
  } >>"$LOG_DIR/stdout.log"
  # New session (setsid) so that the caller's Ctrl-C / process-group kill does not reach it;
  # setsid does not fork here (a background child of a non-interactive shell is no group leader),
  # so $! is the JVM's PID.
  local -a detach=(nohup)
  if command -v setsid >/dev/null 2>&1; then detach=(setsid nohup); fi
  # 9>&- : the daemon must not inherit the lock descriptor, or it holds the lock for its whole life.
  (cd -- "$RUN_DIR" && exec "${detach[@]}" "$JAVA_BIN" "${JVM_ARGS[@]}" </dev/null >>"$LOG_DIR/stdout.log" 2>&1 9>&-) &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"

  wait_ready "$pid" "$CQL_PORT"
  say "cassandra ready on 127.0.0.1:$CQL_PORT in $(elapsed_s "$t0") s (pid $pid)"
}

# SIGTERM, wait up to STOP_TIMEOUT s, then SIGKILL.
stop_pid() {
  local pid=$1 t0 deadline
  t0=$(now_us)
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( SECONDS + STOP_TIMEOUT ))
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid still alive after ${STOP_TIMEOUT} s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$(( SECONDS + 10 ))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do
      sleep 0.2
    done
  fi
  rm -f -- "$PID_FILE" "$PORTS_FILE"
  kill -0 "$pid" 2>/dev/null && die "pid $pid survived SIGKILL"
  say "cassandra stopped (pid $pid) in $(elapsed_s "$t0") s"
}

cmd_stop() {
  local pid
  take_lock
  pid=$(live_pid)
  if [[ -z $pid ]]; then
    say "cassandra not running ($RUN_DIR)"
    return 0
  fi
  stop_pid "$pid"
}

cmd_status() {
  local pid port
  pid=$(live_pid)
  if [[ -z $pid ]]; then
    echo "stopped ($RUN_DIR)"
    return 3
  fi
  port=$(recorded_cql_port)
  if port_open "$port"; then
    echo "running on 127.0.0.1:$port (pid $pid, rss $(rss_mb "$pid"), $RUN_DIR)"
    return 0
  fi
  echo "starting (pid $pid, CQL port $port not open yet, $RUN_DIR)"
  return 3
}

cmd_wipe() {
  cmd_stop
  [[ -n $DATA_DIR && $DATA_DIR == "$RUN_DIR/data" ]] || die "refusing to delete '$DATA_DIR'"
  rm -rf -- "$DATA_DIR"
  say "deleted $DATA_DIR"
}

cmd_schema() {
  local jar="$REPO_ROOT/fleet-controller/target/fleet-controller.jar"
  check_settings
  [[ -f $jar ]] || die "no $jar: build the controller first (mvn -B -DskipTests package -pl fleet-controller -am)"
  port_open "$CQL_PORT" || die "no Cassandra answers on 127.0.0.1:$CQL_PORT; run deploy/cassandra.sh start first"
  find_java17
  "$JAVA_BIN" "-Ddatastax-java-driver.basic.contact-points.0=127.0.0.1:$CQL_PORT" -jar "$jar" schema apply
}

main() {
  case "${1:-}" in
    schema) cmd_schema ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    wipe) cmd_wipe ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
