/* sc: makes one raw system call and prints its result, for the seccomp tests.
 *
 *   sc NR [ARG...]        the native x86_64 call NR (syscall instruction)
 *   sc -32 NR [STR]       the i386 call NR through int 0x80 with one string argument
 *
 * Prints "ok N" or "errno N". A 64-bit program may enter the i386 table with int 0x80
 * (seccomp then sees AUDIT_ARCH_I386), so no 32-bit toolchain is needed; its pointer
 * arguments are cut to 32 bits, hence the string is copied into static memory, which a
 * static non-PIE binary keeps below 4 GiB. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

static char low[256];

static long int80(long nr, long a) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a) : "memory");
    return ret;
}

int main(int argc, char **argv) {
    long r;
    if (argc >= 3 && strcmp(argv[1], "-32") == 0) {
        if (argc > 3)
            strncpy(low, argv[3], sizeof low - 1);
        r = int80(strtol(argv[2], 0, 0), (long)low);
        if (r < 0 && r > -4096) {
            printf("errno %ld\n", -r);
            return 1;
        }
    } else if (argc >= 2) {
        long a[6] = {0};
        for (int i = 2; i < argc && i < 8; i++)
            a[i - 2] = strtoul(argv[i], 0, 0);
        r = syscall(strtol(argv[1], 0, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
        if (r < 0) {
            printf("errno %d\n", errno);
            return 1;
        }
    } else {
        return 2;
    }
    printf("ok %ld\n", r);
    return 0;
}
