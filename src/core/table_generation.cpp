#include "core/table_generation.hpp"

#include <algorithm>

namespace pg_backfill::core {

namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

uint64_t
Mix(uint64_t hash, uint32_t value) {
	for (int i = 0; i < 4; i++) {
		hash ^= (value >> (8 * i)) & 0xff;
		hash *= kFnvPrime;
	}
	return hash;
}

} // namespace

int64_t
TableGeneration(LeafStorage *leaves, int nleaves) noexcept {
	std::sort(leaves, leaves + nleaves, [](const LeafStorage &a, const LeafStorage &b) { return a.relid < b.relid; });
	uint64_t hash = kFnvOffset;
	for (int i = 0; i < nleaves; i++)
		hash = Mix(Mix(hash, leaves[i].relid), leaves[i].relfilenode);
	return static_cast<int64_t>(hash);
}

} // namespace pg_backfill::core
