#!/usr/bin/env python3
"""capture_emulate.py RAW LABEL: runs the shared emulate_mqttset.py (MQTTset's pandas steps)
unchanged, with Python's csv field size limit raised: a 200 KB MQTT payload is a 400 KB hex
field, beyond csv's default 128 KB (pandas, which MQTTset used, has no such limit).
Needs SHARED in the environment."""
import csv, os, runpy, sys
csv.field_size_limit(sys.maxsize)
runpy.run_path(os.path.join(os.environ['SHARED'], 'derived_from_pcap', 'emulate_mqttset.py'), run_name='__main__')
