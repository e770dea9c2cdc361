#include "parley/protocol/types.hpp"

#include "parley/protocol/errors.hpp"

namespace parley::protocol {

std::string_view to_string(Role r) noexcept {
  switch (r) {
    case Role::customer:
      return "customer";
    case Role::staff:
      return "staff";
    case Role::bot:
      return "bot";
    case Role::admin:
      return "admin";
  }
  // Only reachable through a bad cast; the least privileged name is the safe answer.
  return "customer";
}

std::optional<Role> parse_role(std::string_view s) noexcept {
  if (s == "customer") return Role::customer;
  if (s == "staff") return Role::staff;
  if (s == "bot") return Role::bot;
  if (s == "admin") return Role::admin;
  return std::nullopt;
}

std::string_view to_string(ChannelKind k) noexcept {
  switch (k) {
    case ChannelKind::support:
      return "support";
    case ChannelKind::chat:
      return "chat";
    case ChannelKind::announce:
      return "announce";
    case ChannelKind::private_:
      return "private";
    case ChannelKind::dm:
      return "dm";
  }
  return "chat";
}

std::optional<ChannelKind> parse_channel_kind(std::string_view s) noexcept {
  if (s == "support") return ChannelKind::support;
  if (s == "chat") return ChannelKind::chat;
  if (s == "announce") return ChannelKind::announce;
  if (s == "private") return ChannelKind::private_;
  if (s == "dm") return ChannelKind::dm;
  return std::nullopt;
}

std::string_view to_string(EmailPref p) noexcept {
  switch (p) {
    case EmailPref::off:
      return "off";
    case EmailPref::batched:
      return "batched";
    case EmailPref::digest:
      return "digest";
  }
  return "off";
}

std::optional<EmailPref> parse_email_pref(std::string_view s) noexcept {
  if (s == "off") return EmailPref::off;
  if (s == "batched") return EmailPref::batched;
  if (s == "digest") return EmailPref::digest;
  return std::nullopt;
}

// The one place where error codes get their wire names (STYLE practice 8).
std::string_view to_wire(ErrorCode c) noexcept {
  switch (c) {
    case ErrorCode::bad_request:
      return "bad_request";
    case ErrorCode::unauthorized:
      return "unauthorized";
    case ErrorCode::forbidden:
      return "forbidden";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::too_large:
      return "too_large";
    case ErrorCode::rate_limited:
      return "rate_limited";
    case ErrorCode::muted:
      return "muted";
    case ErrorCode::banned:
      return "banned";
    case ErrorCode::slow_mode:
      return "slow_mode";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::internal:
      return "internal";
    case ErrorCode::unavailable:
      return "unavailable";
  }
  return "internal";
}

}  // namespace parley::protocol
