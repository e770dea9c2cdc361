// Slash commands (bot_commands.hpp).
#include "parley/ops/bot_commands.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/protocol/serialize.hpp"

namespace parley::server {

using protocol::ErrorCode;
using protocol::JsonWriter;

namespace {

// A prefix drawn per process, so a command_id from before a restart never names a new command.
const std::string& id_prefix() {
  static const std::string prefix = "cmd_" + random_hex(4) + "_";
  return prefix;
}

void write_user(JsonWriter& w, const Identity& u) {
  w.begin_object().field("id", u.id).field("name", u.name);
  w.field("role", protocol::to_string(u.role)).end_object();
}

Delivery to_user(const std::string& user, std::string frame) {
  Delivery d;
  d.kind = Delivery::Kind::user_event;
  d.user = user;
  d.payload = make_payload(std::move(frame));
  return d;
}

}  // namespace

std::string CommandRegistry::encode(const std::string& bot_name,
                                    const std::vector<protocol::BotCommand>& cmds) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("bot_name", bot_name).key("commands").begin_array();
  for (const auto& c : cmds) {
    w.begin_object().field("name", c.name).field("description", c.description);
    if (!c.usage.empty()) w.field("usage", c.usage);
    w.end_object();
  }
  w.end_array().end_object();
  return out;
}

void CommandRegistry::start() {
  std::map<std::string, Entry> loaded;
  for (const auto& [key, value] : core_.store.outbox_scan("C", "", SIZE_MAX)) {
    simdjson::dom::parser parser;
    simdjson::dom::object o;
    simdjson::dom::array a;
    std::string_view s;
    if (parser.parse(value).get(o) || o["commands"].get(a)) continue;
    Entry e;
    e.bot = key.substr(1);
    if (o["bot_name"].get(s) == simdjson::SUCCESS) e.bot_name.assign(s);
    for (auto el : a) {
      if (el["name"].get(s)) continue;
      e.cmd.name.assign(s);
      if (el["description"].get(s) == simdjson::SUCCESS) e.cmd.description.assign(s);
      e.cmd.usage.clear();
      if (el["usage"].get(s) == simdjson::SUCCESS) e.cmd.usage.assign(s);
      loaded.emplace(e.cmd.name, e);
    }
  }
  std::lock_guard lock(mu_);
  by_name_ = std::move(loaded);
}

void CommandRegistry::register_commands(const Identity& who,
                                        std::vector<protocol::BotCommand> commands, Done done) {
  if (who.role != protocol::Role::bot) {
    return done(Outcome::failure(ErrorCode::forbidden, "only bots register commands"));
  }
  {
    std::lock_guard lock(mu_);
    for (const auto& c : commands) {
      auto it = by_name_.find(c.name);
      if (it != by_name_.end() && it->second.bot != who.id) {
        return done(Outcome::failure(
            ErrorCode::conflict,
            "command \"/" + c.name + "\" belongs to bot \"" + it->second.bot + "\""));
      }
    }
  }
  storage::WriteRequest req;
  std::optional<std::string> value;
  if (!commands.empty()) value = encode(who.name, commands);
  req.op = storage::OutboxWrite{{{"C" + who.id, std::move(value)}}};
  auto apply = [this, who, commands = std::move(commands), done](storage::Committed& c) {
    if (c.status != storage::WriteStatus::ok) {
      return done(Outcome::failure(ErrorCode::internal, "storage failure; nothing was changed"));
    }
    {
      std::lock_guard lock(mu_);
      std::erase_if(by_name_, [&](const auto& e) { return e.second.bot == who.id; });
      for (const auto& cmd : commands)
        by_name_.insert_or_assign(cmd.name, Entry{cmd, who.id, who.name});
    }
    spdlog::info("event=register_commands bot={} commands={}", who.id, commands.size());
    std::string fields;
    JsonWriter w(fields);
    w.begin_object().field("registered", static_cast<std::uint64_t>(commands.size())).end_object();
    done(Outcome::success(fields.substr(1, fields.size() - 2)));
  };
  if (!core_.writes.submit(std::move(req), Completion::after_events(std::move(apply)))) {
    done(Outcome::failure(ErrorCode::rate_limited, "server busy; retry", 100));
  }
}

void CommandRegistry::forget(const std::string& bot) {
  {
    std::lock_guard lock(mu_);
    std::erase_if(by_name_, [&](const auto& e) { return e.second.bot == bot; });
  }
  storage::WriteRequest req;
  req.op = storage::OutboxWrite{{{"C" + bot, std::nullopt}}};
  core_.writes.submit(std::move(req));
}

namespace {
std::string click_key(const std::string& channel, std::uint64_t seq, const std::string& user) {
  std::string k = channel;
  k.append(1, '\0').append(std::to_string(seq)).append(1, '\0').append(user);
  return k;
}
}  // namespace

void CommandRegistry::note_click(const std::string& channel, std::uint64_t seq,
                                 const std::string& user, std::int64_t now) {
  auto key = click_key(channel, seq, user);
  std::lock_guard lock(mu_);
  while (!click_order_.empty() && (click_order_.size() >= kMaxClicks ||
                                   now - click_order_.front().second > kReplyWindowMs)) {
    auto& [old, at] = click_order_.front();
    // A later click of the same key has its own entry further on: keep the key for it.
    if (auto it = clicks_.find(old); it != clicks_.end() && it->second == at) clicks_.erase(it);
    click_order_.pop_front();
  }
  clicks_[key] = now;
  click_order_.emplace_back(std::move(key), now);
}

