/* app/export.c - see app/export.h. */
#include "app/export.h"

#include <stdio.h>

typedef struct {
    FILE *fp;
    const csvexp_opts *o;
    long n;
} export_ctx;

static int row_cb(void *vctx, const imt_case *c)
{
    export_ctx *x = vctx;
    if (csvexp_row(x->fp, c, x->o) != 0)
        return 1;
    x->n++;
    return 0;
}

void app_export_pseudonym_key(void *kctx, const imt_case *c, char *out, size_t n)
{
    const csvexp_opts *o = kctx;
    char p[CSVEXP_PSEUDONYM_LEN + 1];
    csvexp_case_pseudonym(o->key, c, p);
    snprintf(out, n, "%s", p);
}

int app_export_cases(imt_app *app, FILE *fp, const imt_filter *f, imt_sort order,
                     const csvexp_opts *o, long *n)
{
    export_ctx x = { .fp = fp, .o = o };
    if (n)
        *n = 0;
    if (csvexp_header(fp, o) != 0)
        return 1;
    int rc = o->deidentify
        ? store_foreach_by_key(app->store, f, app_export_pseudonym_key, (void *)o, row_cb, &x)
        : store_foreach(app->store, f, order, row_cb, &x);
    if (n)
        *n = x.n;
    return rc < 0 ? -1 : rc ? 1 : 0;
}
