# Capture decoder fuzz target (link/IP/TCP/reassembly/MQTT), corpus replay and a bounded run
# (fuzz_target.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/fuzz_target.cmake)
mqttids_fuzz_target(mqtt "fuzz;capture" "fuzz;capture" 8192)
