/* apps/cmds.h - the entry points of the avila subcommands (one cmd_<name>.c each). */
#ifndef AVILA_APPS_CMDS_H
#define AVILA_APPS_CMDS_H

int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_uuid(int argc, char **argv);
int cmd_ulid(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_base64(int argc, char **argv);
int cmd_base32(int argc, char **argv);
int cmd_digest(int argc, char **argv);
int cmd_speed(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_pkey(int argc, char **argv);
int cmd_age(int argc, char **argv);
int cmd_age_keygen(int argc, char **argv);
int cmd_json(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_ws(int argc, char **argv);
int cmd_kv(int argc, char **argv);
int cmd_h264(int argc, char **argv);

extern const char cmd_help_usage[];
extern const char cmd_version_usage[];
extern const char cmd_uuid_usage[];
extern const char cmd_ulid_usage[];
extern const char cmd_hash_usage[];
extern const char cmd_base64_usage[];
extern const char cmd_base32_usage[];
extern const char cmd_digest_usage[];
extern const char cmd_speed_usage[];
extern const char cmd_sign_usage[];
extern const char cmd_pkey_usage[];
extern const char cmd_age_usage[];
extern const char cmd_age_keygen_usage[];
extern const char cmd_json_usage[];
extern const char cmd_fetch_usage[];
extern const char cmd_serve_usage[];
extern const char cmd_ws_usage[];
extern const char cmd_kv_usage[];
extern const char cmd_h264_usage[];

#endif
