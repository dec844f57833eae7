#!/bin/sh
# Parley container entrypoint.
#   web     (default) wait for the database, migrate once (see below), run the daphne
#           processes (WEB_CONCURRENCY of them, config/serve.py)
#   worker  wait for the database, exec the background task worker (django-tasks db_worker)
#   ingest  wait for the database, exec `manage.py ingest` (the bus in INGEST_SOURCE)
#   migrate wait for the database, migrate, exit
#   anything else is exec'd as given (e.g. `python manage.py check_deploy`, `sh`)
#
# Migrations run once per deploy even when every node starts at the same moment:
# `migrate_locked` holds a PostgreSQL advisory lock, so one node migrates and the others
# wait for it and then find nothing to apply. Set MIGRATE=0 on nodes that must never migrate
# (e.g. when a separate `migrate` job runs first).
set -eu

cd "${APP_DIR:-/app}"
role="${1:-web}"

wait_for_database() {
    python manage.py wait_for_db --timeout "${DB_WAIT_SECONDS:-60}"
}

case "$role" in
    web)
        wait_for_database
        if [ "${MIGRATE:-1}" = "1" ]; then
            python manage.py migrate_locked --noinput
        fi
        # WEB_CONCURRENCY daphne processes (default: one per core), each a node of its own
        # on PORT, PORT+1, ... with NODE_ID-<n> (config/serve.py: no --http-timeout, listen
        # backlog 1024, no daphne access log since parley.request writes a scrubbed one).
        exec python -m config.serve
        ;;
    worker)
        wait_for_database
        exec python manage.py db_worker
        ;;
    ingest)
        wait_for_database
        # SIGTERM reaches the command itself (exec): it finishes its batch and acks it.
        exec python manage.py ingest
        ;;
    migrate)
        wait_for_database
        exec python manage.py migrate_locked --noinput
        ;;
    *)
        exec "$@"
        ;;
esac
