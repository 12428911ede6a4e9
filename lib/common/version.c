#include "patron/version.h"

unsigned patron_version(void)
{
    return PATRON_VERSION_NUMBER;
}

const char *patron_version_string(void)
{
    return PATRON_VERSION_STRING;
}
