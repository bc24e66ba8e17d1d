# Capture tests (issue 5). Scripts beside this file; the environment gives MQTTIDS and SHARED.
#   capture.mqttset  the six shared MQTTset pcaps vs their tshark-derived CSVs (all 33 fields)
#   capture.edge     generated edge-case captures vs tshark run at test time (skip: no tshark)
#   capture.errors   truncated / corrupt captures: exit 1, packet number and offset, no output
#   capture.live     mosquitto + libpcap on lo vs tshark (skip: not root / no mosquitto / no tshark)
#   capture.client_side  id.client and watch's host keys = the sender of each stream's SYN (tshark)
foreach(t mqttset edge errors watch)
  add_test(NAME capture.${t} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/capture_${t}.sh)
  set_tests_properties(capture.${t} PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
    SKIP_RETURN_CODE 77 LABELS "capture" TIMEOUT 120)
endforeach()
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/capture_live.sh)
  add_test(NAME capture.live COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/capture_live.sh)
  set_tests_properties(capture.live PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
    SKIP_RETURN_CODE 77 LABELS "capture;integration" TIMEOUT 180)
endif()
add_test(NAME capture.client_side COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/capture_client_side.sh)
set_tests_properties(capture.client_side PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
  SKIP_RETURN_CODE 77 LABELS "capture" TIMEOUT 120)
# Captures with MQTT on another port: a warning with the busiest port; PATH.port side files.
add_test(NAME integration.capture_port_hint COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/capture_port_hint.sh)
set_tests_properties(integration.capture_port_hint PROPERTIES
  ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77 LABELS "integration;capture" TIMEOUT 120)
# Data commands reading a capture with its broker on another port warn once per input.
add_test(NAME integration.capture_port_hint_data COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/capture_port_hint_data.sh)
set_tests_properties(integration.capture_port_hint_data PROPERTIES
  ENVIRONMENT "${MQTTIDS_TEST_ENV}" SKIP_RETURN_CODE 77 LABELS "integration;capture" TIMEOUT 120)
