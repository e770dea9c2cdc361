// question.unanswered (webhooks.hpp): the questions of support channels without an answer
// yet, followed from the committed messages (and, at start, from the last ones stored), and
// the clock that sends the event for those that waited [webhooks] unanswered_after_s.
#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/records_json.hpp"
#include "parley/ops/webhook_records.hpp"
#include "parley/ops/webhooks.hpp"
#include "parley/protocol/serialize.hpp"

namespace parley::server {

using protocol::JsonWriter;
using namespace webhook_records;

namespace {
constexpr std::size_t kMaxQuestions = 100000;  // questions followed for question.unanswered
}  // namespace

void WebhookService::note_question(const std::string& channel, const storage::StoredMessage& m) {
  const std::pair<std::string, std::uint64_t> me{channel, m.seq};
  if (m.reply_to == 0) {
    if (!m.deleted && questions_.size() < kMaxQuestions) {
      questions_.emplace(me, Question{m.ts, m.from_id});
    }
    return;
  }
  std::uint64_t q = m.reply_to;
  if (auto t = thread_of_.find({channel, q}); t != thread_of_.end()) q = t->second;
  auto it = questions_.find({channel, q});
  if (it == questions_.end()) return;
  if (it->second.asker != m.from_id) {
    questions_.erase(it);  // answered
  } else if (thread_of_.size() < kMaxQuestions) {
    thread_of_.emplace(me, q);  // the asker adds detail: replies to it answer too
  }
}

void WebhookService::load_questions(std::int64_t now) {
  if (!active()) return;
  auto& store = core_.store;
  const std::int64_t after =
      static_cast<std::int64_t>(core_.cfg.webhooks.unanswered_after_s) * 1000;
  const std::int64_t from = now - 2 * after;
  std::lock_guard lock(questions_mu_);
  for (const auto& info : store.list_channels()) {
    if (info.kind != protocol::ChannelKind::support) continue;
    std::uint64_t seq = store.first_seq_since(info.name, from) - 1;
    for (int pages = 0; pages < 40; ++pages) {  // at most 10,240 messages per channel
      auto msgs = store.read_after(info.name, seq, 256);
      for (const auto& m : msgs) {
        // A question already announced (before a restart) is not followed again.
        if (m.reply_to == 0 && store.outbox_get(unanswered_key(info.name, m.seq))) continue;
        note_question(info.name, m);
      }
      if (msgs.size() < 256) break;
      seq = msgs.back().seq;
    }
  }
}

void WebhookService::check_unanswered(std::int64_t now) {
  const std::int64_t after =
      static_cast<std::int64_t>(core_.cfg.webhooks.unanswered_after_s) * 1000;
  std::vector<std::pair<std::pair<std::string, std::uint64_t>, Question>> due;
  {
    std::lock_guard lock(questions_mu_);
    for (auto it = questions_.begin(); it != questions_.end();) {
      if (now - it->second.ts >= after) {
        due.emplace_back(it->first, it->second);
        it = questions_.erase(it);
      } else {
        ++it;
      }
    }
    // Replies of threads no longer followed are not needed either.
    if (due.size() > 0 || thread_of_.size() > kMaxQuestions / 2) {
      std::erase_if(thread_of_, [&](const auto& e) {
        return !questions_.contains({e.first.first, e.second});
      });
    }
  }
  for (const auto& [ref, q] : due) {
    auto m = core_.store.get_message(ref.first, ref.second);
    if (!m || m->deleted) continue;
    std::string data;
    JsonWriter w(data);
    w.begin_object().field("channel", ref.first).field("seq", ref.second);
    w.field("waiting_s", (now - q.ts) / 1000).key("question");
    write_stored_message(w, ref.first, *m);
    w.end_object();
    storage::WriteRequest req;
    // The mark and the deliveries in one batch: sent once, also across restarts.
    req.op = storage::OutboxWrite{{{unanswered_key(ref.first, ref.second), std::to_string(q.ts)}}};
    attach_events(req, {WebhookEvent{"question.unanswered", ref.first, data}});
    if (!core_.writes.submit(std::move(req))) {
      std::lock_guard lock(questions_mu_);
      questions_.emplace(ref, q);  // the queue is full: the next tick tries again
    }
  }
}

}  // namespace parley::server
