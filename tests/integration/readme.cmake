# The README's examples run as written (tests/integration/readme_*.sh).
add_test(NAME integration.readme_stream COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/readme_stream.sh)
set_tests_properties(integration.readme_stream PROPERTIES
  ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77 LABELS "integration;kafka" TIMEOUT 180)
# Kafka commands fail fast (unreachable brokers, mock cluster without CreateTopics) and stop on SIGTERM.
add_test(NAME integration.stream_fail_fast COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/stream_fail_fast.sh)
set_tests_properties(integration.stream_fail_fast PROPERTIES
  ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77 LABELS "integration;kafka" TIMEOUT 120)
# Every README example: its options are in its command's --help, and it runs (local stand-ins).
add_test(NAME integration.readme_examples COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/readme_examples.sh)
if(MQTTIDS_SANITIZE)
  set(MQTTIDS_README_SAMPLE 60)
else()
  set(MQTTIDS_README_SAMPLE 15)
endif()
set_tests_properties(integration.readme_examples PROPERTIES
  ENVIRONMENT "${MQTTIDS_TEST_ENV};README_SAMPLE=${MQTTIDS_README_SAMPLE}" SKIP_RETURN_CODE 77
  LABELS "integration;kafka;pg" TIMEOUT 600)
# Records lost to retention: stream dump and stream detect say how many.
add_test(NAME integration.stream_retention COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/stream_retention.sh)
set_tests_properties(integration.stream_retention PROPERTIES
  ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77 LABELS "integration;kafka" TIMEOUT 180)
