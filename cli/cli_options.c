/*
 * cli_options.c: what the tool says about a bad option. getopt names the option itself
 * ("mqttids stream dump: unrecognized option '--bar'", its prefix being argv[0], which the
 * dispatchers set to the full command name); the command adds only the way to its help.
 */
#include <stdio.h>
#include "cli.h"

int cli_bad_option(const char *cmd)
{
    fprintf(stderr, "Try '%s %s --help'.\n", cli_prog, cmd);
    return CLI_EXIT_USAGE;
}

void cli_name_command(char **argv, char *buf, size_t size, const char *prefix)
{
    snprintf(buf, size, "%s %s", prefix, argv[0]);
    argv[0] = buf;
}