bool CommandRegistry::clicked(const std::string& channel, std::uint64_t seq,
                              const std::string& user, std::int64_t now) {
  std::lock_guard lock(mu_);
  auto it = clicks_.find(click_key(channel, seq, user));
  return it != clicks_.end() && now - it->second <= kReplyWindowMs;
}

std::string CommandRegistry::list_fields() {
  std::vector<Entry> entries;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, e] : by_name_) entries.push_back(e);
  }
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("commands").begin_array();
  for (const auto& e : entries) {
    w.begin_object().field("name", e.cmd.name).field("description", e.cmd.description);
    if (!e.cmd.usage.empty()) w.field("usage", e.cmd.usage);
    w.key("bot").begin_object().field("id", e.bot).field("name", e.bot_name).end_object();
    w.field("online", core_.users.has_session(e.bot)).end_object();
  }
  w.end_array().end_object();
  return out.substr(1, out.size() - 2);
}

Outcome CommandRegistry::run(const Identity& who, const protocol::CommandCmd& c) {
  std::string bot, command_id;
  {
    std::lock_guard lock(mu_);
    auto it = by_name_.find(c.name);
    if (it == by_name_.end()) {
      return Outcome::failure(ErrorCode::not_found, "unknown command \"/" + c.name + "\"");
    }
    bot = it->second.bot;
    if (!core_.users.has_session(bot))
      return Outcome::failure(ErrorCode::unavailable, "bot offline");
    const auto now = now_ms();
    while (!open_order_.empty() &&
           (open_.size() >= kMaxOpen || now - open_[open_order_.front()].at > kReplyWindowMs)) {
      open_.erase(open_order_.front());
      open_order_.pop_front();
    }
    command_id = id_prefix() + std::to_string(next_id_++);
    open_.emplace(command_id, Open{who.id, bot, c.channel, now});
    open_order_.push_back(command_id);
  }
  std::string frame;
  JsonWriter w(frame);
  w.begin_object().field("op", "command").field("command_id", command_id);
  w.field("channel", c.channel).field("name", c.name).field("args", c.args).key("from");
  write_user(w, who);
  w.end_object();
  std::vector<Delivery> out;
  out.push_back(to_user(bot, std::move(frame)));
  core_.router.publish(std::move(out));
  std::string fields;
  JsonWriter f(fields);
  f.begin_object().field("command_id", command_id).end_object();
  return Outcome::success(fields.substr(1, fields.size() - 2));
}

Outcome CommandRegistry::reply(const Identity& who, const protocol::ReplyCommandCmd& c) {
  if (who.role != protocol::Role::bot) {
    return Outcome::failure(ErrorCode::forbidden, "only bots reply to commands");
  }
  Open open;
  {
    std::lock_guard lock(mu_);
    auto it = open_.find(c.command_id);
    if (it == open_.end() || it->second.bot != who.id ||
        now_ms() - it->second.at > kReplyWindowMs) {
      return Outcome::failure(ErrorCode::not_found,
                              "unknown command_id (or older than 15 minutes)");
    }
    open = it->second;
  }
  std::string frame;
  JsonWriter w(frame);
  w.begin_object().field("op", "command_reply").field("command_id", c.command_id);
  w.field("channel", open.channel).field("text", c.text).key("from");
  write_user(w, who);
  w.end_object();
  std::vector<Delivery> out;
  out.push_back(to_user(open.user, std::move(frame)));
  core_.router.publish(std::move(out));
  std::string fields;
  JsonWriter f(fields);
  f.begin_object().field("command_id", c.command_id).end_object();
  return Outcome::success(fields.substr(1, fields.size() - 2));
}

void CommandRegistry::click(const Identity& who, const protocol::ActionCmd& c, Done reply) {
  core_.readers.post([this, core = &core_, who, c, reply] {
    auto m = core->store.get_message(c.channel, c.seq);
    if (!m || m->deleted) return reply(Outcome::failure(ErrorCode::not_found, "message not found"));
    if (m->from_role != protocol::Role::bot || !protocol::has_action(m->actions, c.action_id)) {
      return reply(Outcome::failure(ErrorCode::bad_request, "no such button on this message"));
    }
    if (!core->users.has_session(m->from_id))
      return reply(Outcome::failure(ErrorCode::unavailable, "bot offline"));
    std::string frame;
    JsonWriter w(frame);
    w.begin_object().field("op", "action").field("channel", c.channel).field("seq", c.seq);
    w.field("action_id", c.action_id).key("from");
    write_user(w, who);
    w.end_object();
    // Remembered before the bot can hear of it: its `solve` may follow at once.
    note_click(c.channel, c.seq, who.id, now_ms());
    std::vector<Delivery> out;
    out.push_back(to_user(m->from_id, std::move(frame)));
    core->router.publish(std::move(out));
    std::string fields;
    JsonWriter f(fields);
    f.begin_object()
        .field("channel", c.channel)
        .field("seq", c.seq)
        .field("action_id", c.action_id);
    f.end_object();
    reply(Outcome::success(fields.substr(1, fields.size() - 2)));
  });
}

}  // namespace parley::server
