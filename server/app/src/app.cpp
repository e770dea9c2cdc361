#include "app.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <thread>

#include "parley/fanout/subscriber.hpp"
#include "parley/ops/clock.hpp"

namespace parley::server {

namespace {

advocacy::Config advocacy_config(const Config& cfg) {
  const auto& a = cfg.advocacy;
  advocacy::Config ac;
  ac.window_days = a.window_days;
  ac.weight_answer = a.weight_answer;
  ac.weight_helpful = a.weight_helpful;
  ac.weight_solved = a.weight_solved;
  ac.threshold = a.threshold;
  ac.min_people_helped = a.min_people_helped;
  ac.min_active_days = a.min_active_days;
  ac.pair_cap = a.pair_cap;
  ac.low_water = a.low_water;
  ac.thanks_reactions = a.thanks_reactions;
  ac.risk_report_upheld = a.risk_report_upheld;
  ac.risk_message_removed = a.risk_message_removed;
  ac.risk_muted = a.risk_muted;
  ac.risk_threshold = a.risk_threshold;
  return ac;
}

}  // namespace

App::App(const Config& cfg, std::string secret, ShardSet& shards, Router& router)
    : cfg_(cfg),
      secret_(std::move(secret)),
      shards_(shards),
      router_(router),
      readers_(cfg.storage.reader_threads),
      filter_(cfg.moderation.filter_words),
      writes_(cfg_, router, metrics_, moderation_),
      users_(cfg_, writes_, moderation_),
      tokens_(cfg_, secret_) {
  parse_limits_.max_frame_bytes = cfg.limits.max_frame_bytes;
  parse_limits_.max_text_chars = cfg.limits.max_text_chars;
  ws_limits_.hard_frame_bytes = cfg.limits.hard_frame_bytes;
  ws_limits_.outbound_queue_bytes = cfg.limits.outbound_queue_bytes;
  ws_limits_.idle_timeout_s = cfg.limits.idle_timeout_s;
  ws_limits_.bytes_out = &metrics_.bytes_out;
}

App::~App() { shutdown(); }

bool App::start(std::string* error) {
  storage::Options opts;
  opts.change_event = change_event_of;
  opts.path = cfg_.server.data_dir + "/db";
  opts.durability =
      cfg_.storage.durability == "fast" ? storage::Durability::fast : storage::Durability::fsync;
  opts.max_batch = cfg_.storage.max_batch;
  opts.max_queue = cfg_.storage.max_queue;
  opts.min_free_bytes = cfg_.storage.min_free_bytes;
  opts.block_cache_bytes = cfg_.storage.block_cache_bytes;
  store_ = storage::Store::open(
      opts, [this](std::vector<storage::Committed>& batch) { writes_.on_commit(batch); }, error);
  if (!store_) return false;
  writes_.bind(*store_);
  moderation_.load(store_->load_moderation(now_ms()));
  if (cfg_.search.enabled) {
    search::IndexOptions so;
    so.dir = cfg_.server.data_dir + "/search";
    so.language = cfg_.search.language;
    so.max_queue = cfg_.search.max_queue;
    so.commit_interval_ms = cfg_.search.commit_interval_ms;
    search_ = search::SearchIndex::open(so, *store_, error);
    if (!search_) {
      close_store();
      return false;
    }
  }
  if (!tokens_.start(error)) {
    close_store();
    return false;
  }
  if (!cfg_.cluster.nats_url.empty()) {
    cluster::Options co;
    co.nats_url = cfg_.cluster.nats_url;
    co.node_id = cfg_.cluster.node_id;
    co.advertise = cfg_.cluster.advertise;
    co.version = PARLEY_VERSION;
    co.heartbeat_ms = cfg_.cluster.heartbeat_ms;
    cluster_ = cluster::Membership::start(co, error);
    if (!cluster_) {
      tokens_.stop();
      close_store();
      return false;
    }
  }

  core_.emplace(Core{cfg_, *store_, writes_, readers_, router_, metrics_, moderation_, users_});
  Core& core = *core_;
  search_service_ = std::make_unique<SearchService>(core, search_.get());
  webhooks_ = std::make_unique<WebhookService>(core);
  email_ = std::make_unique<EmailService>(core, secret_);
  commands_ = std::make_unique<CommandRegistry>(core);
  advocacy_ = std::make_unique<AdvocacyService>(core, *commands_, *email_, *webhooks_,
                                                advocacy_config(cfg_), cfg_.advocacy.enabled);
  actions_ = std::make_unique<Actions>(core, filter_, *advocacy_, *webhooks_, *email_);
  bots_ = std::make_unique<BotService>(core, *commands_, secret_);
  erasures_ = std::make_unique<Erasures>(core, shards_);
  // Aggregate order: the Core base, then ApiContext's members as declared (context.hpp).
  api_.emplace(ApiContext{core, parse_limits_, ws_limits_, secret_, tokens_, *actions_, *advocacy_,
                          *search_service_, search_.get(), *webhooks_, *email_, *erasures_, *bots_,
                          *commands_, cluster_.get()});

  // Every committed batch, before its events go out: the services that follow the writes.
  writes_.observe([this](auto& batch) { advocacy_->on_committed(batch); });
  writes_.observe([this](auto& batch) { webhooks_->on_committed(batch); });
  writes_.observe([this](auto& batch) { email_->on_committed(batch); });
  if (search_) {
    // Messages committed before this point are read from the store by the indexer's first
    // catch-up; later ones also arrive here.
    writes_.observe([index = search_.get()](auto& batch) { index->notify(batch); });
  }
  // From an erasure's start on, auth refuses the user's tokens (Erasures::refuses), before the
  // batch's events close their sessions.
  writes_.observe([this](auto& batch) { erasures_->on_committed(batch); });
  writes_.observe([this](auto& batch) { users_.on_committed(batch); });

  search_service_->load();
  if (search_) search_->start();
  advocacy_->start();
  webhooks_->start();
  email_->start();
  bots_->start();
  commands_->start();
  shards_.start([this] { writes_.trim_changes(); });
  erasures_->start();  // after the shards: an erasure waits for them (Erasures::settle)
  return true;
}

void App::shutdown() {
  if (!store_) return;
  // 1. Sessions stop taking frames; 2. the writer flushes everything already accepted, and
  // its acks are posted to the shards; 3. then (posted after those acks, so sent after them)
  // every session is closed with 1012.
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    boost::asio::post(shards_.at(i).ioc(), [sh = &shards_.at(i)] {
      sh->for_each_session([](Subscriber& sess) { sess.begin_drain(); });
    });
  }
  // A barrier write: once it commits, every earlier write has committed and its facts were
  // handed to the advocacy service, which then persists its state before the store closes.
  std::promise<void> barrier;
  storage::WriteRequest marker;
  marker.op = storage::AuditOnly{};
  if (writes_.submit(std::move(marker), Completion::after_events([&barrier](storage::Committed&) {
                       barrier.set_value();
                     }))) {
    barrier.get_future().wait_for(std::chrono::seconds(10));
  }
  // An erasure stops between two steps (it resumes at the next start).
  erasures_->stop();
  advocacy_->stop();
  tokens_.stop();
  // Deliveries in flight finish (or time out); what is pending stays in the outbox.
  webhooks_->stop();
  // A mail being sent finishes (or is cut off); what is waiting stays in the outbox.
  email_->stop();
  // The indexer reads the store: it stops (committing what it indexed) before the store closes.
  // The object stays until the reader pool, where searches run, has finished.
  if (search_) search_->stop();
  store_->close();
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    boost::asio::post(shards_.at(i).ioc(), [sh = &shards_.at(i)] {
      sh->for_each_session([](Subscriber& sess) {
        sess.close(close_code::service_restart, "server shutting down");
      });
    });
  }
  // Give sessions a moment to flush acks and close frames, then stop the loops.
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(cfg_.server.shutdown_grace_s);
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    Shard* sh = &shards_.at(i);
    while (std::chrono::steady_clock::now() < deadline) {
      std::promise<std::size_t> count;
      auto fut = count.get_future();
      boost::asio::post(sh->ioc(), [&count, sh] { count.set_value(sh->session_count()); });
      if (fut.wait_until(deadline) != std::future_status::ready || fut.get() == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  shards_.stop();
  shards_.join();
  readers_.join();
  search_.reset();
  store_.reset();
  // Last: the node leaves the cluster (its key deleted) once it no longer serves.
  cluster_.reset();
}

void App::close_store() {
  search_.reset();
  store_->close();
  store_.reset();
}

}  // namespace parley::server
