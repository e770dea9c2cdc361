// A tiny blocking HTTP/1.1 client for the black-box tests (loopback only).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace parley::test {

struct HttpResult {
  int status = 0;  // 0 = the request failed
  std::string body;
  std::string content_type;
  std::map<std::string, std::string> headers;  // by lower-case name (the last one of a name)
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpResult http(std::uint16_t port, const std::string& method, const std::string& target,
                const std::string& body = "", const std::string& bearer = "",
                const Headers& extra = {});

}  // namespace parley::test
