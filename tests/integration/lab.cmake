# Traffic lab tests (issue 8). Scripts beside this file; the environment gives MQTTIDS, SHARED, SRCDIR.
#   lab.run      a 10 s `mqttids lab` run: its rows equal tshark's for its own pcap, every row
#                labeled, each class shows the signature of the real MQTTset captures, 70/30
#                split per class (skip 77: not root / no mosquitto / no tshark / no shared data)
#   lab.dataset  the committed data/lab dataset parses, has all six classes, and a model
#                trained on it is evaluated on the shared real heads (skip 77: no shared data)
add_test(NAME lab.run COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/lab_run.sh)
set_tests_properties(lab.run PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
  SKIP_RETURN_CODE 77 LABELS "lab;integration" TIMEOUT 120)
add_test(NAME lab.dataset COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/lab_dataset.sh)
set_tests_properties(lab.dataset PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
  SKIP_RETURN_CODE 77 LABELS "lab" TIMEOUT 120)
