// The pacing controller against simulated loads. The simulated server: an
// application whose p99 grows with the backfill's duty times the load
// (p99 = baseline * (1 + kHarm * load * duty averaged over the latency
// window)), batches whose time grows with their size, and a clock that
// advances by each batch and pause. No timing: simulated time only.
#include "core/pace_controller.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <functional>
#include <random>

using namespace pg_backfill::core;

namespace {

constexpr double kBaselineMs = 2.0;
constexpr double kHarm = 4.0;        // p99 ratio at full duty under full load: 1 + kHarm
constexpr double kWindowS = 1.0;     // the latency window of the PostgreSQL layer
constexpr double kCpuWindowS = 0.25; // the CPU pressure window (cpu_pressure.cpp)

struct Sim {
	PaceSettings settings = DefaultPaceSettings();
	PaceController controller{};
	double now = 0;
	PaceDecision decision{};
	std::deque<std::pair<double, double>> duty_history; // (time, duty in force from then)
	std::function<double(double)> load = [](double) { return 0.0; };
	std::function<double(double)> noise = [](double) { return 1.0; };
	double latency_harm = kHarm;
	// The host's CPU stall share at full duty under full load (0: the
	// backfill takes no CPU the application wants); < 0: not measured.
	double cpu_harm = 0;
	double cpu_baseline = 0; // the load's own stall share, also the controller's baseline
	int32_t blocked = 0;
	double replica_lag = 0;
	double wal_per_row = 0;
	double fixed_ms = 0.5;
	double ms_per_row = 0.005;
	// Recorded per step.
	double last_ratio = 1;
	double last_cpu_stall = 0;
	int64_t rows = 0;

	Sim() {
		ResetPaceController(&controller);
		decision = FirstPaceDecision(&controller, settings, PaceObservation{});
		duty_history.emplace_back(0, decision.duty);
	}

	// Mean duty over [from, to] from the history.
	double
	MeanDuty(double from, double to) const {
		double sum = 0;
		double covered = 0;
		for (size_t i = 0; i < duty_history.size(); i++) {
			double start = std::max(from, duty_history[i].first);
			double end = i + 1 < duty_history.size() ? std::min(to, duty_history[i + 1].first) : to;
			if (end > start) {
				sum += (end - start) * duty_history[i].second;
				covered += end - start;
			}
		}
		return covered > 0 ? sum / covered : duty_history.back().second;
	}

	// Runs one batch and its pause; returns the decision for the next one.
	const PaceDecision &
	Step() {
		double batch_ms = fixed_ms + ms_per_row * decision.batch_size;
		double start = now;
		now += batch_ms / 1000.0;
		rows += decision.batch_size;
		// The effective duty of this cycle, for the application model.
		double cycle = batch_ms + (double)decision.pause_ms;
		duty_history.emplace_back(start, batch_ms / cycle);
		PaceObservation seen{};
		seen.now_s = now;
		seen.batch_ms = batch_ms;
		seen.batch_rows = decision.batch_size;
		seen.wal_bytes = wal_per_row * decision.batch_size;
		seen.has_app_latency = true;
		seen.app_window_start_s = now - kWindowS;
		double l = load(now);
		seen.app_tps = 3000 * l;
		last_ratio = (1 + latency_harm * l * MeanDuty(now - kWindowS, now)) * noise(now);
		seen.cpu_window_start_s = now - kCpuWindowS;
		last_cpu_stall = cpu_harm < 0 ? -1 : cpu_baseline + cpu_harm * l * MeanDuty(now - kCpuWindowS, now);
		seen.cpu_stall_share = last_cpu_stall;
		seen.cpu_baseline_share = cpu_baseline;
		seen.app_p99_ms = kBaselineMs * last_ratio;
		seen.app_baseline_p99_ms = kBaselineMs;
		seen.replica_lag_bytes = replica_lag;
		seen.blocked_sessions = blocked;
		decision = NextPace(&controller, settings, seen);
		now += (double)decision.pause_ms / 1000.0;
		return decision;
	}

