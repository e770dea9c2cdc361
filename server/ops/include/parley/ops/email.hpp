// Email while away (DESIGN §10): DMs, mentions, replies, helpful marks and solutions that reach
// a user with no session are mailed to the address of their token's `email` claim, batched per
// user ([email] batch_s, or at most one mail per digest_s for "digest"), cancelled for what
// they read meanwhile, with a signed one-click unsubscribe (RFC 8058).
//
// The outbox, in the store's outbox column family (values are JSON):
//   "Q" be64(row id)                       an event to look at: written by the storage writer in
//                                          the same batch as the message or answer it is about
//                                          (WriteRequest::outbox), so a crash loses none
//   "M" user '\0' be64(row id) be64(k)     a notification waiting for the user's next mail
//   "S" user                               when the user's last mail went (ms)
// The mailer thread (never an I/O thread) turns each event into notifications for the users it
// concerns (who has an address, wants mail and has no session now), in one write that also
// deletes the event, and sends each user's mail once it is due, with libcurl's SMTP client and
// MIME builder.
//
// Files: email.cpp (the service: events, the mailer thread), email_compose.cpp (namespace mail:
// the mail's text, HTML, headers and unsubscribe tokens; pure), email_smtp.cpp (sending a mail
// with libcurl), email_http.cpp (/unsubscribe).
//
// Thread-safety: every public method may be called from any thread; render functions run on
// the storage writer thread and take no lock.
#pragma once

#include <atomic>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "parley/net/http.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

struct Core;

namespace mail {

// What a notification is about.
enum class Kind : std::uint8_t { dm, mention, reply, answer, helpful, solved };
std::string_view to_string(Kind k);
std::optional<Kind> parse_kind(std::string_view s);

// One notification, as the user's mail lists it.
struct Item {
  Kind kind = Kind::dm;
  std::string channel;
  std::uint64_t seq = 0;  // the message it is about (the answer, for solved)
  std::int64_t ts = 0;    // when it happened (ms)
  std::string from;       // who did it (display name)
  std::string text;       // an excerpt of the message (at most kExcerptChars)
  // A read marker at or past this in `channel` cancels it; 0 (helpful, solved): a session
  // opened after `created` does.
  std::uint64_t read_seq = 0;
  std::int64_t created = 0;  // when it was queued (ms)
};
inline constexpr std::size_t kExcerptChars = 280;
inline constexpr std::size_t kItemsPerMail = 20;  // more are counted ("and 3 more")

std::string encode_item(const Item& item);
std::optional<Item> decode_item(std::string_view json);

// The first `max_chars` code points of `text`, with "…" when cut; newlines become spaces.
std::string excerpt(std::string_view text, std::size_t max_chars);

// `widget_url` + "#parley=" + the channel (percent-encoded) + "/" + seq.
std::string conversation_link(std::string_view widget_url, std::string_view channel,
                              std::uint64_t seq);

// The one-click unsubscribe token of `user`: base64url(user) "." base64url(HMAC-SHA256 of
// "parley-unsubscribe\n" + user, keyed with the server's secret). It does not expire.
std::string unsubscribe_token(std::string_view secret, std::string_view user);
// The user a token was made for, or nullopt when it is malformed or its signature is wrong.
std::optional<std::string> verify_unsubscribe_token(std::string_view secret,
                                                    std::string_view token);

// A header value as RFC 2047 encoded words (UTF-8, base64) when it holds anything but
// printable ASCII, else as it is. Encoded words stay under 76 characters and never split a
// UTF-8 sequence.
std::string header_words(std::string_view text);
// "Mon, 07 Dec 2026 06:30:00 +0000"
std::string rfc5322_date(std::int64_t ms);

// The mail to one user.
struct Context {
  std::string site;        // the community's name ([knowledge] title)
  std::string widget_url;  // links go here (conversation_link)
  std::string unsubscribe_url;
};
struct Mail {
  std::string subject;  // UTF-8, not yet encoded
  std::string text;     // text/plain
  std::string html;     // text/html
};
Mail compose(const Context& ctx, std::string_view user_name, const std::vector<Item>& items);

}  // namespace mail

