#include "parley/net/http.hpp"

#include "parley/protocol/serialize.hpp"

namespace parley::server {

HttpResponse json_error(unsigned status, std::string_view code, std::string_view message) {
  HttpResponse r;
  r.status = status;
  protocol::JsonWriter w(r.body);
  w.begin_object().key("error").begin_object().field("code", code).field("message", message);
  w.end_object().end_object();
  return r;
}

}  // namespace parley::server
