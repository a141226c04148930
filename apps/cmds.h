/* apps/cmds.h - the entry points of the avila subcommands (one cmd_<name>.c each). */
#ifndef AVILA_APPS_CMDS_H
#define AVILA_APPS_CMDS_H

int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);

extern const char cmd_help_usage[];
extern const char cmd_version_usage[];

#endif
