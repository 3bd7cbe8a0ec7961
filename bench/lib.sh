# Shared by bench/run, bench/tune and bench/profile (sourced, not run). Expects BENCH, ROOT and WORK to be set.
# shellcheck shell=bash

TOPIC=bench-events
DDL='event_id STRING, event_time TIMESTAMP, service STRING, level STRING, user_id STRING, latency_ms INT, path STRING, status INT, message STRING'
KAFKA_DIR="$WORK/kafka"
JARS="$WORK/jars"

# A JVM started with plain java (not spark-submit, whose launcher adds them) needs the opens Spark 3.5 needs on Java
# 17: the one list is pom.xml's spark.add-opens property, which the tests use too.
read -ra ADD_OPENS <<< "$(sed -n 's:.*<spark.add-opens>\(.*\)</spark.add-opens>.*:\1:p' "$ROOT"/pom.xml)"

log() { echo "bench: $*" >&2; }

# Builds what is missing, then freezes the archiver's jars under $WORK/jars: bin/archiver rebuilds itself when
# sources change, and a rebuild in the middle of a timed run (or jars replaced under a running JVM) would spoil it.
# With NO_BUILD=true (bench/run --no-build) the archiver is not rebuilt: the jars frozen by an earlier run are
# kept (so later runs compare the same archiver), else the tree's are taken as they are. For a tree in the middle
# of an edit, whose sources would not build.
build() {
  [ -x /usr/bin/time ] || { log "installing GNU time (peak RSS)"; apt-get install -y -q time >&2; }
  mvn -q -B -f "$BENCH/pom.xml" package >&2
  if [ "${NO_BUILD:-false}" = true ] && [ -f "$JARS/archiver-all.jar" ]; then
    cp "$BENCH/target/archiver-bench-0.1.0-SNAPSHOT.jar" "$JARS/bench.jar"
    log "using the frozen archiver jars: $(cat "$JARS/version")"
    return
  fi
  [ "${NO_BUILD:-false}" = true ] || "$ROOT/bin/archiver" --help >/dev/null # builds what is missing or stale
  rm -rf "$JARS" && mkdir -p "$JARS"
  # The shaded jar holds archiver-core (HeapSampler for the comparison jobs); spark.classpath none of the archiver's.
  cp "$ROOT/archiver-app/target/archiver-app-0.1.0-SNAPSHOT-all.jar" "$JARS/archiver-all.jar"
  cp "$BENCH/target/archiver-bench-0.1.0-SNAPSHOT.jar" "$JARS/bench.jar"
  cp "$ROOT/archiver-app/target/spark.classpath" "$JARS/spark.classpath"
  echo "archiver jar built $(date -u -r "$JARS/archiver-all.jar" '+%F %T UTC')," \
    "HEAD $(git -C "$ROOT" rev-parse --short HEAD)" >"$JARS/version"
}

# bin/archiver's own launch line on the frozen jars, into the array CMD: java_cmd HEAP archiver|bench. The
# comparison jobs (BenchJob) start exactly like the archiver: same JVM options, Spark jars and log settings.
# ARCHIVER_JAVA_OPTS adds JVM options, as in bin/archiver.
java_cmd() {
  # The comparison jobs get the archiver's jar too: it carries the compression codecs (lz4, snappy, zstd) that
  # spark.classpath leaves out, so both sides run on identical classes.
  local jar=$JARS/archiver-all.jar main=dev.archiver.cli.ArchiverCli
  [ "$2" = bench ] && jar=$JARS/bench.jar:$JARS/archiver-all.jar main=dev.archiver.bench.BenchJob
  # shellcheck disable=SC2206
  CMD=(java "${ADD_OPENS[@]}" -Xmx"$1" ${ARCHIVER_JAVA_OPTS:-} -Darchiver.home="$ROOT"
    -Dlog4j2.configurationFile="$ROOT/bin/log4j2.properties" -cp "$jar:$(cat "$JARS/spark.classpath")" "$main")
}

archiver() { java_cmd 2g archiver && "${CMD[@]}" "$@"; }

# Kafka's kafka-consumer-perf-test on the broker's own classpath plus the kafka-tools jar, into the array CMD.
perf_cmd() {
  local tools=$BENCH/target/kafka-tools/kafka-tools-3.9.1.jar
  CMD=(java -Xmx1g -cp "$(cat "$ROOT/bin/local-kafka/target/broker.classpath"):$tools"
    org.apache.kafka.tools.ConsumerPerformance)
}

# Starts the broker on a free port (on the data left by an earlier run, if any); sets BOOTSTRAP. The EXIT trap
# stops it however the script ends, so no broker outlives a benchmark.
start_broker() {
  local line
  line=$(archiver local-kafka start --port 0 --dir "$KAFKA_DIR" 2>"$WORK/local-kafka.err") \
    || { cat "$WORK/local-kafka.err" >&2; return 1; }
  BOOTSTRAP=$(sed -n 's/^local Kafka running at \([^ ]*\).*/\1/p' <<<"$line")
  trap cleanup EXIT
  trap 'exit 130' INT TERM # so that an interrupted benchmark runs the EXIT trap too
  log "broker at $BOOTSTRAP (data in $KAFKA_DIR)"
}

