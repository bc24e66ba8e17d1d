# PostgreSQL tests (issue 6): each script starts its own throwaway server (pg_server.sh:
# initdb as the postgres user into a temp dir, a free port, removed at exit) and skips
# (77) when the PostgreSQL binaries are missing.
#   pg.load_stats  db load + db stats vs awk figures and vs "stats" on the CSVs; --db read back
#   pg.crash       server stopped (immediate) during COPY and at the swap: error, old table intact
#   pg.hostile     hostile table names, values and connection strings; passwords never printed
#   pg.predict     predict --pred-table rows equal predict's CSV (file and --db sources)
#   pg.watch       watch --db --pred-table: one row per alert, equal to the JSON alerts
#   pg.api         the store API (sink, versions, loader abort, bad rows) via tests/unit/test_store.c
foreach(t load_stats crash hostile predict watch)
  add_test(NAME pg.${t} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/pg_${t}.sh)
  set_tests_properties(pg.${t} PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
    SKIP_RETURN_CODE 77 LABELS "integration" TIMEOUT 180)
endforeach()
if(TARGET test_store)
  add_test(NAME pg.api COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/pg_api.sh $<TARGET_FILE:test_store>)
  set_tests_properties(pg.api PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
    SKIP_RETURN_CODE 77 LABELS "integration" TIMEOUT 120)
endif()
