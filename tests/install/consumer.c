/* Built against the installed headers and library only. */
#include <patron.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    if (patron_version() != PATRON_VERSION_NUMBER ||
        strcmp(patron_version_string(), PATRON_VERSION_STRING) != 0) {
        fprintf(stderr, "header %s but library %s\n", PATRON_VERSION_STRING, patron_version_string());
        return 1;
    }
    printf("consumer linked libpatron %s: %s\n", patron_version_string(), patron_strerror(PATRON_OK));
    return 0;
}
