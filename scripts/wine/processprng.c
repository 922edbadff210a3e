/* Wine 8 has no bcryptprimitives.dll, whose ProcessPrng Rust's standard library imports on
 * Windows. This stand-in, for the test harness only, answers it with RtlGenRandom
 * (SystemFunction036), which Wine has. Never shipped with Cubby. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
