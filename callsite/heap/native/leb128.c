/* LEB128 tokens of a Mono log buffer: every token ends at a byte < 0x80.
 *
 * Mono's log profiler writes nearly every field as a LEB128 varint, so a
 * buffer splits into tokens without knowing its events; the reader then
 * decodes events by token index (callsite/heap/mlpd.py, which has the same
 * split in numpy as the fallback).  Bytes after the last terminator belong to
 * no token.  Outputs have room for `n` tokens; returns the token count.
 *
 *   starts/ends  byte index of each token's first and last byte
 *   uval         unsigned value (bits past 64 are dropped)
 *   sval         signed value: uval sign-extended from the token's 7*len bits
 *                (below 64 bits only, as the numpy version)
 *   bad          1 when the token is longer than 10 bytes
 */
#include <stdint.h>

int64_t dlr_tokenize(const uint8_t *data, int64_t n, int64_t *starts, int64_t *ends,
                     uint64_t *uval, int64_t *sval, uint8_t *bad)
{
    int64_t ntok = 0;
    int64_t start = 0;
    uint64_t v = 0;
    int shift = 0;
    for (int64_t i = 0; i < n; i++) {
        uint8_t b = data[i];
        if (shift < 64)
            v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (b < 0x80) {
            int64_t len = i - start + 1;
            starts[ntok] = start;
            ends[ntok] = i;
            uval[ntok] = v;
            int64_t s = (int64_t)v;
            int bits = (int)(len * 7);
            if ((b & 0x40) && bits < 64)
                s -= (int64_t)((uint64_t)1 << bits);
            sval[ntok] = s;
            bad[ntok] = len > 10;
            ntok++;
            start = i + 1;
            v = 0;
            shift = 0;
        }
    }
    return ntok;
}
