# Detection between networks (issue 13): `train --recipe detector` trained on the real MQTTset
# heads or a short lab run and scored on the others, per packet and per connection, with floors
# (tests/integration/transfer.sh; docs/internals/detect.md).
# Skip 77: not root / no mosquitto / no shared heads. About 40 s on 2 cores.
# Two labs capturing on lo at once under load drop packets (lab.run checks for none): the lab
# tests take one lock.
add_test(NAME lab.transfer COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/transfer.sh)
set_tests_properties(lab.transfer PROPERTIES ENVIRONMENT "${MQTTIDS_TEST_ENV}"
  SKIP_RETURN_CODE 77 LABELS "lab;integration" TIMEOUT 300 RESOURCE_LOCK lab_capture)
foreach(t lab.run lab.knobs)
  if(TEST ${t})
    set_tests_properties(${t} PROPERTIES RESOURCE_LOCK lab_capture)
  endif()
endforeach()
