# Flow context (src/capture/context.c, docs/internals/context.md) on the six shared MQTTset
# pcap heads: the 33 features unchanged with --context, ctx.* columns before target,
# causality (a truncated capture gives the same first rows), and the MQTTset 70/30 split
# per capture: RF and LR with context against per-packet (floors under the measured figures).
add_test(NAME cli.context_eval COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/context_eval.sh)
set_tests_properties(cli.context_eval PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77
                     TIMEOUT 600)
