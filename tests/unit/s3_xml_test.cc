#include "storage/s3_xml.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

TEST(XmlTest, ElementTextDecodesEntitiesAndSkipsLongerNames) {
  std::string_view xml =
      "<R><KeyCount>2</KeyCount><Key>a&amp;b &lt;c&gt; &quot;&apos; &#233;&#x20AC;</Key><E/></R>";
  EXPECT_EQ(XmlElementText(xml, "Key"), "a&b <c> \"' é€");
  EXPECT_EQ(XmlElementText(xml, "KeyCount"), "2");
  EXPECT_EQ(XmlElementText(xml, "E"), "");
  EXPECT_EQ(XmlElementText(xml, "Missing"), std::nullopt);
}

TEST(XmlTest, EscapeRoundTrips) {
  EXPECT_EQ(XmlEscape("a&b<c>\"'"), "a&amp;b&lt;c&gt;&quot;&apos;");
  EXPECT_EQ(XmlElementText("<X>" + XmlEscape("a&b<c>\"'") + "</X>", "X"), "a&b<c>\"'");
}

TEST(ParseListObjectsV2Test, EntriesTokenAndUrlDecodedKeys) {
  std::string xml =
      R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p%2F</Prefix>
<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated><EncodingType>url</EncodingType>
<Contents><Key>p/a+b%2Bc%3D%C3%BC</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>
<ETag>&quot;0123abcd&quot;</ETag><Size>11</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>p/z</Key><ETag>"ff-2"</ETag><Size>0</Size></Contents>
<NextContinuationToken>tok/en==</NextContinuationToken></ListBucketResult>)";
  auto page = ParseListObjectsV2(xml, true);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].key, "p/a b+c=ü");
  EXPECT_EQ(page->entries[0].size, 11u);
  EXPECT_EQ(page->entries[0].etag, "0123abcd");
  EXPECT_EQ(page->entries[1].key, "p/z");
  EXPECT_EQ(page->entries[1].etag, "ff-2");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "tok/en==");
}

TEST(ParseListObjectsV2Test, EmptyLastPage) {
  auto page = ParseListObjectsV2(
      "<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>",
      true);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->entries.empty());
  EXPECT_FALSE(page->truncated);
}

TEST(ParseListObjectsV2Test, RejectsMalformedPages) {
  EXPECT_EQ(ParseListObjectsV2("<Error><Code>x</Code></Error>", true).status().code(),
            StatusCode::kCorruption);
  auto no_token = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", true);
  EXPECT_EQ(no_token.status().code(), StatusCode::kCorruption);
  auto bad_size = ParseListObjectsV2(
      "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
      false);
  EXPECT_EQ(bad_size.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad_size.status().message().find("'k'"), std::string::npos);
}

TEST(ParseS3ErrorTest, CodeAndMessage) {
  S3Error e = ParseS3Error(
      "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request "
      "rate.</Message><Key>k</Key><RequestId>1</RequestId></Error>");
  EXPECT_EQ(e.code, "SlowDown");
  EXPECT_EQ(e.message, "Please reduce your request rate.");
  EXPECT_EQ(ParseS3Error("").code, "");
}

TEST(CompleteMultipartUploadXmlTest, NumbersPartsFromOne) {
  EXPECT_EQ(CompleteMultipartUploadXml({"a1", "b2"}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a1\"</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>\"b2\"</ETag></Part></CompleteMultipartUpload>");
}

}  // namespace
}  // namespace freshet
