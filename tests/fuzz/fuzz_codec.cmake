# Kafka record decoder fuzz target (JSON and binary record format v1), corpus replay and a
# bounded run (fuzz_target.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/fuzz_target.cmake)
mqttids_fuzz_target(codec "fuzz" "fuzz;kafka" 4096)
