#include "http_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <cctype>

#include "protocol_schema.hpp"

namespace parley::test {

namespace beast = boost::beast;
namespace http_ns = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// Every JSON body the server answers must be one http.schema.json describes (protocol/schema):
// the endpoint's documented body for that status, or the error body. PARLEY_SCHEMA_CHECK=off
// turns the check off (while debugging a test, never in CI).
void check_against_schema(const std::string& method, const std::string& target,
                          const HttpResult& r) {
  if (!schema_check_enabled() || method == "HEAD" || r.body.empty()) return;
  if (r.content_type.rfind("application/json", 0) != 0 || !r.header("content-encoding").empty())
    return;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec) {
    ADD_FAILURE() << method << " " << target << " answered " << r.status
                  << " with a JSON content type and a body that is not JSON: " << r.body;
    return;
  }
  const auto& schema = ProtocolSchema::get();
  std::string err;
  if (schema.endpoint(method, target) || r.status < 400)
    err = schema.check_http(method, target, r.status, v);
  else  // a path no endpoint serves: the documented error body (§9)
    err = schema.check_definition("http", "error_body", v);
  if (!err.empty())
    ADD_FAILURE() << "the answer to " << method << " " << target << " (" << r.status
                  << ") is not what protocol/schema/http.schema.json describes:\n"
                  << err << "body: " << r.body.substr(0, 2000);
}

}  // namespace

HttpResult http(std::uint16_t port, const std::string& method, const std::string& target,
                const std::string& body, const std::string& bearer, const Headers& extra) {
  HttpResult out;
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return out;
  http_ns::request<http_ns::string_body> req(http_ns::string_to_verb(method), target, 11);
  req.set(http_ns::field::host, "127.0.0.1");
  if (!bearer.empty()) req.set(http_ns::field::authorization, "Bearer " + bearer);
  for (const auto& [k, v] : extra) req.set(k, v);
  if (!body.empty()) {
    req.set(http_ns::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  http_ns::write(stream, req, ec);
  if (ec) return out;
  beast::flat_buffer buf;
  http_ns::response_parser<http_ns::string_body> parser;
  parser.body_limit(256u << 20);  // exports are large (Beast's default is 8 MiB)
  stream.expires_after(std::chrono::seconds(60));
  http_ns::read(stream, buf, parser, ec);
  if (ec) return out;
  auto res = parser.release();
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  out.content_type = std::string(res[http_ns::field::content_type]);
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  check_against_schema(method, target, out);
  return out;
}

}  // namespace parley::test
