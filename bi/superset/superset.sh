#!/usr/bin/env bash
# Apache Superset on the published BI file (docs/bi-tools.md). Runs from the repository root with
# Superset installed in bi/.venv (`make bi-install`). Subcommands:
#   template DIR   create an initialised metadata database (migrations, roles, admin) in DIR;
#                  `make bi-install` keeps one in bi/.venv/superset-template for fast starts
#   register       add (or update) the database `finops` -> $FINOPS_BI_FILE, opened read-only
#   serve          start Superset on 127.0.0.1:$SUPERSET_PORT (foreground; Ctrl-C stops it)
# Environment: FINOPS_SUPERSET_HOME (metadata + secret key, default bi/superset/state),
# SUPERSET_PORT (default 8088), FINOPS_BI_FILE (default $FINOPS_OUTPUT_DIR/finops_bi.duckdb).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BI_VENV="${FINOPS_BI_VENV:-$ROOT/bi/.venv}"
TEMPLATE="$BI_VENV/superset-template"
export SUPERSET_CONFIG_PATH="$HERE/superset_config.py"
export FINOPS_SUPERSET_HOME="${FINOPS_SUPERSET_HOME:-$HERE/state}"
export DO_NOT_TRACK=1 FLASK_APP=superset
PORT="${SUPERSET_PORT:-8088}"
OUT="${FINOPS_OUTPUT_DIR:-$ROOT/output}"
case "$OUT" in /*) ;; *) OUT="$ROOT/$OUT" ;; esac
BI_FILE="${FINOPS_BI_FILE:-$OUT/finops_bi.duckdb}"

if [[ ! -x "$BI_VENV/bin/superset" ]]; then
    echo "error: Superset is not installed in $BI_VENV; run 'make bi-install' first" >&2
    exit 1
fi
superset() { "$BI_VENV/bin/superset" "$@"; }

case "${1:-}" in
template)
    export FINOPS_SUPERSET_HOME="${2:?usage: superset.sh template DIR}"
    rm -rf "$FINOPS_SUPERSET_HOME"
    superset db upgrade
    superset fab create-admin --username admin --firstname FinOps --lastname Admin \
        --email admin@localhost --password "${SUPERSET_ADMIN_PASSWORD:-admin}"
    superset init
    rm -f "$FINOPS_SUPERSET_HOME/secret_key"  # every copy makes its own
    ;;
register)
    if [[ ! -f "$BI_FILE" ]]; then
        echo "error: no BI file at $BI_FILE; run 'make demo' (or 'finops publish') first" >&2
        exit 1
    fi
    "$0" ensure-metadata
    superset set-database-uri --database_name finops \
        --uri "duckdb:///$BI_FILE?access_mode=read_only"
    ;;
ensure-metadata)
    if [[ ! -f "$FINOPS_SUPERSET_HOME/superset.db" ]]; then
        if [[ ! -f "$TEMPLATE/superset.db" ]]; then
            echo "error: no metadata template in $TEMPLATE; run 'make bi-install'" >&2
            exit 1
        fi
        mkdir -p "$FINOPS_SUPERSET_HOME"
        cp "$TEMPLATE/superset.db" "$FINOPS_SUPERSET_HOME/superset.db"
    fi
    ;;
serve)
    "$0" ensure-metadata
    echo "Superset on http://127.0.0.1:$PORT (user admin); SQL Lab -> database finops -> schema main"
    exec "$BI_VENV/bin/gunicorn" --workers 1 --threads 4 --timeout 120 \
        --bind "127.0.0.1:$PORT" --access-logfile - "superset.app:create_app()"
    ;;
*)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
