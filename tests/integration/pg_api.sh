#!/usr/bin/env bash
# Runs the store API test (tests/unit/test_store.c) against a throwaway server.
# usage: pg_api.sh PATH_TO_test_store
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/pg_server.sh"
pg_start
MQTTIDS_TEST_PG_DSN=$PG_DSN "$1"
