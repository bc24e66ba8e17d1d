# experiment's RF rows (Spark's split mode) and --seeds on the shared head CSVs (temporal
# 70/30 split per class): the spread over seeds is what separate --seed runs give.
add_test(NAME cli.rf_experiment COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/rf_experiment.sh)
set_tests_properties(cli.rf_experiment PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77)
