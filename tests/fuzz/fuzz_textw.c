/* fuzz_textw.c - libFuzzer harness for textw (core/textw.h) in C.UTF-8.
 * Bytes 0-3: cols (int16, may be <= 0), flags (ascii, pad), output buffer
 * size (exact heap allocation); the rest is the text.  Checks the
 * documented promises: NUL-terminated, width <= cols (== cols when
 * padded), TEXTW_BUFSIZE is enough.  See README. */
#include <locale.h>
#include "core/textw.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    if (!setlocale(LC_CTYPE, "C.UTF-8")) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    int cols = (int16_t)(data[0] | data[1] << 8) % 300;
    bool ascii = data[2] & 1, pad = data[2] & 2;
    size_t outn = data[3];
    char *in = fuzz_strdup(data + 4, size - 4);
    size_t inlen = size - 4;

    /* full-size sanitise */
    size_t bign = TEXTW_BUFSIZE(inlen);
    char *big = malloc(bign);
    size_t n = textw_sanitize(in, big, bign, ascii);
    if (n != strlen(big)) abort();
    if (memchr(big, '\n', n) || memchr(big, '\t', n) || memchr(big, 0x1b, n)) abort();
    int w = textw_width(big);
    (void)w;
    textw_width_n(in, inlen, ascii);

    /* short buffers */
    char *out = malloc(outn ? outn : 1);
    if (outn) {
        n = textw_sanitize(in, out, outn, ascii);
        if (n >= outn || n != strlen(out)) abort();
    }
    n = textw_fit(in, cols, ascii, pad, out, outn);
    if (outn) {
        if (n >= outn || n != strlen(out)) abort();
        if (textw_width(out) > (cols > 0 ? cols : 0)) abort();
    }
    /* a big enough buffer: the padded result is exactly cols wide */
    size_t fitn = TEXTW_BUFSIZE(inlen) + (cols > 0 ? (size_t)cols * 4 : 0) + 8;
    char *fit = malloc(fitn);
    textw_fit(in, cols, ascii, pad, fit, fitn);
    if (pad && cols > 0 && textw_width(fit) != cols) abort();
    if (textw_width(fit) > (cols > 0 ? cols : 0)) abort();

    /* wrap */
    textw_line lines[16];
    int nl = textw_wrap(in, cols, ascii, lines, 16);
    int total = textw_wrap(in, cols, ascii, NULL, 0);
    if (nl != total) abort();
    for (int i = 0; i < nl && i < 16; i++) {
        if (lines[i].start < in || lines[i].start + lines[i].len > in + inlen) abort();
        if (memchr(lines[i].start, '\n', lines[i].len)) abort();
        /* a single cell wider than cols (an ASCII-mode "\xNN" is 4 columns,
         * a wide character 2) gets a line of its own: that one may exceed
         * cols (textw_fit cuts it when drawn); nothing else may */
        int wl = textw_width_n(lines[i].start, lines[i].len, ascii);
        if (cols > 0 && wl > cols && wl > (ascii ? 4 : 2)) abort();
    }
    free(fit);
    free(out);
    free(big);
    free(in);
    return 0;
}
