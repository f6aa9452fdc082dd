#include "common/status.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

// Callers decide on sub-codes, never on messages: a message that mentions a
// lease says nothing about the status's meaning.
TEST(StatusTest, SubCodesAreSetByTheirFactoriesAndNeverReadFromTheMessage) {
  Status held = Status::LeaseHeld("pipeline ads is leased by a:1");
  EXPECT_EQ(held.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(held.IsLeaseHeld());
  EXPECT_FALSE(held.IsFenced());
  EXPECT_EQ(held.ToString(), "FailedPrecondition: pipeline ads is leased by a:1");

  Status fenced = Status::Fenced("fenced: epoch 1 is not the current epoch 2");
  EXPECT_EQ(fenced.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(fenced.IsFenced());
  EXPECT_FALSE(fenced.IsLeaseHeld());

  Status refused = Status::CollapseRefused("base of pipeline 'ads' refused");
  EXPECT_TRUE(refused.IsCollapseRefused());
  EXPECT_EQ(refused.subcode(), StatusSubCode::kCollapseRefused);

  Status named = Status::FailedPrecondition("pipeline 'release-ads' has no base generation yet");
  EXPECT_EQ(named.subcode(), StatusSubCode::kNone);
  EXPECT_FALSE(named.IsLeaseHeld());
  EXPECT_FALSE(Status::FailedPrecondition("fenced: by name only").IsFenced());
}

TEST(StatusTest, WithContextKeepsCodeAndSubCode) {
  Status st = Status::Fenced("fenced: epoch 1").WithContext("committing");
  EXPECT_TRUE(st.IsFenced());
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.message(), "committing: fenced: epoch 1");
  Status result_status = Result<int>(Status::LeaseHeld("held")).status();
  EXPECT_TRUE(result_status.IsLeaseHeld());
}

}  // namespace
}  // namespace freshet
