/*
 * A CPU burner for test/bench/cpu_bursts.sh: for SECONDS, runs on the CPU
 * for BURST_MS at a time and then sleeps, so that it is on the CPU DUTY of
 * the time; with YIELD_MS > 0 it calls sched_yield() every YIELD_MS while it
 * runs (what pg_backfill's worker does during a batch, cpu_yield.hpp).
 *   cpu_burst BURST_MS DUTY SECONDS [YIELD_MS]
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	double burst, duty, end, yield_every = 0;
	volatile unsigned long work = 0;

	if (argc < 4)
	{
		fprintf(stderr, "usage: %s BURST_MS DUTY SECONDS [YIELD_MS]\n", argv[0]);
		return 2;
	}
	burst = atof(argv[1]) / 1000;
	duty = atof(argv[2]);
	end = now() + atof(argv[3]);
	if (argc > 4)
		yield_every = atof(argv[4]) / 1000;
	while (now() < end)
	{
		double start = now(), last_yield = start;

		while (now() - start < burst)
		{
			work++;
			if (yield_every > 0 && now() - last_yield >= yield_every)
			{
				sched_yield();
				last_yield = now();
			}
		}
		usleep((useconds_t) (burst * (1 - duty) / duty * 1e6));
	}
	return 0;
}
