/* Quick start: check the linked version and read an error. */
#include <patron.h>
#include <stdio.h>

int main(void)
{
    printf("libpatron %s\n", patron_version_string());
    /* Every failure is a status code plus a detail message. */
    patron_allocator bad = PATRON_ALLOCATOR_INIT; /* hooks left NULL */
    int rc = patron_set_allocator(&bad);
    if (rc != PATRON_OK)
        printf("expected failure: %s (%s)\n", patron_strerror(rc), patron_errmsg());
    return rc == PATRON_EINVAL ? 0 : 1;
}
