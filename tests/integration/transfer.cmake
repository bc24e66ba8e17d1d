# Detection between networks (issue 13): `train --recipe detector` trained on the real MQTTset
# heads or a short lab run and scored on the others, per packet and per connection, with floors
# and against the issue's baseline (tests/integration/transfer.sh; docs/internals/detect.md).
# Skip 77: not root / no mosquitto / no shared heads. About a minute on 2 cores.
add_test(NAME lab.transfer COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/transfer.sh)
set_tests_properties(lab.transfer PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
  SKIP_RETURN_CODE 77 LABELS "lab;integration" TIMEOUT 300)
