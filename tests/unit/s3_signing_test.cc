#include "storage/s3_signing.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

TEST(UriEncodeTest, KeepsOnlyUnreservedBytes) {
  EXPECT_EQ(UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b+c=d&e/f", false), "a%20b%2Bc%3Dd%26e%2Ff");
  EXPECT_EQ(UriEncode("a b+c=d&e/f", true), "a%20b%2Bc%3Dd%26e/f");
  EXPECT_EQ(UriEncode("*%!'()", false), "%2A%25%21%27%28%29");
}

TEST(UriEncodeTest, EncodesUtf8BytesWithUppercaseHex) {
  EXPECT_EQ(UriEncode("ü€", true), "%C3%BC%E2%82%AC");
}

TEST(UriDecodeTest, ReversesEncodingAndFormPlus) {
  EXPECT_EQ(UriDecode("a%20b%2Bc%c3%bc", false), "a b+cü");
  EXPECT_EQ(UriDecode("a+b", false), "a+b");
  EXPECT_EQ(UriDecode("a+b%2B", true), "a b+");
}

TEST(UriDecodeTest, KeepsMalformedEscapes) {
  EXPECT_EQ(UriDecode("100%", false), "100%");
  EXPECT_EQ(UriDecode("%zz%4", false), "%zz%4");
}

TEST(CanonicalQueryStringTest, SortsEncodesAndKeepsEmptyValues) {
  EXPECT_EQ(CanonicalQueryString({{"prefix", "a b/c"}, {"list-type", "2"}, {"uploads", ""}}),
            "list-type=2&prefix=a%20b%2Fc&uploads=");
  EXPECT_EQ(CanonicalQueryString({}), "");
  // Sorted by encoded name, then value.
  EXPECT_EQ(CanonicalQueryString({{"b", "2"}, {"b", "1"}, {"A", "x"}}), "A=x&b=1&b=2");
}

TEST(Sha256HexTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), kEmptyPayloadSha256);
  EXPECT_EQ(Sha256Hex("hello world"),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
}

TEST(CurlSigV4ParameterTest, NamesRegionAndService) {
  EXPECT_EQ(CurlSigV4Parameter("eu-west-3"), "aws:amz:eu-west-3:s3");
}

}  // namespace
}  // namespace freshet
