# Outputs and options checked before the data is read; report names its bad input.
add_test(NAME cli.early_checks COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/early_checks.sh)
set_tests_properties(cli.early_checks PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}")
