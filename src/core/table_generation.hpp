// The generation of a backfill's table: a fingerprint of the storage it
// walks (each leaf relation's OID and relfilenode). It changes when rows can
// appear behind a job's checkpoint without an INSERT passing through the
// walk's future: TRUNCATE, a table rewrite, ATTACH or DETACH PARTITION.
// Pure C++17.
#pragma once

#include <cstdint>

namespace pg_backfill::core {

struct LeafStorage {
	uint32_t relid;
	uint32_t relfilenode;
};

// FNV-1a over the leaves sorted by relid (sorts `leaves` in place), so the
// order partitions are found in does not matter. Never throws.
int64_t TableGeneration(LeafStorage *leaves, int nleaves) noexcept;

} // namespace pg_backfill::core
