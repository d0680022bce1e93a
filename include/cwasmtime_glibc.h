/* Binary compatibility with older glibc (the manylinux2014 wheel tag: glibc 2.17).
 *
 * glibc 2.34 moved the pthread functions into libc under new symbol versions, so an
 * extension built against it requires glibc 2.34 wherever it loads, although the same
 * functions exist, with the same behaviour, under their original versions. Binding the
 * references to the original versions (which glibc keeps for compatibility) lets the
 * wheel load on every glibc since 2.17; auditwheel then tags it manylinux2014. */
#ifndef CWASMTIME_GLIBC_H
#define CWASMTIME_GLIBC_H

#if defined(__linux__) && defined(__GLIBC__)
#  if defined(__x86_64__)
#    define CW_GLIBC_BASE "GLIBC_2.2.5"
#  elif defined(__aarch64__)
#    define CW_GLIBC_BASE "GLIBC_2.17"
#  endif
#  ifdef CW_GLIBC_BASE
__asm__(".symver pthread_create,pthread_create@" CW_GLIBC_BASE);
__asm__(".symver pthread_join,pthread_join@" CW_GLIBC_BASE);
__asm__(".symver pthread_getattr_np,pthread_getattr_np@" CW_GLIBC_BASE);
__asm__(".symver pthread_attr_getstack,pthread_attr_getstack@" CW_GLIBC_BASE);
#  endif
#endif

#endif
