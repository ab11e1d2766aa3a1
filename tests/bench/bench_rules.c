/* bench_rules.c - evaluate every rule on N synthetic cases (default
 * 100000) built in memory by a deterministic LCG that covers every field,
 * unknowns included, and report cases per second.  Checks on the way that
 * every result is well formed (so a crash, a sanitizer report or a wrong
 * shape fails the run).  Usage: bench_rules [N] [SEED]
 * Under `make SAN=1` pass a smaller N. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/imtcase.h"
#include "core/rules.h"

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* Cell texts for each field type; hostile bytes in the free text. */
static const char *const texts[] = {
    "CT", "CT; MRI; PET-CT", "maxillary sinus; orbit", "Maxilla", "none", "MTX+VCR",
    "crizotinib", "no", "left \x1b[31mmaxillary sinus\x1b[0m", "\xe2\x80\xae rtl",
};
static const char *const fusions[] = {
    "none", "TPM3::ALK", "RANBP2::ALK", "EML4::ALK", "TFG::ROS1", "ETV6::NTRK3",
    "TPM3::NTRK1", "CCDC6::RET", "PDGFRB::ABC", "IGF1R::XYZ",
};

static void make_case(imt_case *c, uint32_t *seed, long i)
{
    char val[64], err[256];
    imt_case_init(c);
    snprintf(val, sizeof val, "B%ld", i);
    imt_field_parse(c, IMT_F_case_id, val, err, sizeof err);
    for (int f = 0; f < imt_nfields; f++) {
        const imt_field *fd = &imt_fields[f];
        if (fd->flags & FF_DERIVED || f == IMT_F_case_id)
            continue;
        if (lcg(seed) % 4 == 0 && !(fd->flags & FF_REQUIRED))
            continue;                             /* unknown */
        switch (fd->type) {
        case FT_ENUM: {
            int n = 0;
            while (fd->values[n]) n++;
            snprintf(val, sizeof val, "%s", fd->values[lcg(seed) % (uint32_t)n]);
            break;
        }
        case FT_BOOL:
            snprintf(val, sizeof val, "%s", lcg(seed) % 2 ? "yes" : "no");
            break;
        case FT_DEC: case FT_INT: {
            /* half near the thresholds, half over the whole range */
            static const double near[] = { 4.4, 4.5, 6.5, 6.6, 8, 8.1, 11, 11.1, 1.958,
                                           1.959, 9, 10, 40, 40.1, 0, 1 };
            double v = lcg(seed) % 2 ? near[lcg(seed) % 16]
                     : fd->min + (fd->max - fd->min) * (lcg(seed) % 10001) / 10000.0;
            if (v < fd->min) v = fd->min;
            if (v > fd->max) v = fd->max;
            snprintf(val, sizeof val, fd->type == FT_INT ? "%.0f" : "%.3f", v);
            break;
        }
        case FT_FUSION:
            snprintf(val, sizeof val, "%s", fusions[lcg(seed) % 10]);
            break;
        case FT_TEXT:
            snprintf(val, sizeof val, "%s", texts[lcg(seed) % 10]);
            break;
        default:
            continue;                             /* dates: not used by rules */
        }
        if (imt_field_parse(c, f, val, err, sizeof err) != 0 && fd->type == FT_TEXT) {
            /* the hostile texts bypass validation, as a bad store row would */
            char **slot = (char **)(void *)((char *)c + fd->offset);
            free(*slot);
            *slot = strdup(val);
        }
    }
    imt_case_derive(c);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    uint32_t seed = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 20251123u;
    if (n <= 0) {
        fprintf(stderr, "usage: bench_rules [N] [SEED]\n");
        return 2;
    }
    imt_case *cases = calloc((size_t)n, sizeof *cases);
    rules_result *res = malloc(sizeof *res);
    if (!cases || !res) {
        fprintf(stderr, "bench_rules: out of memory\n");
        return 1;
    }
    for (long i = 0; i < n; i++)
        make_case(&cases[i], &seed, i);

    rules_config cfg;
    rules_config_default(&cfg);
    long total = 0, bad = 0, hist[RL_N] = { 0 }, treat = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        int k = rules_evaluate(&cases[i], &cfg, res);
        total += k;
        for (int j = 0; j < k; j++) {
            const rule_rec *r = &res->recs[j];
            hist[r->level]++;
            if (r->kind == RK_TREATMENT) treat++;
            if (strlen(r->summary) > 76 || !r->evidence || !r->nfired ||
                (j && res->recs[j - 1].level > r->level))
                bad++;
        }
    }
    double dt = now() - t0;
    printf("bench_rules: %ld cases, %ld recommendations (%.1f per case; %ld treatment)\n",
           n, total, (double)total / (double)n, treat);
    printf("bench_rules: levels critical %ld, warning %ld, info %ld, suggestion %ld\n",
           hist[0], hist[1], hist[2], hist[3]);
    printf("bench_rules: %.3f s, %.0f cases/s, %.2f us/case\n", dt,
           dt > 0 ? (double)n / dt : 0.0, dt * 1e6 / (double)n);
    for (long i = 0; i < n; i++)
        imt_case_clear(&cases[i]);
    free(cases);
    free(res);
    if (bad) {
        printf("bench_rules: %ld malformed recommendations\n", bad);
        return 1;
    }
    return 0;
}
