#include "core/table_generation.hpp"

#include <gtest/gtest.h>

using pg_backfill::core::LeafStorage;
using pg_backfill::core::TableGeneration;

TEST(TableGeneration, OrderOfLeavesDoesNotMatter) {
	LeafStorage a[] = {{100, 1}, {200, 2}, {300, 3}};
	LeafStorage b[] = {{300, 3}, {100, 1}, {200, 2}};
	EXPECT_EQ(TableGeneration(a, 3), TableGeneration(b, 3));
}

TEST(TableGeneration, TruncateRewriteAttachAndDetachChangeIt) {
	LeafStorage base[] = {{100, 1}, {200, 2}};
	int64_t g = TableGeneration(base, 2);
	LeafStorage truncated[] = {{100, 7}, {200, 2}};
	EXPECT_NE(TableGeneration(truncated, 2), g);
	LeafStorage attached[] = {{100, 1}, {200, 2}, {300, 3}};
	EXPECT_NE(TableGeneration(attached, 3), g);
	LeafStorage detached[] = {{100, 1}};
	EXPECT_NE(TableGeneration(detached, 1), g);
	LeafStorage swapped[] = {{100, 2}, {200, 1}};
	EXPECT_NE(TableGeneration(swapped, 2), g);
}
