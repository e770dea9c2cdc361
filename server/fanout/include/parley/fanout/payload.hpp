// A serialized server frame shared by every recipient: serialize once, send the same bytes.
#pragma once

#include <memory>
#include <string>

namespace parley::server {

using Payload = std::shared_ptr<const std::string>;

inline Payload make_payload(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

// What enqueueing a frame on a connection did.
enum class SendStatus {
  ok,        // queued
  overflow,  // the outbound queue passed its byte cap: the connection is being closed (1008)
  closed,    // the connection is already closing; the frame was dropped
};

}  // namespace parley::server
