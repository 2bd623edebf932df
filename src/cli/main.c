/* cavity command-line tool — placeholder entry point (the generic CLI lands with the runner). */
#include <stdio.h>

#include "cavity/model.h"

int main(void)
{
    fprintf(stderr, "cavity: models: %s\n", cav_model_names());
    return 0;
}
