/* Holds a file open the way other Windows programs do, for the tests under Wine:
 *   hold.exe PATH write   a scanner still writing it: write access, nothing shared;
 *   hold.exe PATH read    Excel with a workbook open: others may read it, not move or delete it.
 * Prints "held" once the file is open and keeps it open until standard input closes. */
#include <stdio.h>
#include <wchar.h>
#include <windows.h>

int wmain(int argc, wchar_t **argv) {
    if (argc != 3) {
        fputs("usage: hold.exe PATH write|read\n", stderr);
        return 2;
    }
    int writing = wcscmp(argv[2], L"write") == 0;
    HANDLE file = CreateFileW(argv[1], writing ? GENERIC_WRITE : GENERIC_READ,
                              writing ? 0 : FILE_SHARE_READ, NULL, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "cannot open the file: error %lu\n", GetLastError());
        return 1;
    }
    puts("held");
    fflush(stdout);
    char buffer[64];
    while (fread(buffer, 1, sizeof buffer, stdin) > 0) {
    }
    CloseHandle(file);
    return 0;
}
