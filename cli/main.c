/*
 * main.c: the mqttids tool's entry: dispatches "mqttids <command> ...", prints the
 * command list, --version. Every command lives in cmd_<verb>.c (see CMakeLists.txt).
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "commands.h"

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {MQTTIDS_CLI_COMMAND_ROWS};
static const size_t ncommands = sizeof commands / sizeof commands[0];

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: mqttids <command> [options] [inputs]\n"
            "Detects attacks on MQTT networks: MQTTset data, learners, capture, streaming.\n\n"
            "Commands:\n");
    for (size_t i = 0; i < ncommands; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nRun 'mqttids <command> --help' for a command's options.\n"
            "Exit codes: 0 ok, 1 runtime failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("mqttids %s\n", mqttids_version());
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < ncommands; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            int rc = commands[i].fn(argc - 1, argv + 1);
            /* a full disk or /dev/full under stdout fails the command, never exit 0 */
            if (rc == CLI_EXIT_OK && cli_stdout_close() != 0)
                rc = CLI_EXIT_FAIL;
            return rc;
        }
    fprintf(stderr, "mqttids: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
