/*
 * The three C23 entry points that glibc 2.38 added and that the prebuilt
 * uWebSockets.js binary imports, forwarded to their pre-C23 counterparts.
 * Built with `cc -shared` at bench time and LD_PRELOADed into the uWS server
 * process only (see setup.ts). The C23 versions differ only in accepting
 * `0b` binary prefixes, which uWS never parses.
 *
 * Compiled as C99 without _GNU_SOURCE so that, on a newer glibc, the headers
 * do not redirect strtol/vsscanf back to the __isoc23_ names (which would
 * make these functions call themselves).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int __isoc23_sscanf(const char *s, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  int n = vsscanf(s, format, ap);
  va_end(ap);
  return n;
}

long __isoc23_strtol(const char *s, char **end, int base) {
  return strtol(s, end, base);
}

unsigned long __isoc23_strtoul(const char *s, char **end, int base) {
  return strtoul(s, end, base);
}
