# Issue 17 (a tool that does not surprise its user): small checks of what the tool says.
add_test(NAME cli.nn_kept COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/nn_kept.sh)
set_tests_properties(cli.nn_kept PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}")
add_test(NAME cli.stats_text COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/stats_text.sh)
set_tests_properties(cli.stats_text PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}")
add_test(NAME cli.options COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/options.sh)
set_tests_properties(cli.options PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}" TIMEOUT 120)
add_test(NAME cli.quiet_build COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/quiet_build.sh)
set_tests_properties(cli.quiet_build PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}")
