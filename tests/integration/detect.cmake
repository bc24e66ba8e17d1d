# Detection path tests (src/detect, docs/internals/detect.md). The environment gives MQTTIDS and SHARED.
#   detect.alert_by   watch --alert-by packet|connection|host and --alert-window / --min-probability
#                     on MQTTset pcap heads against groups derived from tshark's tcp.stream and
#                     addresses (skip: no shared data or no tshark)
#   detect.same       watch and stream detect on the same capture produce the same alerts
#                     (record, class, probability, flow), by packet and by connection
foreach(t alert_by same)
  add_test(NAME detect.${t} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/detect_${t}.sh)
  set_tests_properties(detect.${t} PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
    SKIP_RETURN_CODE 77 LABELS "capture;detect" TIMEOUT 180)
endforeach()
set_tests_properties(detect.same PROPERTIES LABELS "capture;detect;integration;kafka")
