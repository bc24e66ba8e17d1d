# Identity columns (extract --ids) against tshark's tcp.stream on the six shared MQTTset pcap
# heads, their refusal as features, and `eval --by packet|connection|host` (tests/cli/eval_by.sh).
add_test(NAME cli.eval_by COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/eval_by.sh)
set_tests_properties(cli.eval_by PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77
                     TIMEOUT 300)
