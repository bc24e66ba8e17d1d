/* mqttids/mqttids.h: the whole public API of libmqttids. */
#ifndef MQTTIDS_MQTTIDS_H
#define MQTTIDS_MQTTIDS_H

#include "mqttids/config.h"
#include "mqttids/common.h"
#include "mqttids/schema.h"
#include "mqttids/dataset.h"
#include "mqttids/fetch.h"
#include "mqttids/stats.h"
#include "mqttids/model.h"
#include "mqttids/features.h"
#include "mqttids/ml.h"
#include "mqttids/capture.h"
#include "mqttids/record.h"
#include "mqttids/kafka.h"
#include "mqttids/stream.h"
#include "mqttids/store.h"
#include "mqttids/feed.h"
#include "mqttids/detect.h"
#include "mqttids/report.h"
#include "mqttids/lab.h"

#endif
