#include "storage/s3_url.h"

#include <gtest/gtest.h>

#include <map>

namespace freshet {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ParseS3UrlTest, BucketAndPrefix) {
  auto c = ParseS3Url("s3://my-bucket/data/ads/", Env({}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->bucket, "my-bucket");
  EXPECT_EQ(c->prefix, "data/ads");
  EXPECT_EQ(c->region, "us-east-1");
  EXPECT_EQ(c->endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_EQ(c->addressing, S3Addressing::kVirtualHost);
  EXPECT_TRUE(c->credentials.anonymous());
  EXPECT_EQ(c->Describe(), "s3://my-bucket/data/ads");

  auto root = ParseS3Url("s3://my-bucket", Env({}));
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->prefix, "");
  EXPECT_EQ(root->Describe(), "s3://my-bucket");
}

TEST(ParseS3UrlTest, EnvironmentGivesEndpointRegionAndCredentials) {
  auto c = ParseS3Url("s3://b1b/p", Env({{"AWS_ENDPOINT_URL", "http://127.0.0.1:9000/"},
                                         {"AWS_REGION", "eu-west-3"},
                                         {"AWS_ACCESS_KEY_ID", "AKID"},
                                         {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                                         {"AWS_SESSION_TOKEN", "TOKEN"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(c->addressing, S3Addressing::kPath);
  EXPECT_EQ(c->region, "eu-west-3");
  EXPECT_EQ(c->credentials.access_key_id, "AKID");
  EXPECT_EQ(c->credentials.secret_access_key, "SECRET");
  EXPECT_EQ(c->credentials.session_token, "TOKEN");
  EXPECT_EQ(c->Describe(), "s3://b1b/p");  // the endpoint came from the environment
  EXPECT_EQ(c->Describe().find("SECRET"), std::string::npos);
}

TEST(ParseS3UrlTest, ServiceSpecificEndpointWins) {
  auto c = ParseS3Url(
      "s3://bkt", Env({{"AWS_ENDPOINT_URL", "http://a:1"}, {"AWS_ENDPOINT_URL_S3", "http://b:2"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->endpoint, "http://b:2");
}

TEST(ParseS3UrlTest, UrlOptionsOverrideTheEnvironment) {
  auto c = ParseS3Url(
      "s3://bkt/p?endpoint=http://localhost:9000&region=ap-south-1&addressing=virtual"
      "&multipart_threshold=8MiB&part_size=5MiB&timeout=20s&connect_timeout=500ms"
      "&stall_timeout=2s&max_attempts=3",
      Env({{"AWS_ENDPOINT_URL", "http://other:1"}, {"AWS_REGION", "eu-west-1"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->endpoint, "http://localhost:9000");
  EXPECT_EQ(c->region, "ap-south-1");
  EXPECT_EQ(c->addressing, S3Addressing::kVirtualHost);
  EXPECT_EQ(c->multipart_threshold, 8u << 20);
  EXPECT_EQ(c->part_size, 5u << 20);
  EXPECT_EQ(c->timeout, std::chrono::seconds(20));
  EXPECT_EQ(c->connect_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(c->stall_timeout, std::chrono::seconds(2));
  EXPECT_EQ(c->max_attempts, 3);
  EXPECT_EQ(c->Describe(), "s3://bkt/p?endpoint=http://localhost:9000");
}

TEST(ParseS3UrlTest, RejectsBadUrlsNamingThePart) {
  auto expect_error = [](std::string_view url, std::string_view needle) {
    auto c = ParseS3Url(url, Env({}));
    ASSERT_FALSE(c.ok()) << url;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find(needle), std::string::npos) << c.status().message();
  };
  expect_error("s3://Bad_Bucket/x", "bucket name 'Bad_Bucket'");
  expect_error("s3://ab", "bucket name");
  expect_error("s3://bkt/a/../b", "'..' segment");
  expect_error("s3://bkt/a//b", "empty segment");
  expect_error("s3://bkt?addressing=sideways", "addressing='sideways'");
  expect_error("s3://bkt?part_size=1KiB", "part_size");
  expect_error("s3://bkt?colour=red", "option 'colour' is unknown");
  expect_error("s3://bkt?endpoint=ftp://x", "http:// or https://");
  expect_error("s3://bkt?endpoint=http://host/path", "without a path");
}

TEST(ParseS3UrlTest, NeverRepeatsCredentialsGivenInTheUrl) {
  for (std::string_view url :
       {"s3://AKID:hunter2@bkt/p", "s3://bkt/p?secret_access_key=hunter2",
        "s3://bkt/p?endpoint=http://u:hunter2@host:9000", "s3://bkt?aws_session_token=hunter2"}) {
    auto c = ParseS3Url(url, Env({}));
    ASSERT_FALSE(c.ok()) << url;
    EXPECT_EQ(c.status().message().find("hunter2"), std::string::npos) << c.status().message();
  }
}

TEST(ParseS3UrlTest, HalfAKeyPairIsAnError) {
  auto c = ParseS3Url("s3://bkt", Env({{"AWS_ACCESS_KEY_ID", "AKID"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
}

TEST(S3ConfigTest, RequestUrlPathStyleIsCanonical) {
  auto c = ParseS3Url("s3://bkt/p?endpoint=http://127.0.0.1:9000", Env({}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->RequestUrl("p/a b+c=d/é~.txt"),
            "http://127.0.0.1:9000/bkt/p/a%20b%2Bc%3Dd/%C3%A9~.txt");
  EXPECT_EQ(c->RequestUrl("", {{"prefix", "p/"}, {"list-type", "2"}}),
            "http://127.0.0.1:9000/bkt?list-type=2&prefix=p%2F");
}

TEST(S3ConfigTest, RequestUrlVirtualHostPutsTheBucketInTheHost) {
  auto c = ParseS3Url("s3://bkt/p", Env({{"AWS_REGION", "eu-west-3"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->RequestUrl("p/k"), "https://bkt.s3.eu-west-3.amazonaws.com/p/k");
  EXPECT_EQ(c->RequestUrl("", {{"list-type", "2"}}),
            "https://bkt.s3.eu-west-3.amazonaws.com/?list-type=2");
}

}  // namespace
}  // namespace freshet
