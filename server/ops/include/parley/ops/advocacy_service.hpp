// Runs the advocacy engine (advocacy/engine.hpp) for the server: on its own thread, fed with
// committed facts by Writes (an observer of every committed batch), persisting the engine's
// state in storage, emitting `advocate`, `helpful` and `solved` events, and answering the staff
// queries.
//
// Threading: the engine is touched only on this service's thread; public methods post to it
// and may be called from any thread (on_committed from the storage writer thread).
// is_advocate() is safe from any thread (the engine keeps that set behind its own lock).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <variant>

#include "parley/advocacy/engine.hpp"
#include "parley/ops/actions.hpp"
#include "parley/protocol/commands.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

struct Core;
class CommandRegistry;
class EmailService;
class WebhookService;

class AdvocacyService {
 public:
  AdvocacyService(Core& core, CommandRegistry& commands, EmailService& email,
                  WebhookService& webhooks, advocacy::Config cfg, bool enabled);
  ~AdvocacyService();

  // Restores the engine from storage and starts the thread and the hourly tick.
  void start();
  // Stops the thread after writing out pending state. Call before the store closes.
  void stop();

  bool enabled() const { return enabled_; }
  bool is_advocate(const std::string& user) const;

  // Facts from one group commit (storage writer thread): copies what the engine needs and
  // posts it to the service thread as one task, so a batch of N messages costs one wakeup
  // and, after scoring, one storage write.
  void on_committed(const std::vector<storage::Committed>& batch);

  void helpful(const Identity& who, const protocol::HelpfulCmd& c, Done done);
  void solve(const Identity& who, const protocol::SolveCmd& c, Done done);
  // `unsolve`: the question `c.seq` no longer has an accepted answer (asker or staff).
  void unsolve(const Identity& who, const protocol::UnsolveCmd& c, Done done);
  void set_advocate(const Identity& who, const protocol::SetAdvocateCmd& c, Done done);
  // `deflected` (DESIGN §9), already checked by the caller: `who` read solved question `seq`
  // of support channel `channel` instead of asking. Counted per channel and UTC day, at most
  // once per user, question and day, and stored (advocacy records "d\0<day>\0<channel>");
  // /api/insights reports the counts. Works whether or not advocacy is enabled.
  void deflected(const Identity& who, const std::string& channel, std::uint64_t seq, Done done);

  // Staff queries; `respond` gets the JSON body (on the service thread).
  void advocates(std::size_t limit, std::function<void(std::string)> respond);
  // One user's breakdown, as an object of /api/advocates (also for a user with no credit).
  void breakdown_of(const std::string& user, std::function<void(std::string)> respond);
  void at_risk(std::size_t limit, std::function<void(std::string)> respond);
  void insights(int window_days, const std::string& channel,
                std::function<void(std::string)> respond);

 private:
  std::optional<advocacy::MessageFact> lookup(const std::string& channel, std::uint64_t seq);
  // The thread root (question seq) of `seq`, following reply_to; 0 if there is none.
  std::uint64_t question_of(const std::string& channel, std::uint64_t seq);
  // solve by a bot: the asker it acts for, or why not (see the definition).
  std::variant<Outcome, std::string> bot_solve_asker(const Identity& bot,
                                                     const protocol::SolveCmd& c, std::int64_t now);
  // `seq` if it is the accepted answer of its question in a support channel, else nullopt.
  std::optional<advocacy::MessageFact> accepted_answer(const std::string& channel,
                                                       std::uint64_t seq);
  // If `seq` (deleted, a reply to `reply_to`) was its question's accepted answer, the
  // question no longer has one.
  void clear_solution_if_accepted(const std::string& channel, std::uint64_t seq,
                                  std::uint64_t reply_to);
  // Rebuilds the engine's question table from the support channels' stored messages (the
  // engine does not persist questions); returns the number of messages replayed.
  std::size_t replay_questions(std::int64_t now);
  // Writes out the engine's mutations and flag changes (on the service thread).
  void flush();
  // The `helpful` event to the channel's readers (`revoked`: a thanks reaction was removed).
  void announce_helpful(const std::string& channel, std::uint64_t seq, const std::string& by,
                        bool revoked, std::function<void()> then = {});
  // A `helpful` event waiting for its place in the channel's change log.
  struct PendingChange {
    std::string channel;
    std::string frame;
    std::function<void()> then;
  };
  bool submit_change(const PendingChange& p);
  // Submits the waiting changes, in order, while the store takes them; true when none is left.
  bool drain_changes();
  // drain_changes() every 20 ms until none is left.
  void retry_changes();
  void arm_tick();
  // Runs `f` on the service's thread.
  template <class F>
  void run(F&& f) {
    boost::asio::post(ioc_, std::forward<F>(f));
  }

  Core& core_;
  CommandRegistry& commands_;
  EmailService& email_;
  WebhookService& webhooks_;
  bool enabled_;
  advocacy::Engine engine_;
  boost::asio::io_context ioc_{1};
  boost::asio::steady_timer tick_timer_{ioc_};
  std::thread thread_;
  std::deque<storage::WriteRequest> unsent_;  // mutations the store refused (full queue)
  // `helpful` events the store refused (full queue), in order: written and announced as soon
  // as it takes them; while there are kMaxUnsentChanges, `helpful` is answered rate_limited.
  std::deque<PendingChange> unsent_changes_;
  static constexpr std::size_t kMaxUnsentChanges = 4096;
  boost::asio::steady_timer retry_timer_{ioc_};
  // The engine work for one committed write. A message (the bulk of the traffic: on a busy
  // support channel, every write) is kept inline, so a batch of N messages allocates no
  // closure per message; the rarer facts are closures.
  using Task = std::variant<advocacy::MessageFact, std::function<void(std::int64_t now)>>;
  // Appends the engine work for one committed write to `tasks`.
  void collect(const storage::Committed& c, std::vector<Task>& tasks);
  bool started_ = false;
  // Deflections (owner thread): (day start ms, channel) -> count, and who counted today.
  std::map<std::pair<std::int64_t, std::string>, std::uint64_t> deflections_;
  std::set<std::string> deflected_today_;
  std::int64_t deflected_day_ = 0;
};

}  // namespace parley::server
