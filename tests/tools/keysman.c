/* keysman - print the KEYS section of imtreview.1 from the key table.
 * `make docs` splices its output between the GENERATED KEYS markers of
 * the man page; tests/unit/test_manpage.c fails when the two differ. */
#include "tui/keys.h"

#include <stdio.h>

int main(void)
{
    keys_print_man(stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}
