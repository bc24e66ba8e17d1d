# The model commands (train, eval, predict, experiment) end to end on the shared head CSVs
# (temporal 70/30 split per class): exit codes 0/1/2, JSON, predictions consistent with
# eval's metrics (recomputed in Python), corrupt model files refused.
add_test(NAME cli.models COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/models.sh)
set_tests_properties(cli.models PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77)
