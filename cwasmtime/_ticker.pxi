# The thread behind EpochTicker (cwasmtime/_epoch_ticker.py).

# An epoch ticker: a native thread (no GIL) advancing an engine's epoch on a fixed
# schedule (absolute deadlines: no drift), sleeping in short slices to stop promptly.
cdef extern from *:
    """
    #if !defined(_WIN32)
    #include <pthread.h>
    #include <stdatomic.h>
    #include <time.h>
    typedef struct {
        wasm_engine_t *engine;  /* a clone: the thread never outlives it */
        uint64_t interval_ns;
        atomic_int stop;
        _Atomic uint64_t ticks;
        pthread_t thread;
    } cw_ticker_t;

    static uint64_t cw_now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    }

    static void *cw_ticker_main(void *arg) {
        cw_ticker_t *t = (cw_ticker_t *)arg;
        uint64_t next = cw_now_ns();
        for (;;) {
            uint64_t now;
            next += t->interval_ns;
            while ((now = cw_now_ns()) < next) {
                uint64_t left = next - now;
                struct timespec ts;
                if (atomic_load(&t->stop))
                    return NULL;
                if (left > 10000000u)
                    left = 10000000u;  /* notice stop() within 10 ms */
                ts.tv_sec = (time_t)(left / 1000000000u);
                ts.tv_nsec = (long)(left % 1000000000u);
                nanosleep(&ts, NULL);
            }
            if (atomic_load(&t->stop))
                return NULL;
            cw_wasmtime_engine_increment_epoch(t->engine);
            atomic_fetch_add(&t->ticks, 1);
            if (now - next > t->interval_ns)
                next = now;  /* far behind (the process was stopped): no burst of ticks */
        }
    }

    static cw_ticker_t *cw_ticker_start(wasm_engine_t *engine, uint64_t interval_ns) {
        cw_ticker_t *t = (cw_ticker_t *)calloc(1, sizeof(cw_ticker_t));
        if (t == NULL)
            return NULL;
        t->engine = cw_wasmtime_engine_clone(engine);
        t->interval_ns = interval_ns;
        if (pthread_create(&t->thread, NULL, cw_ticker_main, t) != 0) {
            cw_wasm_engine_delete(t->engine);
            free(t);
            return NULL;
        }
        return t;
    }

    static uint64_t cw_ticker_stop(cw_ticker_t *t) {
        uint64_t ticks;
        atomic_store(&t->stop, 1);
        pthread_join(t->thread, NULL);
        ticks = atomic_load(&t->ticks);
        cw_wasm_engine_delete(t->engine);
        free(t);
        return ticks;
    }

    static uint64_t cw_ticker_ticks(cw_ticker_t *t) { return atomic_load(&t->ticks); }
    #else
    typedef struct cw_ticker cw_ticker_t;
    static cw_ticker_t *cw_ticker_start(wasm_engine_t *engine, uint64_t interval_ns) { return NULL; }
    static uint64_t cw_ticker_stop(cw_ticker_t *t) { return 0; }
    static uint64_t cw_ticker_ticks(cw_ticker_t *t) { return 0; }
    #endif
    """
    ctypedef struct cw_ticker_t
    cw_ticker_t* cw_ticker_start(wasm_engine_t* engine, uint64_t interval_ns) nogil
    uint64_t cw_ticker_stop(cw_ticker_t* t) nogil
    uint64_t cw_ticker_ticks(cw_ticker_t* t) nogil


cdef class _NativeTicker(_LiveObject):
    """The thread behind EpochTicker (see cwasmtime._epoch_ticker)."""
    cdef cw_ticker_t* ticker
    cdef uint64_t final_ticks

    def __cinit__(self, engine, uint64_t interval_ns):
        if interval_ns == 0:
            raise ValueError("the interval must be positive")
        with lent(engine) as engine_ptr:
            self.ticker = cw_ticker_start(<wasm_engine_t*>_address(engine_ptr), interval_ns)
        if self.ticker == NULL:
            raise OSError("could not start the epoch ticker thread")

    @property
    def ticks(self):
        return self.final_ticks if self.ticker == NULL else cw_ticker_ticks(self.ticker)

    def stop(self):
        cdef cw_ticker_t* ticker = self.ticker
        if ticker != NULL:
            self.ticker = NULL
            with nogil:
                self.final_ticks = cw_ticker_stop(ticker)
        return self.final_ticks

    def __dealloc__(self):
        if self.ticker != NULL:
            with nogil:
                cw_ticker_stop(self.ticker)
