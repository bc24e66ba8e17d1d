# Outputs to devices and pipes are written in place (never renamed over).
add_test(NAME cli.devices COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/devices.sh)
set_tests_properties(cli.devices PROPERTIES LABELS cli SKIP_RETURN_CODE 77 ENVIRONMENT "${MQTTIDS_TEST_ENV}")
