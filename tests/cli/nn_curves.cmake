# mqttids train --model nn --curves: the CSV/SVG curves, the kept epoch against `mqttids eval`
# of the saved model, usage and divergence errors (tests/cli/nn_curves.py, stdlib Python).
add_test(NAME cli.nn_curves
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/nn_curves.py $<TARGET_FILE:mqttids> ${MQTTIDS_SHARED_DATA})
set_tests_properties(cli.nn_curves PROPERTIES LABELS cli SKIP_RETURN_CODE 77)
