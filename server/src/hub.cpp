#include "hub.hpp"

#include <chrono>
#include <future>
#include <spdlog/spdlog.h>
#include <thread>

#include "parley/protocol/serialize.hpp"
#include "parley/protocol/validate.hpp"
#include "session.hpp"

namespace parley::server {

namespace {
unsigned thread_count(const Config& cfg) {
  if (cfg.server.threads > 0) return cfg.server.threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}
}  // namespace

Hub::Hub(const Config& cfg, std::string secret)
    : cfg_(cfg), secret_(std::move(secret)), readers_(cfg.storage.reader_threads) {
  parse_limits_.max_frame_bytes = cfg.limits.max_frame_bytes;
  parse_limits_.max_text_chars = cfg.limits.max_text_chars;
  unsigned n = thread_count(cfg);
  for (unsigned i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>(i, n, *this));
}

Hub::~Hub() { shutdown(); }

bool Hub::start(std::string* error) {
  storage::Options opts;
  opts.path = cfg_.server.data_dir + "/db";
  opts.durability =
      cfg_.storage.durability == "fast" ? storage::Durability::fast : storage::Durability::fsync;
  opts.max_batch = cfg_.storage.max_batch;
  opts.max_queue = cfg_.storage.max_queue;
  opts.block_cache_bytes = cfg_.storage.block_cache_bytes;
  store_ = storage::Store::open(
      opts, [this](std::vector<storage::Committed>& batch) { on_commit(batch); }, error);
  if (!store_) return false;
  for (auto& s : shards_) s->start();
  return true;
}

void Hub::shutdown() {
  if (!store_) return;
  // 1. Sessions stop taking frames; 2. the writer flushes everything already accepted, and
  // its acks are posted to the shards; 3. then (posted after those acks, so sent after them)
  // every session is closed with 1012.
  for (auto& s : shards_) {
    boost::asio::post(s->ioc(), [sh = s.get()] {
      sh->for_each_session([](Session& sess) { sess.begin_drain(); });
    });
  }
  store_->close();
  for (auto& s : shards_) {
    boost::asio::post(s->ioc(), [sh = s.get()] {
      sh->for_each_session(
          [](Session& sess) { sess.close(close_code::service_restart, "server shutting down"); });
    });
  }
  // Give sessions a moment to flush acks and close frames, then stop the loops.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(cfg_.server.shutdown_grace_s);
  for (auto& s : shards_) {
    while (std::chrono::steady_clock::now() < deadline) {
      std::promise<std::size_t> count;
      auto fut = count.get_future();
      boost::asio::post(s->ioc(), [&count, sh = s.get()] { count.set_value(sh->session_count()); });
      if (fut.wait_until(deadline) != std::future_status::ready || fut.get() == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  for (auto& s : shards_) s->stop();
  for (auto& s : shards_) s->join();
  readers_.join();
  store_.reset();
}

Shard& Hub::next_shard() {
  return *shards_[rr_.fetch_add(1, std::memory_order_relaxed) % shards_.size()];
}

void Hub::publish_transient(const std::string& channel, Payload p, std::uint64_t except) {
  for (auto& s : shards_) {
    boost::asio::post(s->ioc(), [sh = s.get(), channel, p, except] {
      sh->dispatch_transient(channel, p, except);
    });
  }
}

bool Hub::presence_join(const std::string& channel, const std::string& user) {
  std::lock_guard lock(presence_mu_);
  return ++presence_[{channel, user}] == 1;
}

bool Hub::presence_leave(const std::string& channel, const std::string& user) {
  std::lock_guard lock(presence_mu_);
  auto it = presence_.find({channel, user});
  if (it == presence_.end()) return false;
  if (--it->second > 0) return false;
  presence_.erase(it);
  return true;
}

void Hub::on_commit(std::vector<storage::Committed>& batch) {
  metrics_.observe_batch(batch.size());
  auto deliveries = std::make_shared<std::vector<Delivery>>();
  std::vector<std::vector<WriteAck>> acks(shards_.size());
  for (auto& c : batch) {
    auto* am = std::get_if<storage::AppendMessage>(&c.req.op);
    if (!am) continue;  // channel creation has no session waiting (yet)
    WriteAck a;
    a.session_id = c.req.origin;
    a.cookie = c.req.cookie;
    a.channel = am->channel;
    a.seq = am->msg.seq;
    a.ts = am->msg.ts;
    switch (c.status) {
      case storage::WriteStatus::ok: {
        a.ok = true;
        metrics_.messages_stored.fetch_add(1, std::memory_order_relaxed);
        Delivery d;
        d.channel = am->channel;
        d.seq = am->msg.seq;
        std::string out;
        const auto& m = am->msg;
        protocol::write_message_event(
            out, protocol::MessageView{am->channel, m.seq, m.ts, m.from_id, m.from_name,
                                       m.from_role, m.from_advocate, m.text, m.reply_to});
        d.payload = make_payload(std::move(out));
        if (auto members = protocol::dm_members(am->channel)) {
          d.dm_a = members->first;
          d.dm_b = members->second;
        }
        deliveries->push_back(std::move(d));
        break;
      }
      case storage::WriteStatus::duplicate:
        a.ok = true;
        metrics_.duplicates.fetch_add(1, std::memory_order_relaxed);
        break;
      case storage::WriteStatus::not_found:
        a.error_code = protocol::ErrorCode::not_found;
        a.error_message = "unknown channel \"" + am->channel + "\"";
        break;
      case storage::WriteStatus::conflict:
      case storage::WriteStatus::error:
        a.error_code = protocol::ErrorCode::internal;
        a.error_message = "storage failure; the message was not stored";
        spdlog::error("event=store_write_failed channel={} error=\"{}\"", am->channel, c.error);
        break;
    }
    if (a.session_id != 0) acks[a.session_id % shards_.size()].push_back(std::move(a));
  }
  std::shared_ptr<const std::vector<Delivery>> shared = std::move(deliveries);
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    if (shared->empty() && acks[i].empty()) continue;
    boost::asio::post(shards_[i]->ioc(), [sh = shards_[i].get(), shared, a = std::move(acks[i])] {
      sh->dispatch(shared, a);
    });
  }
}

}  // namespace parley::server
