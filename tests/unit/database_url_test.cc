#include "metastore/database_url.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

TEST(RedactUrlTest, HidesTheUserInfoPassword) {
  EXPECT_EQ(RedactUrl("postgres://freshet:s3cret@db.internal:5432/freshet"),
            "postgres://freshet:***@db.internal:5432/freshet");
  EXPECT_EQ(RedactUrl("postgresql://freshet:s3cret@db/freshet?sslmode=require"),
            "postgresql://freshet:***@db/freshet?sslmode=require");
}

TEST(RedactUrlTest, HidesPasswordQueryParameters) {
  EXPECT_EQ(RedactUrl("postgres://db/freshet?user=freshet&password=s3cret&sslmode=require"),
            "postgres://db/freshet?user=freshet&password=***&sslmode=require");
  EXPECT_EQ(RedactUrl("postgres://u:a@db/x?PASSWORD=b"), "postgres://u:***@db/x?PASSWORD=***");
}

TEST(RedactUrlTest, HidesPasswordsHoldingSlashesAndAts) {
  EXPECT_EQ(RedactUrl("postgres://freshet:p@ss/w:rd@db:5432/freshet"),
            "postgres://freshet:***@db:5432/freshet");
  EXPECT_EQ(RedactUrl("postgres://freshet:p%40ss@db/freshet"), "postgres://freshet:***@db/freshet");
}

TEST(RedactUrlTest, LeavesUrlsWithoutPasswordsAlone) {
  EXPECT_EQ(RedactUrl("postgres://freshet@db:5432/freshet"), "postgres://freshet@db:5432/freshet");
  EXPECT_EQ(RedactUrl("postgres://db/freshet?sslmode=disable"),
            "postgres://db/freshet?sslmode=disable");
  EXPECT_EQ(RedactUrl("sqlite:state/freshet.db"), "sqlite:state/freshet.db");
  EXPECT_EQ(RedactUrl("sqlite:///var/lib/freshet/state.db"), "sqlite:///var/lib/freshet/state.db");
  EXPECT_EQ(RedactUrl(""), "");
}

TEST(RedactUrlTest, EmptyPasswordStaysVisiblyEmpty) {
  EXPECT_EQ(RedactUrl("postgres://freshet:@db/freshet"), "postgres://freshet:***@db/freshet");
}

TEST(UrlUserInfoPasswordTest, ReturnsThePasswordAsWritten) {
  EXPECT_EQ(UrlUserInfoPassword("postgres://freshet:p%40ss@db/freshet"), "p%40ss");
  EXPECT_EQ(UrlUserInfoPassword("postgres://freshet@db/freshet"), "");
  EXPECT_EQ(UrlUserInfoPassword("postgres://db/freshet?password=x"), "");
}

TEST(UrlSchemeTest, LowerCasesTheScheme) {
  EXPECT_EQ(UrlScheme("PostgreSQL://db/x"), "postgresql");
  EXPECT_EQ(UrlScheme("sqlite:state.db"), "sqlite");
  EXPECT_EQ(UrlScheme("state.db"), "");
  EXPECT_EQ(UrlScheme("/abs/state.db"), "");
  EXPECT_EQ(UrlScheme(":memory:"), "");
}

}  // namespace
}  // namespace freshet
