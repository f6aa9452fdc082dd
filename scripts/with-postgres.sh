#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server for tests:
#   scripts/with-postgres.sh CMD [ARGS...]
#
# The server listens only on 127.0.0.1 (a free port) with its unix socket in
# a temporary folder, requires a password (so that tests exercise redaction),
# and is stopped and deleted when CMD ends, however it ends. CMD sees
#   FRESHET_TEST_POSTGRES_URL=postgres://freshet:PASSWORD@127.0.0.1:PORT/freshet_test
# and its exit status is this script's. Tests that need to act on the server
# itself get
#   FRESHET_TEST_POSTGRES_CTL=/path/to/ctl
# a script: `ctl stop [fast|immediate]`, `ctl start`, `ctl restart` (same port
# and data) and `ctl psql [ARGS...]` (psql connected as the test user).
# Installs the Debian package
# `postgresql` if no server binaries are found. When invoked as root the
# server runs as the `postgres` system user (PostgreSQL refuses to run as root).
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

find_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]] && echo "$dir"
}

bindir=$(find_bindir || true)
if [[ -z $bindir ]]; then
  if ! dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "install ok installed"; then
    echo "with-postgres: installing the Debian package postgresql" >&2
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq postgresql >/dev/null
  fi
  bindir=$(find_bindir || true)
  [[ -n $bindir ]] || { echo "with-postgres: no PostgreSQL binaries under /usr/lib/postgresql" >&2; exit 1; }
fi

# PostgreSQL refuses to run as root: use the package's system user.
as_server=()
if [[ $(id -u) -eq 0 ]]; then
  server_user=postgres
  if ! id -u "$server_user" >/dev/null 2>&1; then
    server_user=freshet-test
    id -u "$server_user" >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin "$server_user"
  fi
  as_server=(runuser -u "$server_user" --)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/freshet-pg.XXXXXX")
[[ ${#as_server[@]} -eq 0 ]] || chown "$server_user" "$tmp"
started=0
cleanup() {
  if ((started)); then
    "${as_server[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

password="pw-$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')"
(umask 077 && printf '%s\n' "$password" >"$tmp/pwfile")
[[ ${#as_server[@]} -eq 0 ]] || chown "$server_user" "$tmp/pwfile"

"${as_server[@]}" "$bindir/initdb" -D "$tmp/data" -U freshet --pwfile="$tmp/pwfile" \
  --auth=scram-sha-256 -E UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1 ||
  { cat "$tmp/initdb.log" >&2; exit 1; }
rm -f "$tmp/pwfile"

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free port can be taken between the check and the start: try a few.
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  port_is_free "$port" || continue
  if "${as_server[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off -c max_connections=100" \
    start >/dev/null; then
    started=1
    break
  fi
done
if ((!started)); then
  echo "with-postgres: the server did not start; its log:" >&2
  cat "$tmp/server.log" >&2 || true
  exit 1
fi

PGPASSWORD=$password "$bindir/createdb" -h 127.0.0.1 -p "$port" -U freshet freshet_test

# The control script for tests (see the header). Values are quoted with %q.
{
  printf '#!/usr/bin/env bash\n'
  printf '# Controls the throwaway test server: stop [fast|immediate] | start | restart | psql [ARGS...]\n'
  printf 'set -euo pipefail\n'
  printf 'as_server=(%s)\n' "$(printf '%q ' "${as_server[@]}")"
  printf 'pg_ctl=%q\n' "$bindir/pg_ctl"
  printf 'psql=%q\n' "$bindir/psql"
  printf 'data=%q\n' "$tmp/data"
  printf 'log=%q\n' "$tmp/server.log"
  printf 'options=%q\n' "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off -c max_connections=100"
  printf 'port=%q\n' "$port"
  printf 'password=%q\n' "$password"
  cat <<'CTL'
start() { "${as_server[@]}" "$pg_ctl" -D "$data" -l "$log" -w -t 60 -o "$options" start >/dev/null; }
stop() { "${as_server[@]}" "$pg_ctl" -D "$data" -m "${1:-fast}" -w -t 60 stop >/dev/null; }
case "${1:-}" in
  start) start ;;
  stop) stop "${2:-fast}" ;;
  restart) stop "${2:-fast}"; start ;;
  psql) shift; PGPASSWORD=$password "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" \
    -U freshet -d freshet_test "$@" ;;
  *) echo "usage: $0 stop [fast|immediate] | start | restart | psql [ARGS...]" >&2; exit 2 ;;
esac
CTL
} >"$tmp/ctl"
chmod 700 "$tmp/ctl"
export FRESHET_TEST_POSTGRES_CTL="$tmp/ctl"

export FRESHET_TEST_POSTGRES_URL="postgres://freshet:$password@127.0.0.1:$port/freshet_test"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
set +e
"$@"
status=$?
set -e
exit $status
