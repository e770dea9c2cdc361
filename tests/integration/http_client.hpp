// A tiny blocking HTTP/1.1 client for the black-box tests (loopback only).
#pragma once

#include <cstdint>
#include <string>

namespace parley::test {

struct HttpResult {
  int status = 0;  // 0 = the request failed
  std::string body;
  std::string content_type;
};

HttpResult http(std::uint16_t port, const std::string& method, const std::string& target,
                const std::string& body = "", const std::string& bearer = "");

}  // namespace parley::test
