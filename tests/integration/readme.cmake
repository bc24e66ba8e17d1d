# The README's examples run as written (tests/integration/readme_*.sh).
add_test(NAME integration.readme_stream COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/readme_stream.sh)
set_tests_properties(integration.readme_stream PROPERTIES
  ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77 LABELS "integration;kafka" TIMEOUT 180)
