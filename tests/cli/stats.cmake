# mqttids stats against figures recomputed independently (tests/cli/stats_check.py, stdlib Python).
add_test(NAME cli.stats_heads
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/stats_check.py $<TARGET_FILE:mqttids> ${MQTTIDS_SHARED_DATA} ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(cli.stats_heads PROPERTIES LABELS cli)
# Usage errors exit 2, runtime failures 1, with the file, line and rule named.
add_test(NAME cli.stats_errors COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/stats_errors.sh)
set_tests_properties(cli.stats_errors PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}")
