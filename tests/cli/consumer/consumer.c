/* A separate program that links the installed libmqttids (install test). */
#include <stdio.h>
#include <string.h>
#include <mqttids/mqttids.h>

int main(int argc, char **argv)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_dataset *ds = mqttids_dataset_new();
    if (argc < 2 || mqttids_dataset_read_csv(ds, argv[1], NULL, NULL, errbuf) != MQTTIDS_OK) {
        fprintf(stderr, "consumer: %s\n", argc < 2 ? "usage" : errbuf);
        return 1;
    }
    printf("mqttids %s: %zu rows, feature 0 is %s\n", mqttids_version(), mqttids_dataset_nrows(ds),
           mqttids_feat_name(0));
    mqttids_dataset_free(ds);
    return strcmp(mqttids_strerror(MQTTIDS_OK), "success") != 0;
}
