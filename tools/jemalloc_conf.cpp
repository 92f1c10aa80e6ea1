// jemalloc's settings for the specgate executable, read by jemalloc before main (linked only with jemalloc).
//
// thp:always asks the kernel for transparent huge pages for the heap (madvise; no effect when the
// kernel's THP is "never"): start-up on Kibana's full document touches ~40 MB of fresh memory, and
// with 4 KiB pages its page faults were 16% of the time; with huge pages start-up is ~35% faster
// for ~7 MB more resident memory (bench/RESULTS.md). MALLOC_CONF in the environment still overrides.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always";
}
