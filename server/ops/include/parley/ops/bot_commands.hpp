// Slash commands (DESIGN §11): bots register them (`register_commands`), users list them
// (`commands`) and run them (`command`), which reaches the bot as a `command` event; the bot may
// answer the invoker alone (`reply_command` → a `command_reply` event on every session of that
// user, never stored).
//
// The commands are kept in memory and in the store's outbox column family ("C" bot -> JSON
// array), so users see them (as offline) while their bot is away and after a restart. Commands
// waiting for a `reply_command` are remembered for kReplyWindowMs, at most kMaxOpen at once.
//
// Thread-safety: every public method may be called from any thread (one mutex, no I/O under it).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "parley/ops/actions.hpp"
#include "parley/protocol/commands.hpp"

namespace parley::server {

struct Core;
struct Identity;

class CommandRegistry {
 public:
  explicit CommandRegistry(Core& core) : core_(core) {}

  // Loads the registered commands. Call after the store is open.
  void start();

  // `register_commands` from bot `who`: replaces its commands (stored first), or refuses a
  // name another bot has. Reply `{"registered":N}`.
  void register_commands(const Identity& who, std::vector<protocol::BotCommand> commands,
                         Done done);
  // The `ok` fields of `commands`: {"commands":[{name, description, usage?, bot:{id,name},
  // online}]}.
  std::string list_fields();
  // `command` from `who` in `channel` (read access checked by the caller): the event goes to
  // the bot's sessions; reply `{"command_id"}`. not_found for an unknown command,
  // unavailable "bot offline" when its bot has no session.
  Outcome run(const Identity& who, const protocol::CommandCmd& c);
  // `reply_command` from bot `who`: the reply goes to the invoker's sessions.
  Outcome reply(const Identity& who, const protocol::ReplyCommandCmd& c);
  // A button click (`action`) from `who` (read access checked by the caller): on the reader
  // pool, the message must be a bot's with that button and the bot online; the bot's sessions
  // get the `action` event and `reply` the ok (or the error).
  void click(const Identity& who, const protocol::ActionCmd& c, Done reply);
  // A revoked bot's commands go (best effort: a full storage queue leaves the record).
  void forget(const std::string& bot);

  // Button clicks, remembered for kReplyWindowMs (at most kMaxClicks, the oldest forgotten
  // first; in memory only): a bot may `solve` with its own message only after the asker
  // clicked one of that message's buttons (PROTOCOL.md §3.5).
  void note_click(const std::string& channel, std::uint64_t seq, const std::string& user,
                  std::int64_t now);
  bool clicked(const std::string& channel, std::uint64_t seq, const std::string& user,
               std::int64_t now);

  static constexpr std::int64_t kReplyWindowMs = 15 * 60 * 1000;
  static constexpr std::size_t kMaxOpen = 10000;
  static constexpr std::size_t kMaxClicks = 100000;

 private:
  struct Entry {
    protocol::BotCommand cmd;
    std::string bot, bot_name;
  };
  struct Open {
    std::string user, bot, channel;
    std::int64_t at = 0;
  };

  static std::string encode(const std::string& bot_name,
                            const std::vector<protocol::BotCommand>& cmds);

  Core& core_;
  std::mutex mu_;
  std::map<std::string, Entry> by_name_;        // command name -> its bot's entry
  std::map<std::string, Open> open_;            // command_id -> who ran it
  std::deque<std::string> open_order_;          // command_ids, oldest first
  std::map<std::string, std::int64_t> clicks_;  // channel \0 seq \0 user -> last click
  std::deque<std::pair<std::string, std::int64_t>> click_order_;  // (key, at), oldest first
  std::uint64_t next_id_ = 1;
};

}  // namespace parley::server
