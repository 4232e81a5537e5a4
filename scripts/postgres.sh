# A throwaway PostgreSQL server for the tests (Debian's package); source this file.
#
#   source scripts/postgres.sh && start_test_postgres
#
# Installs PostgreSQL when missing (as root, or with sudo), starts a private
# server in a temporary folder listening on a Unix socket only (no TCP port,
# trust authentication confined to that folder), creates the database
# `atlas_test`, exports ATLAS_TEST_DATABASE_URL for the store tests, and stops
# and removes the server when the calling shell exits. Returns non-zero, with
# a message, when PostgreSQL cannot be installed or started.

start_test_postgres() {
  local sudo="" bin dir as=()
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "Installing PostgreSQL for the store tests…"
    # the package would start its own cluster; it is not needed, so keep it from starting
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
      || { echo "PostgreSQL could not be installed." >&2; return 1; }
  fi
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  dir=$(mktemp -d /tmp/atlas-pg.XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then  # initdb refuses to run as root
    chown postgres "$dir"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U atlas -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    && "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
         -o "-k $dir -c listen_addresses= -c fsync=off -c full_page_writes=off" start >/dev/null \
    && "${as[@]}" "$bin/createdb" -h "$dir" -U atlas atlas_test \
    || { echo "PostgreSQL could not be started; see $dir/*.log" >&2; return 1; }
  export ATLAS_TEST_DATABASE_URL="postgresql+psycopg://atlas@/atlas_test?host=$dir"
  ATLAS_TEST_PG_DIR="$dir"
  ATLAS_TEST_PG_AS="${as[*]}"
  ATLAS_TEST_PG_BIN="$bin"
  trap stop_test_postgres EXIT
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') for the store tests: $ATLAS_TEST_DATABASE_URL"
}

stop_test_postgres() {
  [ -n "${ATLAS_TEST_PG_DIR:-}" ] || return 0
  $ATLAS_TEST_PG_AS "$ATLAS_TEST_PG_BIN/pg_ctl" -D "$ATLAS_TEST_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$ATLAS_TEST_PG_DIR"
  ATLAS_TEST_PG_DIR=""
}
