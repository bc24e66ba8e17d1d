# gbt through the tool: train (early stopping on --test rows, grid + CV), eval, predict, and
# watch replaying a capture classifies every packet as predict does on the extracted rows
# (the compiled ensemble on single records vs on batches).
add_test(NAME cli.gbt COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/gbt.sh)
set_tests_properties(cli.gbt PROPERTIES LABELS cli ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77)
