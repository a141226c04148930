/* core/cpu_env.c - applies the AVILA_CPU environment variable. OS (getenv). */
#include <stdlib.h>

#include "core/cpu.h"

int avila_cpu_init(void)
{
    const char *spec = getenv("AVILA_CPU");
    uint32_t allowed;
    if (!spec)
        return 0;
    int rc = avila_cpu_parse(spec, &allowed);
    if (rc < 0)
        return rc;
    avila_cpu_restrict(allowed);
    return 0;
}