	void
	RunUntil(
	    double t, const std::function<void()> &each = [] {}) {
		while (now < t) {
			Step();
			each();
		}
	}
};

TEST(PaceController, IdleServerRunsFlatOut) {
	Sim sim;
	sim.RunUntil(10, [&] {
		EXPECT_EQ(sim.decision.batch_size, sim.settings.max_batch_size);
		EXPECT_EQ(sim.decision.pause_ms, 0);
		EXPECT_EQ(sim.decision.reason, PaceReason::None);
		EXPECT_DOUBLE_EQ(sim.decision.duty, 1.0);
	});
}

TEST(PaceController, StepLoadCutsWithinASecondAndHoldsTheTarget) {
	Sim sim;
	sim.load = [](double t) { return t >= 5 ? 1.0 : 0.0; };
	sim.RunUntil(4.9);
	EXPECT_DOUBLE_EQ(sim.decision.duty, 1.0);
	sim.RunUntil(6.2);
	EXPECT_LE(sim.decision.duty, 0.5) << "cut within about a second of the step";
	EXPECT_EQ(sim.decision.reason, PaceReason::AppLatency);
	// Steady state: the ratio hovers around the target, the duty above the floor.
	double sum_ratio = 0;
	double sum_duty = 0;
	int n = 0;
	sim.RunUntil(60, [&] {
		if (sim.now > 20) {
			sum_ratio += sim.last_ratio;
			sum_duty += sim.decision.duty;
			n++;
		}
	});
	ASSERT_GT(n, 0);
	EXPECT_LE(sum_ratio / n, sim.settings.target_latency_ratio * 1.15);
	EXPECT_GT(sum_duty / n, 2 * sim.settings.min_duty) << "did not collapse to the floor";
}

TEST(PaceController, RampLoadLowersThePace) {
	Sim sim;
	sim.load = [](double t) { return std::min(1.0, t / 30.0); };
	double duty_at_10 = 0;
	sim.RunUntil(10);
	duty_at_10 = sim.MeanDuty(8, 10);
	sim.RunUntil(40);
	double duty_at_40 = sim.MeanDuty(35, 40);
	EXPECT_LT(duty_at_40, duty_at_10);
	double ratio = 1 + kHarm * duty_at_40;
	EXPECT_LE(ratio, sim.settings.target_latency_ratio * 1.2);
}

TEST(PaceController, RecoversGraduallyUnderLightLoadAndAtOnceWhenIdle) {
	Sim sim;
	sim.load = [](double t) { return t < 20 ? 1.0 : 0.02; };
	sim.RunUntil(20);
	double held = sim.decision.duty;
	EXPECT_LT(held, 0.5);
	// Light load after the heavy one: grows by at most duty_increase_per_s.
	sim.RunUntil(24);
	EXPECT_GT(sim.decision.duty, held);
	EXPECT_LE(sim.decision.duty, held + 4.5 * sim.settings.duty_increase_per_s + 1e-9);
	// No application at all: full speed at the next batch.
	sim.load = [](double) { return 0.0; };
	sim.Step();
	EXPECT_DOUBLE_EQ(sim.decision.duty, 1.0);
	EXPECT_EQ(sim.decision.batch_size, sim.settings.max_batch_size);
	EXPECT_EQ(sim.decision.reason, PaceReason::None);
}

TEST(PaceController, NoisySignalNeitherCollapsesNorRunsAway) {
	Sim sim;
	std::mt19937 rng(42);
	std::lognormal_distribution<double> noise(0.0, 0.15);
	sim.load = [](double) { return 1.0; };
	sim.noise = [&](double) { return noise(rng); };
	double sum_duty = 0;
	double sum_ratio = 0;
	int at_floor = 0;
	int n = 0;
	sim.RunUntil(120, [&] {
		if (sim.now < 10)
			return;
		n++;
		sum_duty += sim.decision.duty;
		sum_ratio += 1 + kHarm * sim.decision.duty;
		at_floor += sim.decision.duty <= sim.settings.min_duty;
	});
	ASSERT_GT(n, 0);
	double equilibrium = (sim.settings.target_latency_ratio - 1) / kHarm; // without noise
	EXPECT_GT(sum_duty / n, equilibrium / 2);
	EXPECT_LT(sum_duty / n, equilibrium * 2);
	EXPECT_LE(sum_ratio / n, sim.settings.target_latency_ratio * 1.1);
	EXPECT_LT(at_floor, n / 4) << "noise must not pin the job to its floor";
}

TEST(PaceController, StaleWindowDoesNotCutTwice) {
	Sim sim;
	sim.load = [](double) { return 1.0; };
	sim.Step();
	ASSERT_DOUBLE_EQ(sim.decision.duty, 0.5);
	double cut_at = sim.now;
	// Every batch within the next window still sees the old p99: no second cut.
	while (sim.now - cut_at < kWindowS * 0.9) {
		sim.Step();
		EXPECT_DOUBLE_EQ(sim.decision.duty, 0.5);
	}
}

TEST(PaceController, LatencyAloneHoldsAtItsFloor) {
	Sim sim;
	sim.load = [](double) { return 1.0; };
	sim.noise = [](double) { return 100.0; }; // p99 always 100x: not the backfill's doing
	sim.RunUntil(60);
	EXPECT_DOUBLE_EQ(sim.decision.duty, sim.settings.min_latency_duty);
	EXPECT_EQ(sim.decision.reason, PaceReason::AppLatency);
}

TEST(PaceController, FloorKeepsTheJobMoving) {
	Sim sim;
	sim.replica_lag = 1e15; // hopeless: a standby that never catches up
	int64_t rows_before = 0;
	sim.RunUntil(60, [&] {
		EXPECT_GE(sim.decision.batch_size, sim.settings.min_batch_size);
		EXPECT_LE(sim.decision.pause_ms, sim.settings.max_pause_ms);
	});
	EXPECT_DOUBLE_EQ(sim.decision.duty, sim.settings.min_duty);
	rows_before = sim.rows;
	sim.RunUntil(70);
	EXPECT_GT(sim.rows - rows_before, 0) << "rows still get done at the floor";
}

TEST(PaceController, LockConflictHalvesTheBatchAtOnce) {
	Sim sim;
	sim.settings.max_active_batch_ms = 0; // the batch sizes here are the lock conflicts' alone
	sim.blocked = 1;
	sim.Step();
	EXPECT_EQ(sim.decision.reason, PaceReason::LockConflict);
	EXPECT_DOUBLE_EQ(sim.decision.value, 1.0);
	EXPECT_EQ(sim.decision.batch_size, sim.settings.max_batch_size / 2);
	EXPECT_DOUBLE_EQ(sim.decision.duty, 1.0) << "the wait itself shows in the app's latency";
	sim.Step();
	EXPECT_EQ(sim.decision.batch_size, sim.settings.max_batch_size / 4) << "every batch that blocks someone halves";
	// No more waiters: the batch grows back gradually.
	sim.blocked = 0;
	sim.load = [](double) { return 0.01; }; // some traffic, so not idle
	int32_t before = sim.decision.batch_size;
	sim.RunUntil(sim.now + 1.0);
	EXPECT_GT(sim.decision.batch_size, before);
	EXPECT_LT(sim.decision.batch_size, sim.settings.max_batch_size);
	sim.RunUntil(sim.now + 10.0);
	EXPECT_EQ(sim.decision.batch_size, sim.settings.max_batch_size);
}

TEST(PaceController, ReplicaLagCutsAtMostOncePerSecond) {
	Sim sim;
	sim.replica_lag = 2 * sim.settings.max_replica_lag_bytes;
	sim.Step();
	EXPECT_EQ(sim.decision.reason, PaceReason::ReplicaLag);
	EXPECT_DOUBLE_EQ(sim.decision.value, sim.replica_lag);
	EXPECT_DOUBLE_EQ(sim.decision.duty, 0.5);
	double cut_at = sim.now;
	while (sim.now - cut_at < 0.9) {
		sim.Step();
		EXPECT_DOUBLE_EQ(sim.decision.duty, 0.5);
	}
	sim.RunUntil(cut_at + 1.5);
	EXPECT_DOUBLE_EQ(sim.decision.duty, 0.25);
	// Drained: the job recovers (no application traffic, no pressure).
	sim.replica_lag = 0;
	sim.Step();
	EXPECT_DOUBLE_EQ(sim.decision.duty, 1.0);
}

TEST(PaceController, WalBudgetPausesOnceTheBurstIsSpent) {
	Sim sim;
	sim.settings.wal_bytes_per_s = 1e6;
	sim.settings.wal_burst_bytes = 2e6;
	sim.settings.max_batch_size = 1000;
	sim.wal_per_row = 200; // 200 kB per batch of 1000
	ResetPaceController(&sim.controller);
	sim.decision = FirstPaceDecision(&sim.controller, sim.settings, PaceObservation{});
	int free_batches = 0;
	while (sim.Step().reason == PaceReason::None)
		free_batches++;
	EXPECT_GE(free_batches, 8); // the 2 MB burst
	EXPECT_LE(free_batches, 11);
	EXPECT_EQ(sim.decision.reason, PaceReason::WalRate);
	// Long run: the WAL rate stays within the budget (plus the burst).
	double start = sim.now;
	int64_t rows_start = sim.rows;
	sim.RunUntil(start + 30);
	double rate = (double)(sim.rows - rows_start) * sim.wal_per_row / (sim.now - start);
	EXPECT_LE(rate, 1.05e6);
	EXPECT_GE(rate, 0.9e6);
}

TEST(PaceController, LongBatchesShrink) {
	Sim sim;
	sim.ms_per_row = 1.0; // 1000 rows take a second
	sim.Step();
	EXPECT_EQ(sim.decision.reason, PaceReason::BatchTime);
	EXPECT_LE(sim.decision.batch_size, sim.settings.max_batch_ms / sim.ms_per_row + 1);
	EXPECT_EQ(sim.decision.pause_ms, 0) << "a long batch alone does not pause";
}

// Batches that cost 2 ms besides 0.003 ms per row, under a batch time limit.
Sim
FixedCostSim(int64_t max_batch_ms) {
	Sim sim;
	sim.fixed_ms = 2.0;
	sim.ms_per_row = 0.003;
	sim.settings.max_batch_ms = max_batch_ms;
	return sim;
}

TEST(PaceController, BatchTimeLimitAccountsForTheFixedCost) {
	Sim sim = FixedCostSim(5); // 1,000 rows fit in 5 ms
	sim.RunUntil(2);
	EXPECT_NEAR(sim.decision.batch_size, 1000, 50);
	// Just above the fixed cost: few rows fit, and the limit is still met.
	sim.settings.max_batch_ms = 3;
	sim.RunUntil(4);
	EXPECT_NEAR(sim.decision.batch_size, 333, 20);
}

TEST(PaceController, UnreachableBatchTimeLimitKeepsBatchesWorthTheirCost) {
	// A limit below a batch's fixed cost cannot be met by any batch size:
	// shrinking further would only multiply the fixed cost, so batches stay
	// at least as large as the rows' share of their time equals it.
	Sim sim = FixedCostSim(1);
	sim.RunUntil(2);
	EXPECT_EQ(sim.decision.reason, PaceReason::BatchTime);
	EXPECT_GE(sim.decision.batch_size, 600) << "2 ms fixed / 0.003 ms per row = 667 rows";
	EXPECT_LT(sim.decision.batch_size, sim.settings.max_batch_size);
}

TEST(PaceController, ShortBatchesWhileTheApplicationIsActive) {
	// A batch is a burst of CPU and WAL the application's commits queue
	// behind: while the application is active, batches stay under
	// max_active_batch_ms (2 ms); idle, they are the ceiling again.
	Sim sim; // 0.5 ms per batch + 0.005 ms per row
	sim.latency_harm = 0;
	sim.load = [](double) { return 1.0; };
	sim.RunUntil(2);
	EXPECT_EQ(sim.decision.reason, PaceReason::BatchTime);
	EXPECT_NEAR(sim.decision.batch_size, 300, 30) << "(2 - 0.5) ms / 0.005 ms per row";
	EXPECT_DOUBLE_EQ(sim.decision.duty, 1.0) << "shorter batches, not a smaller duty";
	sim.load = [](double) { return 0.0; };
	sim.RunUntil(4);
	EXPECT_EQ(sim.decision.batch_size, sim.settings.max_batch_size);
	EXPECT_EQ(sim.decision.reason, PaceReason::None);
	// Off: only max_batch_ms (200 ms) limits them.
	Sim off;
	off.settings.max_active_batch_ms = 0;
	off.latency_harm = 0;
	off.load = [](double) { return 1.0; };
	off.RunUntil(2);
	EXPECT_EQ(off.decision.batch_size, off.settings.max_batch_size);
}

TEST(PaceController, AStalledBatchDoesNotEnlargeTheBatchesWhileTheApplicationIsActive) {
	// A batch whose commit waited on a congested device looks, to the fit,
	// like a large fixed cost. Above max_active_batch_ms that must not turn
	// into larger batches (more rows per burst exactly when the device is
	// slowest): the rows still take at most the limit.
	Sim sim; // 0.5 ms per batch + 0.005 ms per row: ~300 rows in 2 ms
	sim.latency_harm = 0;
	sim.load = [](double) { return 1.0; };
	sim.RunUntil(2);
	ASSERT_NEAR(sim.decision.batch_size, 300, 30);
	int32_t largest = 0;
	for (double stall_ms : {3.0, 8.0, 30.0, 8.0}) {
		sim.fixed_ms = stall_ms; // a few batches wait on their commit
		sim.Step();
		largest = std::max(largest, sim.decision.batch_size);
	}
	sim.fixed_ms = 0.5;
	for (int i = 0; i < 20; i++) {
		sim.Step();
		largest = std::max(largest, sim.decision.batch_size);
	}
	EXPECT_LE(largest, 2.0 / sim.ms_per_row + 1) << "no more rows than the limit's time holds";
	EXPECT_NEAR(sim.decision.batch_size, 300, 30) << "back to the limit's size";
}

TEST(PaceController, BatchesYieldTheCpuWhileTheApplicationIsActive) {
	// An application backend that wakes during a batch should not wait for
	// the worker's time slice; idle, a yield would only hand the CPU to
	// housekeeping (it cost an idle server a fifth of its rows/s).
	Sim sim;
	sim.latency_harm = 0;
	EXPECT_FALSE(FirstPaceDecision(&sim.controller, sim.settings, PaceObservation{}).yield_cpu) << "nothing seen yet";
	sim.load = [](double) { return 1.0; };
	sim.RunUntil(2);
	EXPECT_TRUE(sim.decision.yield_cpu);
	sim.load = [](double) { return 0.0; };
	sim.RunUntil(4);
	EXPECT_FALSE(sim.decision.yield_cpu);
	Sim off; // unthrottled: as the job's options say, nothing else
	off.settings.enabled = false;
	off.load = [](double) { return 1.0; };
	off.RunUntil(2);
	EXPECT_FALSE(off.decision.yield_cpu);
}

TEST(PaceController, AJobStartedUnderLoadBeginsWithAShortBatch) {
	// The worker sees the application before its first batch (it waits for
	// the latency window). Active: the first batch is a probe as short as
	// the settings' own bound makes it (batch_size rows taking
	// max_batch_time: 5000 x 2 / 200 = 50 rows), yielding the CPU, and the
	// next ones grow to the active limit without exceeding it. Idle or not
	// measured: batch_size. Not seen yet although measured: batch_size, but
	// yielding.
	Sim sim; // 0.5 ms per batch + 0.005 ms per row: ~300 rows in 2 ms
	sim.latency_harm = 0;
	PaceObservation active{};
	active.has_app_latency = true;
	active.app_tps = 3000;
	active.app_p99_ms = active.app_baseline_p99_ms = kBaselineMs;
	ResetPaceController(&sim.controller);
	sim.decision = FirstPaceDecision(&sim.controller, sim.settings, active);
	EXPECT_EQ(sim.decision.batch_size, 50);
	EXPECT_TRUE(sim.decision.yield_cpu);
	sim.load = [](double) { return 1.0; };
	int32_t largest = 0;
	for (int i = 0; i < 20; i++) {
		sim.Step();
		largest = std::max(largest, sim.decision.batch_size);
	}
	EXPECT_LE(largest, 2.0 / sim.ms_per_row + 1) << "no batch longer than the active limit";
	EXPECT_NEAR(sim.decision.batch_size, 300, 30) << "settled at the limit";
	EXPECT_DOUBLE_EQ(sim.decision.duty, 1.0) << "short batches, not a smaller duty";

	PaceObservation idle = active;
	idle.app_tps = 5;
	ResetPaceController(&sim.controller);
	PaceDecision first = FirstPaceDecision(&sim.controller, sim.settings, idle);
	EXPECT_EQ(first.batch_size, sim.settings.max_batch_size);
	EXPECT_FALSE(first.yield_cpu);
	ResetPaceController(&sim.controller);
	first = FirstPaceDecision(&sim.controller, sim.settings, PaceObservation{});
	EXPECT_EQ(first.batch_size, sim.settings.max_batch_size) << "not measured";
	EXPECT_FALSE(first.yield_cpu);
	PaceObservation pending{};
	pending.app_latency_pending = true;
	ResetPaceController(&sim.controller);
	first = FirstPaceDecision(&sim.controller, sim.settings, pending);
	EXPECT_EQ(first.batch_size, sim.settings.max_batch_size);
	EXPECT_TRUE(first.yield_cpu);
}

TEST(PaceController, UnthrottledUsesTheJobsOptions) {
	Sim sim;
	sim.settings.enabled = false;
	sim.settings.max_batch_size = 5000;
	sim.settings.min_pause_ms = 7;
	sim.load = [](double) { return 1.0; };
	sim.blocked = 3;
	sim.replica_lag = 1e12;
	sim.decision = FirstPaceDecision(&sim.controller, sim.settings, PaceObservation{});
	EXPECT_EQ(sim.decision.reason, PaceReason::Unthrottled);
	sim.RunUntil(5, [&] {
		EXPECT_EQ(sim.decision.batch_size, 5000);
		EXPECT_EQ(sim.decision.pause_ms, 7);
		EXPECT_EQ(sim.decision.reason, PaceReason::Unthrottled);
	});
}

TEST(PaceController, BatchDelayIsTheShortestPause) {
	Sim sim;
	sim.settings.min_pause_ms = 50;
	sim.load = [](double t) { return t > 2 ? 1.0 : 0.0; };
	sim.RunUntil(20, [&] { EXPECT_GE(sim.decision.pause_ms, 50); });
}

TEST(PaceController, UnknownLatencyIsNoSignal) {
	PaceSettings settings = DefaultPaceSettings();
	PaceController c;
	ResetPaceController(&c);
	(void)FirstPaceDecision(&c, settings, PaceObservation{});
	PaceObservation seen{};
	seen.now_s = 1;
	seen.batch_ms = 5;
	seen.batch_rows = 1000;
	seen.has_app_latency = false;
	seen.app_tps = 3000;
	seen.app_p99_ms = 100;
	seen.app_baseline_p99_ms = 1;
	PaceDecision d = NextPace(&c, settings, seen);
	EXPECT_EQ(d.reason, PaceReason::None);
	EXPECT_DOUBLE_EQ(d.duty, 1.0);
}

TEST(PaceController, CpuPressureCutsWhileTheApplicationIsActive) {
	Sim sim;
	sim.latency_harm = 0; // the in-server latency does not see it
	sim.cpu_harm = 0.6;   // flat out under load, a task waits for a CPU 60% of the time
	sim.load = [](double t) { return t >= 5 ? 1.0 : 0.0; };
	sim.RunUntil(4.9);
	EXPECT_DOUBLE_EQ(sim.decision.duty, 1.0) << "no application traffic: full speed";
	sim.RunUntil(6.2);
	EXPECT_LE(sim.decision.duty, 0.5) << "cut within about a second";
	EXPECT_EQ(sim.decision.reason, PaceReason::CpuPressure);
	double sum_stall = 0;
	double sum_duty = 0;
	int n = 0;
	sim.RunUntil(60, [&] {
		if (sim.now > 20) {
			sum_stall += sim.last_cpu_stall;
			sum_duty += sim.decision.duty;
			n++;
		}
	});
	ASSERT_GT(n, 0);
	EXPECT_LE(sum_stall / n, sim.settings.max_cpu_stall_share * 1.15);
	EXPECT_GE(sum_duty / n, sim.settings.min_latency_duty) << "CPU pressure alone holds at the latency floor";
	// The load goes: the duty recovers.
	sim.load = [](double) { return 0.0; };
	sim.RunUntil(62);
	EXPECT_DOUBLE_EQ(sim.decision.duty, 1.0);
}

TEST(PaceController, CpuPressureIsJudgedAboveTheLoadsOwn) {
	// A host already at 60% stall without the backfill: the backfill may add
	// max_cpu_stall_share to that, no more.
	Sim sim;
	sim.latency_harm = 0;
	sim.cpu_baseline = 0.6;
	sim.cpu_harm = 0.15; // adds less than max_cpu_stall_share (0.2) even flat out
	sim.load = [](double) { return 1.0; };
	sim.RunUntil(10);
	EXPECT_DOUBLE_EQ(sim.decision.duty, 1.0) << "the load's own pressure is not the backfill's";
	sim.cpu_harm = 0.35; // adds more: cut until it adds about 0.2
	sim.RunUntil(40);
	EXPECT_LT(sim.decision.duty, 0.9);
	EXPECT_LE(sim.last_cpu_stall, 0.6 + sim.settings.max_cpu_stall_share * 1.15);
}

TEST(PaceController, CpuPressureBelowItsDeadbandOrUnmeasuredIsNoSignal) {
	Sim sim;
	sim.settings.max_active_batch_ms = 0; // no reason but the CPU pressure's
	sim.latency_harm = 0;
	sim.load = [](double) { return 1.0; };
	sim.cpu_harm = sim.settings.max_cpu_stall_share * kIncreaseBelow * 0.95;
	sim.RunUntil(10, [&] { EXPECT_EQ(sim.decision.reason, PaceReason::None); });
	EXPECT_DOUBLE_EQ(sim.decision.duty, 1.0);
	Sim unmeasured;
	unmeasured.latency_harm = 0;
	unmeasured.load = [](double) { return 1.0; };
	unmeasured.cpu_harm = -1;
	unmeasured.RunUntil(10);
	EXPECT_DOUBLE_EQ(unmeasured.decision.duty, 1.0);
	Sim off;
	off.latency_harm = 0;
	off.load = [](double) { return 1.0; };
	off.cpu_harm = 0.9;
	off.settings.max_cpu_stall_share = 0;
	off.RunUntil(10);
	EXPECT_DOUBLE_EQ(off.decision.duty, 1.0);
}

TEST(PaceController, ReasonNames) {
	EXPECT_STREQ(PaceReasonName(PaceReason::None), "none");
	EXPECT_STREQ(PaceReasonName(PaceReason::AppLatency), "app latency");
	EXPECT_STREQ(PaceReasonName(PaceReason::WalRate), "WAL rate");
	EXPECT_STREQ(PaceReasonName(PaceReason::LockConflict), "lock conflict");
	EXPECT_STREQ(PaceReasonName(PaceReason::Unthrottled), "unthrottled");
	EXPECT_STREQ(PaceReasonName(PaceReason::CpuPressure), "cpu pressure");
}

} // namespace
