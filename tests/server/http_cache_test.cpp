// http_cache.hpp: entity tags, conditional requests (304), gzip negotiation, HTTP dates.
#include "http_cache.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

namespace parley::server {
namespace {

std::string gunzip(const std::string& gz) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

HttpResponse page(std::string body, std::string type = "text/html; charset=utf-8") {
  HttpResponse r;
  r.content_type = std::move(type);
  r.body = std::move(body);
  return r;
}

HttpRequest get() {
  HttpRequest q;
  q.method = "GET";
  return q;
}

TEST(HttpCache, EntityTagsAreStableAndDiffer) {
  EXPECT_EQ(entity_tag("abc"), entity_tag("abc"));
  EXPECT_NE(entity_tag("abc"), entity_tag("abd"));
  EXPECT_EQ(entity_tag("").size(), 18u);  // quotes around 16 hex digits
}

TEST(HttpCache, GzipRoundTrips) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "the same words again and again ";
  auto gz = gzip(text);
  ASSERT_TRUE(gz);
  EXPECT_LT(gz->size(), text.size() / 10);
  EXPECT_EQ(gunzip(*gz), text);
}

TEST(HttpCache, AcceptEncoding) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("*, gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("br"));
}

TEST(HttpCache, Compressible) {
  for (const char* t :
       {"text/html; charset=utf-8", "text/css", "application/json", "application/javascript",
        "application/atom+xml", "application/xml", "image/svg+xml", "text/plain; version=0.0.4"}) {
    EXPECT_TRUE(compressible(t)) << t;
  }
  for (const char* t : {"image/png", "application/octet-stream", "font/woff2"}) {
    EXPECT_FALSE(compressible(t)) << t;
  }
}

TEST(HttpCache, HttpDates) {
  EXPECT_EQ(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_FALSE(parse_http_date("yesterday"));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
}

TEST(HttpCache, ETagThen304OnIfNoneMatch) {
  auto r = page(std::string(2000, 'a'));
  finish_response(get(), r);
  const std::string etag = header(r, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(header(r, "Content-Encoding"), "");  // not asked for
  EXPECT_EQ(header(r, "Vary"), "Accept-Encoding");

  for (std::string inm : {etag, "W/" + etag, "\"x\", " + etag, std::string("*")}) {
    auto again = page(std::string(2000, 'a'));
    auto q = get();
    q.if_none_match = inm;
    finish_response(q, again);
    EXPECT_EQ(again.status, 304u) << inm;
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(header(again, "ETag"), etag);
  }
  auto changed = page(std::string(2000, 'b'));
  auto q = get();
  q.if_none_match = etag;
  finish_response(q, changed);
  EXPECT_EQ(changed.status, 200u);
}

TEST(HttpCache, IfModifiedSinceAgainstLastModified) {
  auto r = page("x");
  r.headers.emplace_back("Last-Modified", http_date(1000000));
  auto q = get();
  q.if_modified_since = http_date(1000000);
  finish_response(q, r);
  EXPECT_EQ(r.status, 304u);
  auto newer = page("x");
  newer.headers.emplace_back("Last-Modified", http_date(1000001));
  finish_response(q, newer);
  EXPECT_EQ(newer.status, 200u);
  // If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3).
  auto both = page("x");
  both.headers.emplace_back("Last-Modified", http_date(1000000));
  q.if_none_match = "\"other\"";
  finish_response(q, both);
  EXPECT_EQ(both.status, 200u);
}

TEST(HttpCache, GzipWhenAcceptedWithItsOwnTag) {
  std::string body;
  for (int i = 0; i < 200; ++i) body += "<p>hello</p>";
  auto r = page(body);
  auto q = get();
  q.accept_encoding = "gzip, deflate";
  finish_response(q, r);
  EXPECT_EQ(header(r, "Content-Encoding"), "gzip");
  EXPECT_EQ(gunzip(r.body), body);
  const std::string tag = header(r, "ETag");
  EXPECT_EQ(tag.substr(tag.size() - 4), "-gz\"");
  // The gzip tag revalidates too.
  auto again = page(body);
  q.if_none_match = tag;
  finish_response(q, again);
  EXPECT_EQ(again.status, 304u);
  // Small bodies, binary types and other methods are left alone.
  auto small = page("<p>hi</p>");
  q.if_none_match.clear();
  finish_response(q, small);
  EXPECT_EQ(header(small, "Content-Encoding"), "");
  auto png = page(body, "image/png");
  finish_response(q, png);
  EXPECT_EQ(header(png, "Content-Encoding"), "");
  auto post = page(body);
  auto p = q;
  p.method = "POST";
  finish_response(p, post);
  EXPECT_EQ(header(post, "Content-Encoding"), "");
  EXPECT_EQ(header(post, "ETag"), "");
}

}  // namespace
}  // namespace parley::server
