#!/usr/bin/env bash
# Runs a command beside a throwaway Spark standalone cluster for tests:
#   scripts/with-spark.sh CMD [ARGS...]
#
# One master and FRESHET_SPARK_WORKERS workers (default 2, one core and
# FRESHET_SPARK_WORKER_MEMORY each, default 2g), started from the pyspark
# distribution in FRESHET_SPARK_VENV (a virtualenv of the checkout, default
# .venv; .venv-delta-spark for the Spark that Delta Lake supports), with no
# containers and no download of Spark itself. Every
# process listens only on 127.0.0.1 (free ports) and keeps its files in a
# temporary folder; all are stopped and the folder deleted when CMD ends,
# however it ends. CMD sees
#   FRESHET_TEST_SPARK_MASTER=spark://127.0.0.1:PORT
#   FRESHET_TEST_SPARK_WORKER_PIDS="PID PID"   (for tests that kill a worker)
#   SPARK_HOME=... SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=$FRESHET_SPARK_VENV/bin/python
# and its exit status is this script's. Needs Java 17 and pyspark in the
# virtualenv (scripts/install-deps.sh --bench installs them in both).
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${FRESHET_SPARK_VENV:-.venv}
python=$repo/$venv/bin/python
command -v java >/dev/null || { echo "with-spark: Java 17 is needed (openjdk-17-jdk-headless)" >&2; exit 1; }
if ! spark_home=$("$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null); then
  echo "with-spark: pyspark is not installed in $venv (scripts/install-deps.sh --bench)" >&2
  exit 1
fi
workers=${FRESHET_SPARK_WORKERS:-2}
worker_memory=${FRESHET_SPARK_WORKER_MEMORY:-2g}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/freshet-spark.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export SPARK_HOME=$spark_home
export SPARK_LOCAL_IP=127.0.0.1
export SPARK_LOCAL_DIRS=$tmp/local
export SPARK_LOG_DIR=$tmp/logs
export SPARK_CONF_DIR=$tmp/conf
export PYSPARK_PYTHON=$python
export PYSPARK_DRIVER_PYTHON=$python
# No REST submission server: it would take the fixed port 6066.
export SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false"
mkdir -p "$SPARK_LOCAL_DIRS" "$SPARK_LOG_DIR" "$SPARK_CONF_DIR"
# Quiet logs, in the folder that is deleted after.
cat >"$SPARK_CONF_DIR/log4j2.properties" <<'EOF'
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
EOF

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    port_is_free "$p" && { echo "$p"; return 0; }
  done
  return 1
}
# How many workers the master reports ALIVE (its web UI's JSON summary).
alive_workers() {
  curl -sf "http://127.0.0.1:$ui/json/" 2>/dev/null |
    "$python" -c 'import json, sys; print(sum(w["state"] == "ALIVE" for w in json.load(sys.stdin)["workers"]))' \
      2>/dev/null || echo 0
}
fail() {
  echo "with-spark: $1; the logs:" >&2
  tail -n 20 "$tmp"/*.log >&2 || true
  exit 1
}

port=$(free_port) && ui=$(free_port) || fail "no free port"
"$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$port" --webui-port "$ui" >"$tmp/master.log" 2>&1 &
pids+=($!)
master=spark://127.0.0.1:$port

worker_pids=()
for i in $(seq 1 "$workers"); do
  wui=$(free_port) || fail "no free port"
  mkdir -p "$tmp/work-$i"
  "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --cores 1 --memory "$worker_memory" --webui-port "$wui" \
    --work-dir "$tmp/work-$i" "$master" >"$tmp/worker-$i.log" 2>&1 &
  pids+=($!)
  worker_pids+=($!)
done

# JVM start-up is slow on a loaded machine: wait up to 120 s.
for _ in $(seq 1 600); do
  [[ $(alive_workers) == "$workers" ]] && break
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a Spark process exited"; done
  sleep 0.2
done
[[ $(alive_workers) == "$workers" ]] || fail "$workers workers did not register with $master"

export FRESHET_TEST_SPARK_MASTER=$master
export FRESHET_TEST_SPARK_WORKER_PIDS="${worker_pids[*]}"
echo "with-spark: Spark master $master with $workers workers" >&2
set +e
"$@"
status=$?
set -e
exit $status
