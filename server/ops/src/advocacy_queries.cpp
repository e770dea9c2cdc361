// AdvocacyService: the staff queries (advocates, a user's breakdown, at risk, insights), answered
// as JSON on the service's thread (advocacy_service.hpp).
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>

#include "parley/ops/advocacy_service.hpp"
#include "parley/ops/bot_commands.hpp"
#include "parley/ops/channel_access.hpp"
#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/email.hpp"
#include "parley/ops/permissions.hpp"
#include "parley/ops/webhooks.hpp"
#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"

namespace parley::server {

using protocol::ErrorCode;
using protocol::JsonWriter;

namespace {

// A JSON number with `digits` decimals (scores and shares are fractional).
std::string fixed(double v, int digits) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, digits);
  return std::string(buf, r.ptr);
}

void write_breakdown(JsonWriter& w, const advocacy::Breakdown& b) {
  w.begin_object().field("user", b.user).field("name", b.name);
  w.key("score").raw(fixed(b.score, 2));
  w.field("advocate", b.advocate).field("automatic", b.automatic);
  w.key("manual");
  if (b.manual)
    w.value(*b.manual);
  else
    w.null();
  w.field("answers", b.answers).field("helpful", b.helpful).field("solved", b.solved);
  w.field("people_helped", b.people_helped).field("active_days", b.active_days);
  w.field("last_activity", b.last_activity);
  w.end_object();
}
}  // namespace

void AdvocacyService::advocates(std::size_t limit, std::function<void(std::string)> respond) {
  run([this, limit, respond = std::move(respond)] {
    auto now = now_ms();
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("window_days", engine_.config().window_days);
    w.key("threshold").raw(fixed(engine_.config().threshold, 2));
    w.key("users").begin_array();
    for (const auto& b : engine_.ranked(limit, now)) write_breakdown(w, b);
    w.end_array().end_object();
    respond(std::move(out));
  });
}

void AdvocacyService::breakdown_of(const std::string& user,
                                   std::function<void(std::string)> respond) {
  run([this, user, respond = std::move(respond)] {
    std::string out;
    JsonWriter w(out);
    write_breakdown(w, engine_.breakdown(user, now_ms()));
    respond(std::move(out));
  });
}

void AdvocacyService::at_risk(std::size_t limit, std::function<void(std::string)> respond) {
  run([this, limit, respond = std::move(respond)] {
    auto now = now_ms();
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("window_days", engine_.config().window_days).key("users").begin_array();
    for (const auto& r : engine_.at_risk(limit, now)) {
      w.begin_object().field("user", r.user).field("name", r.name);
      w.key("risk").raw(fixed(r.risk, 2));
      w.field("at_risk", r.at_risk).field("reports_upheld", r.reports_upheld);
      w.field("messages_removed", r.messages_removed).field("mutes", r.mutes);
      w.field("last_event", r.last_event).end_object();
    }
    w.end_array().end_object();
    respond(std::move(out));
  });
}

void AdvocacyService::insights(int window_days, const std::string& channel,
                               std::function<void(std::string)> respond) {
  run([this, window_days, channel, respond = std::move(respond)] {
    auto ins =
        engine_.insights(static_cast<std::int64_t>(window_days) * 86400000, channel, now_ms());
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("from", ins.from).field("to", ins.to);
    if (!channel.empty()) w.field("channel", channel);
    w.field("questions", ins.questions).field("answered", ins.answered);
    w.field("answered_by_customers", ins.answered_by_customers).field("solved", ins.solved);
    auto share = [&](unsigned n) {
      return ins.questions == 0 ? std::string("null")
                                : fixed(static_cast<double>(n) / ins.questions, 4);
    };
    w.key("answered_share").raw(share(ins.answered));
    w.key("customer_answered_share").raw(share(ins.answered_by_customers));
    w.key("median_first_answer_ms");
    if (ins.median_first_answer_ms)
      w.value(*ins.median_first_answer_ms);
    else
      w.null();
    w.key("unanswered").begin_array();
    for (const auto& q : ins.unanswered) {
      w.begin_object().field("channel", q.channel).field("seq", q.seq).field("asker", q.asker);
      w.field("ts", q.ts).end_object();
    }
    w.end_array();
    // Deflections: questions the community answered before they were asked (DESIGN §9).
    auto deflected_on = [&](std::int64_t day) {
      std::uint64_t n = 0;
      for (auto it = deflections_.lower_bound({day, std::string()});
           it != deflections_.end() && it->first.first == day; ++it) {
        if (channel.empty() || it->first.second == channel) n += it->second;
      }
      return n;
    };
    std::uint64_t deflections = 0;
    for (const auto& d : ins.days) deflections += deflected_on(d.start);
    w.field("deflections", deflections);
    w.key("days").begin_array();
    for (const auto& d : ins.days) {
      w.begin_object().field("day", d.start).field("questions", d.questions);
      w.field("deflected", deflected_on(d.start));
      w.field("answered", d.answered).field("answered_by_customers", d.answered_by_customers);
      w.field("solved", d.solved).key("median_first_answer_ms");
      if (d.median_first_answer_ms)
        w.value(*d.median_first_answer_ms);
      else
        w.null();
      w.end_object();
    }
    w.end_array().end_object();
    respond(std::move(out));
  });
}

}  // namespace parley::server
