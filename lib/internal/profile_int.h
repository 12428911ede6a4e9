/* Internal to lib/profile: contact normalisation shared by its files. */
#ifndef PATRON_INTERNAL_PROFILE_INT_H
#define PATRON_INTERNAL_PROFILE_INT_H

#include <stddef.h>

int patron__country_valid(const char *iso);
int patron__email_clean(char *out, size_t cap, const char *email);

#endif
