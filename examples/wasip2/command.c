/* A WASI command for testing a host's WASI preview 2 support: every line it
 * prints depends only on what the host gives it (argv, env, stdin, preopened
 * files), so a test can compare the output exactly.  See README.md.
 *
 * Built as a preview 1 module and adapted to a component by
 * scripts/build_wasip2_command.sh. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads all of `f` into a malloc'ed buffer (not NUL-terminated); exits with
 * status 1 on a read error so a host test sees the failure, not bad output. */
static char *slurp(FILE *f, size_t *len) {
  size_t cap = 256, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  if (!buf || ferror(f)) {
    perror("read");
    exit(1);
  }
  *len = n;
  return buf;
}

int main(int argc, char **argv) {
  const char *read_path = NULL, *write_path = NULL, *write_text = NULL;
  int status = 0, use_return = 0;

  for (int i = 0; i < argc; i++) {
    printf("arg[%d]=%s\n", i, argv[i]);
    /* Options may appear anywhere after argv[0]; anything else is just echoed. */
    if (i == 0) continue;
    if (!strcmp(argv[i], "--read") && i + 1 < argc) read_path = argv[i + 1];
    if (!strcmp(argv[i], "--write") && i + 2 < argc) {
      write_path = argv[i + 1];
      write_text = argv[i + 2];
    }
    if (!strcmp(argv[i], "--exit") && i + 1 < argc) status = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--return")) use_return = 1;
  }

  const char *greeting = getenv("GREETING");
  printf("env[GREETING]=%s\n", greeting ? greeting : "<unset>");

  size_t n;
  char *in = slurp(stdin, &n);
  printf("stdin=%zu\n", n);
  /* ASCII only (the C locale), so the result does not depend on a locale. */
  for (size_t i = 0; i < n; i++) in[i] = (char)toupper((unsigned char)in[i]);
  printf("upper=");
  fwrite(in, 1, n, stdout);
  printf("\n");
  free(in);

  /* Paths resolve against the host's preopened directories; any other path
   * fails (exit status 1, message on stderr), which a test can check too. */
  if (read_path) {
    FILE *f = fopen(read_path, "rb");
    if (!f) {
      perror(read_path);
      exit(1);
    }
    char *content = slurp(f, &n);
    fclose(f);
    printf("file=");
    fwrite(content, 1, n, stdout);
    printf("\n");
    free(content);
  }
  if (write_path) {
    FILE *f = fopen(write_path, "wb");
    if (!f || fputs(write_text, f) == EOF || fclose(f) != 0) {
      perror(write_path);
      exit(1);
    }
    printf("wrote=%s\n", write_path);
  }

  fputs("to stderr\n", stderr);
  /* Two ways out, because the host sees them differently: returning 0 from
   * main makes wasi:cli/run return ok, while exit() (any status, even 0)
   * ends the component with a trap that carries the exit status.  Through the
   * preview 1 adapter only 0 vs non-zero reaches the host. */
  if (use_return) return status;
  exit(status);
}
