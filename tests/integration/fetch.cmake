# Remote inputs (http, https, s3, gs) against a local server started by the test.
add_test(NAME integration.fetch COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/fetch.sh)
set_tests_properties(integration.fetch PROPERTIES
  ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77 LABELS integration TIMEOUT 120)