# Ends the job being measured, if any (timeout runs it in a process group of its own, which Ctrl-C does not
# reach), then the broker.
cleanup() {
  local group
  if [ -n "${MEASURED:-}" ] && kill -0 "$MEASURED" 2>/dev/null; then
    group=$(pgrep -P "$MEASURED" || true) # timeout, the leader of the job's process group
    [ -n "$group" ] && kill -TERM -- "-$group" 2>/dev/null
    wait "$MEASURED" 2>/dev/null || true
  fi
  stop_broker
}

stop_broker() {
  archiver local-kafka stop --dir "$KAFKA_DIR" >/dev/null 2>&1 || true
  log "broker stopped"
}

# The arguments every archiver run shares (the README's example), into the array RUN_ARGS: run_args OUTPUT.
run_args() {
  RUN_ARGS=(run --bootstrap-servers "$BOOTSTRAP" --topic "$TOPIC" --output "$1" --schema "$DDL"
    --event-time-column event_time --set schema.required-columns=event_id,event_time,service
    --trigger available-now)
}

# CPU ticks so far, as "MACHINE_BUSY BROKER": report.py subtracts the job's and the broker's CPU from the machine's
# to show what else ran during a run (a concurrent build), a warning that its numbers are noisy.
cpu_ticks() {
  local busy broker=0 pid
  busy=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat)
  pid=$(cat "$KAFKA_DIR/broker.pid" 2>/dev/null || true)
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] && broker=$(awk '{print $14+$15}' "/proc/$pid/stat")
  echo "$busy $broker"
}

# The machine may be shared (a build, tests): before a run, wait until the CPUs have been mostly idle for 5 s
# (under QUIET_BUSY percent busy, default 25), at most QUIET_WAIT seconds (default 600). The wait is logged, and
# whatever still ran alongside shows in the table's "other" CPU column.
wait_quiet() {
  local waited=0 a b busy
  local ticks='/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' # busy, total
  while [ "$waited" -lt "${QUIET_WAIT:-600}" ]; do
    a=$(awk "$ticks" /proc/stat)
    sleep 5
    b=$(awk "$ticks" /proc/stat)
    busy=$(awk -v a="$a" -v b="$b" 'BEGIN {split(a, x); split(b, y); print int(100 * (y[1]-x[1]) / (y[2]-x[2]+1))}')
    [ "$busy" -lt "${QUIET_BUSY:-25}" ] && break
    waited=$((waited + 5))
  done
  [ "$waited" -eq 0 ] || log "waited ${waited}s for the machine to calm down (last ${busy}% busy)"
}

# measure NAME DESCRIPTION COMMAND...: runs COMMAND under GNU time (peak RSS, CPU) and a time limit; everything
# report.py needs lands in $RUNS/NAME; the job writes to $OUT/NAME. A non-zero exit (124 = time limit) counts as
# not finished.
measure() {
  local name=$1 description=$2 dir="$RUNS/$1" rc=0
  shift 2
  rm -rf "$dir" "${OUT:?}/$name" && mkdir -p "$dir"
  printf '%s\n' "$description" >"$dir/description"
  wait_quiet
  cpu_ticks >"$dir/cpu-before"
  log "run $name: $description"
  # The GC log gives every JVM the same heap reading: the heap left after each collection (what a batch really
  # holds), and the time spent in pauses. JAVA_TOOL_OPTIONS reaches the JVM whatever launches it.
  JAVA_TOOL_OPTIONS="-Xlog:gc:file=$dir/gc.log" /usr/bin/time -v -o "$dir/time.txt" timeout -k 30 "$TIMEOUT" "$@" \
    >"$dir/stdout" 2>"$dir/stderr" &
  MEASURED=$!
  wait "$MEASURED" || rc=$?
  MEASURED=
  echo "$rc" >"$dir/rc"
  cpu_ticks >"$dir/cpu-after"
  # Parquet files written (archive, and the archiver's quarantine apart), as "count bytes".
  if [ -d "$OUT/$name" ]; then
    find "$OUT/$name" -name '*.parquet' -not -path '*/_quarantine/*' -printf '%s\n' \
      | awk '{n++; b+=$1} END {print n+0, b+0}' >"$dir/files"
    find "$OUT/$name" -name '*.parquet' -path '*/_quarantine/*' -printf '%s\n' \
      | awk '{n++; b+=$1} END {print n+0, b+0}' >"$dir/quarantine-files"
  fi
  log "run $name: exit $rc, $(grep -o 'Elapsed.*' "$dir/time.txt" | sed 's/.*: //') wall"
}
