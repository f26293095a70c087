/* How long a cache line takes to travel between CPU 0 and CPU 1, and back.
 *
 * Two threads, pinned to CPUs 0 and 1, take turns incrementing one shared counter;
 * each waits until the counter's parity says it is its turn. Every turn moves the
 * counter's cache line to the other core, so the time per round trip is two line
 * transfers. On the 2-vCPU development VM it reads about 50 ns when the two vCPUs sit
 * close together and about 320 ns when they sit far apart (see RESULTS.md, "Two
 * speed levels"). Run it just before and just after a benchmark to tell which placement
 * the benchmark had; it takes 15-100 ms.
 *
 *   gcc -O2 -pthread benches/line_pingpong.c -o /tmp/line_pingpong && /tmp/line_pingpong
 *
 * Prints the nanoseconds per round trip. Linux only (pthread_setaffinity_np).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define ROUND_TRIPS 300000L

static _Atomic long turn __attribute__((aligned(64)));

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *player(void *arg) {
    long me = (long)arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)me, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    for (long i = 0; i < ROUND_TRIPS; i++) {
        while (atomic_load_explicit(&turn, memory_order_acquire) % 2 != me) {
        }
        atomic_fetch_add_explicit(&turn, 1, memory_order_acq_rel);
    }
    return NULL;
}

int main(void) {
    pthread_t a, b;
    double start = now();
    if (pthread_create(&a, NULL, player, (void *)0L) || pthread_create(&b, NULL, player, (void *)1L)) {
        fprintf(stderr, "line_pingpong: could not start two threads\n");
        return 1;
    }
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%.0f\n", (now() - start) / ROUND_TRIPS * 1e9);
    return 0;
}
