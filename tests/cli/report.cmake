# mqttids experiment --report / mqttids report: the HTML report rendered in headless Chromium
# (page structure from --dump-dom, charts' marks against the results JSON, escaping, a
# screenshot decoded and checked non-blank; tests/cli/report_check.py, stdlib Python).
# Skips (77) without chromium or the shared data.
add_test(NAME cli.report
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/report_check.py $<TARGET_FILE:mqttids> ${MQTTIDS_SHARED_DATA})
set_tests_properties(cli.report PROPERTIES LABELS cli SKIP_RETURN_CODE 77 TIMEOUT 300
  ENVIRONMENT "${MQTTIDS_TEST_ENV}")