class EmailService {
 public:
  EmailService(Core& core, const std::string& secret);
  ~EmailService();

  // Whether email is configured ([email] smtp_url): with none, nothing is attached to writes.
  bool enabled() const { return enabled_; }
  // Loads the outbox and starts the mailer thread. Call after the store is open.
  void start();
  // Stops the mailer (a mail being sent finishes or times out first). Idempotent.
  void stop();

  // Makes `req` write the event its op may notify about, once it commits: a DM, a message
  // with mentions or a reply (AppendMessage), an answer accepted by user `by` (SetSolved).
  // No-op when email is off or the op concerns nobody. Call after WebhookService::attach (it
  // keeps the render function that is already there).
  void attach(storage::WriteRequest& req, const std::string& by = {});
  // A helpful mark by user `by` on channel/seq: queued as an event of its own (the mark itself
  // is the advocacy engine's write).
  void helpful(const std::string& channel, std::uint64_t seq, const std::string& by);

  // Storage writer thread, after each batch: wakes the mailer for new events. Must not block.
  void on_committed(const std::vector<storage::Committed>& batch);

  // GET and POST /unsubscribe?token=…
  void http_unsubscribe(const HttpRequest& req, Respond respond);

  struct Stats {
    std::uint64_t pending = 0;  // notifications waiting
    std::uint64_t sent = 0, failed = 0, cancelled = 0, dropped = 0, unsubscribed = 0;
  };
  Stats stats() const;
  // Why the outbox is not healthy (for /readyz): full, or a mail overdue; nullopt if fine.
  std::optional<std::string> problem() const;

 private:
  struct Due {
    std::int64_t at = 0;        // when the user's mail is due (ms): the next attempt
    std::int64_t first_at = 0;  // when it was due before any attempt failed (ms)
    unsigned failures = 0;      // failed attempts in a row
    std::size_t count = 0;      // notifications waiting
  };

  void run();
  void resolve_events();
  // The notifications one event makes (the event row's id and value): rows to write, and per
  // user how many.
  void resolve(std::uint64_t id, const std::string& value, std::vector<storage::KvEntry>& writes,
               std::map<std::string, std::int64_t>& touched);
  // Puts the user's next mail on the schedule if it is not there yet.
  void schedule(const std::string& user, std::int64_t first);
  void send_due(std::int64_t now);
  void release(std::uint64_t n);  // n notifications are no longer pending
  // Sends the user's mail if anything is left; false when sending failed (retry later).
  bool mail_user(const std::string& user, std::int64_t now);
  // Writes `entries` and waits for the commit; false if the store refused them.
  bool write(std::vector<storage::KvEntry> entries);
  std::optional<std::string> send(const std::string& to, const mail::Mail& m,
                                  const std::string& unsubscribe_url);
  std::string server_url() const;

  Core& core_;
  const std::string& secret_;
  const bool enabled_;
  std::mutex mu_;  // taken by the storage writer thread: never held across a read or write
  std::condition_variable cv_;
  bool stopping_ = false;           // guarded by mu_
  std::set<std::uint64_t> events_;  // event rows to resolve, guarded by mu_
  // The mailer thread's own (start() fills them before it runs).
  std::map<std::string, Due> due_;                 // by user
  std::map<std::string, std::int64_t> last_sent_;  // by user (ms)
  // For /readyz: the earliest first_at of a mail (INT64_MAX: none) and its failed attempts.
  std::atomic<std::int64_t> oldest_due_{INT64_MAX};
  std::atomic<unsigned> oldest_failures_{0};
  std::atomic<std::uint64_t> pending_{0};
  std::atomic<std::uint64_t> sent_{0}, failed_{0}, cancelled_{0}, dropped_{0}, unsubscribed_{0};
  std::atomic<bool> stop_flag_{false};  // for curl's progress callback
  std::thread thread_;
};

}  // namespace parley::server
