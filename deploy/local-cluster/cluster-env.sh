# Shared by flink-cluster and flink: where the Flink runtime and the cluster's files live.
# Every setting is an environment variable with a local default, so tests and a second cluster
# on the same machine can pick other ports and directories.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# The jars of a Flink 1.20 distribution's lib/, copied from Maven Central by deploy/local-cluster/pom.xml.
FLINK_LIB=${PG2GP_FLINK_LIB:-$here/target/flink/lib}
# Jars only the SQL client loads (the distribution's opt/): flink-python.
FLINK_OPT=${PG2GP_FLINK_OPT:-$here/target/flink/opt}
# The cluster's configuration, logs, pid files, checkpoints and savepoints.
FLINK_HOME_DIR=${PG2GP_FLINK_HOME:-${TMPDIR:-/tmp}/pg2gp-flink-$(id -un)}
FLINK_CONF=$FLINK_HOME_DIR/conf
FLINK_LOG=$FLINK_HOME_DIR/log
REST_PORT=${PG2GP_FLINK_REST_PORT:-8081}
RPC_PORT=${PG2GP_FLINK_RPC_PORT:-6123}
SLOTS=${PG2GP_FLINK_SLOTS:-4}
JM_MEMORY=${PG2GP_FLINK_JM_MEMORY:-1024m}
TM_MEMORY=${PG2GP_FLINK_TM_MEMORY:-2048m}
PROM_PORTS=${PG2GP_FLINK_PROMETHEUS_PORTS:-9249-9260}

# What Flink's own scripts pass on Java 17 (env.java.opts.all in the distribution's config.yaml).
JAVA_OPENS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

ensure_flink_lib() {
  # The SQL client joined lib/ and opt/ later: a lib/ assembled before it is assembled again.
  if ! compgen -G "$FLINK_LIB/flink-runtime-*.jar" >/dev/null \
      || ! compgen -G "$FLINK_LIB/flink-sql-client-*.jar" >/dev/null \
      || ! compgen -G "$FLINK_OPT/flink-python-*.jar" >/dev/null; then
    echo "pg2gp: assembling the Flink runtime from Maven Central into $FLINK_LIB" >&2
    mvn -B -ntp -q package -f "$here/pom.xml" >&2
  fi
}
