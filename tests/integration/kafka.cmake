# Kafka tests: on a standalone mock cluster started by the test ("mqttids stream
# mock-cluster"), or on a real cluster when MQTTIDS_TEST_KAFKA=host:port is set.
foreach(t group malformed feed pg pcap watch)
  add_test(NAME integration.kafka_${t} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kafka_${t}.sh)
  set_tests_properties(integration.kafka_${t} PROPERTIES
    ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77 LABELS "integration;kafka" TIMEOUT 180)
endforeach()
