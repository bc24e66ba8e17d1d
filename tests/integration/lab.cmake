# Traffic lab tests (issue 8). Scripts beside this file; the environment gives MQTTIDS, SHARED, SRCDIR.
#   lab.run      a 10 s `mqttids lab` run: its rows equal tshark's for its own pcap, every row
#                labeled, each class shows the signature of the real MQTTset captures, 70/30
#                split per class (skip 77: not root / no mosquitto / no tshark / no shared data)
#   lab.dataset  the committed data/lab dataset parses, has all six classes, and a model
#                trained on it is evaluated on the shared real heads (skip 77: no shared data)
add_test(NAME lab.run COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/lab_run.sh)
set_tests_properties(lab.run PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
  SKIP_RETURN_CODE 77 LABELS "lab;integration" TIMEOUT 120)
#   lab.knobs    the same checks on a mixed run with 12 sensors, 25 ms (+5) latency through the
#                relay and a bruteforce rate of 0.5
add_test(NAME lab.knobs COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/lab_run.sh --mode mixed --sensors 12 --latency 25,5
  --rate bruteforce=0.5 --seed 11)
set_tests_properties(lab.knobs PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
  SKIP_RETURN_CODE 77 LABELS "lab;integration" TIMEOUT 120)
add_test(NAME lab.dataset COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/lab_dataset.sh)
set_tests_properties(lab.dataset PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
  SKIP_RETURN_CODE 77 LABELS "lab" TIMEOUT 120)
