// Store lifecycle (open, close), the in-memory channel directory and the submit queue.
#include <pthread.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <random>
#include <string_view>
#include <system_error>
#include <utility>

#include "codec.hpp"
#include "codec_io.hpp"
#include "info_log.hpp"
#include "parley/protocol/validate.hpp"
#include "store_impl.hpp"

namespace parley::storage {
namespace {

constexpr std::string_view kCfChannels = "channels";
constexpr std::string_view kCfMessages = "messages";
constexpr std::string_view kCfIdempotency = "idempotency";
constexpr std::string_view kCfMeta = "meta";
constexpr std::string_view kCfModeration = "moderation";
constexpr std::string_view kCfReports = "reports";
constexpr std::string_view kCfAudit = "audit";
constexpr std::string_view kCfUsers = "users";
constexpr std::string_view kCfReactions = "reactions";
constexpr std::string_view kCfAdvocacy = "advocacy";
constexpr std::string_view kCfRewrites = "rewrites";
constexpr std::string_view kCfReads = "reads";
constexpr std::string_view kCfOutbox = "outbox";
constexpr std::string_view kCfChanges = "changes";

constexpr std::uint64_t kMaxId = std::numeric_limits<std::uint64_t>::max();

TimestampMs system_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// RocksDB's default data block size, for every column family but messages.
constexpr std::size_t kDefaultBlockBytes = 4 * 1024;
// A history page is 50-100 consecutive messages (~10-20 KB): in 16 KiB blocks it touches one or
// two blocks instead of three to six, so fewer block cache lookups, index seeks and block
// iterator set-ups per page. A/B over 1,000,000 messages read from SST files (docs/
// PERFORMANCE.md): server CPU per page -15-20%, unpaced pages/s +8-27%.
constexpr std::size_t kMessageBlockBytes = 16 * 1024;

rocksdb::ColumnFamilyOptions cf_options(const Options& o,
                                        const std::shared_ptr<rocksdb::Cache>& cache, bool bloom,
                                        std::size_t block_bytes = kDefaultBlockBytes) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;  // one cache for every column family bounds memory as a whole
  table.block_size = block_bytes;
  if (bloom) {
    // Point lookups (idempotency Gets, the writer's seq probes and read-modify-writes) skip
    // files that cannot match.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  }
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = o.write_buffer_bytes;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

// Message keys are <channel> 0x00 <seq, 8 bytes big-endian> (codec::message_key): the channel
// part is everything but the last 8 bytes. Given to RocksDB as the memtable insert hint prefix,
// so that appending to a channel (seqs only grow) starts where its previous insert ended instead
// of searching the whole memtable skip list: that search was the storage writer's largest cost
// (perf, durable throughput run).
class ChannelOfMessageKey final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "parley.ChannelOfMessageKey"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return {key.data(), key.size() - 8};
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() > 8; }
};

rocksdb::ColumnFamilyOptions messages_cf_options(const Options& o,
                                                 const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf = cf_options(o, cache, true, kMessageBlockBytes);
  cf.memtable_insert_with_hint_prefix_extractor = std::make_shared<ChannelOfMessageKey>();
  return cf;
}

// Idempotency keys are <user> 0x00 <client_msg_id> (codec::idempotency_key). Client ids come
// in any order, but a user's keys sit together: with the user as the insert hint prefix, an
// insert searches from where that user's previous one went, not from the skip list's top.
class UserOfIdempotencyKey final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "parley.UserOfIdempotencyKey"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    std::string_view k(key.data(), key.size());
    return {key.data(), k.find('\0') + 1};
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::string_view(key.data(), key.size()).find('\0') != std::string_view::npos;
  }
};

// Every send looks up its idempotency key, and nearly always finds nothing: a bloom filter over
// the memtable answers that without a skip list search (the SST files have theirs already).
rocksdb::ColumnFamilyOptions idempotency_cf_options(const Options& o,
                                                    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf = cf_options(o, cache, true);
  cf.memtable_insert_with_hint_prefix_extractor = std::make_shared<UserOfIdempotencyKey>();
  cf.memtable_prefix_bloom_size_ratio = 0.05;
  cf.memtable_whole_key_filtering = true;
  return cf;
}

// Read state keys (codec.hpp): a read marker "r\0" user '\0' channel is rewritten with every
// message its user sends, and a mention "n\0" user '\0' channel '\0' be64(seq) follows that
// user's previous one. With the marker itself (a mention: all but its seq) as the insert hint
// prefix, an insert starts next to the key's previous version instead of searching the skip
// list from the top: that search was +25% of the writer's time in the durable throughput run
// (perf, A/B against the build before read markers).
class ReadStateKeyPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "parley.ReadStateKeyPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    if (key[0] == 'n' && key.size() > 10) return {key.data(), key.size() - 8};
    return key;
  }
  bool InDomain(const rocksdb::Slice& key) const override { return !key.empty(); }
};

rocksdb::ColumnFamilyOptions reads_cf_options(const Options& o,
                                              const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf = cf_options(o, cache, true);
  cf.memtable_insert_with_hint_prefix_extractor = std::make_shared<ReadStateKeyPrefix>();
  return cf;
}

std::string describe(std::string_view what, const rocksdb::Status& s) {
  std::string out(what);
  out += ": ";
  out += s.ToString();
  return out;
}

}  // namespace

// --- open -------------------------------------------------------------------------------------

bool Store::Impl::open_db(std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    *error = "cannot create " + options.path + ": " + ec.message();
    return false;
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // RocksDB keeps up to 1000 old info logs by default; a long-running server needs few. The
  // info log is ours: RocksDB's own asserts after a failed write of it (info_log.hpp).
  db_options.keep_log_file_num = 10;
  if (!info_log) info_log = std::make_shared<InfoLog>(options.path, db_options.keep_log_file_num);
  db_options.info_log = info_log;
  if (options.statistics) db_options.statistics = statistics = rocksdb::CreateDBStatistics();

  block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, cf_options(options, block_cache, false)},
      {std::string(kCfChannels), cf_options(options, block_cache, false)},
      {std::string(kCfMessages), messages_cf_options(options, block_cache)},
      {std::string(kCfIdempotency), idempotency_cf_options(options, block_cache)},
      {std::string(kCfMeta), cf_options(options, block_cache, false)},
      // Added with moderation. create_missing_column_families adds them to an older database;
      // they start empty, which is exactly the state such a database is in.
      {std::string(kCfModeration), cf_options(options, block_cache, false)},  // scanned at start
      {std::string(kCfReports), cf_options(options, block_cache, true)},
      {std::string(kCfAudit), cf_options(options, block_cache, false)},  // scanned newest first
      {std::string(kCfUsers), cf_options(options, block_cache, true)},
      {std::string(kCfReactions), cf_options(options, block_cache, true)},
      {std::string(kCfAdvocacy), cf_options(options, block_cache, false)},  // scanned at start
      {std::string(kCfRewrites), cf_options(options, block_cache, false)},  // tailed in order
      {std::string(kCfReads), reads_cf_options(options, block_cache)},      // markers read by key
      {std::string(kCfOutbox), cf_options(options, block_cache, false)},    // scanned in order
      {std::string(kCfChanges), cf_options(options, block_cache, false)},   // read in order
  };
  // RocksDB refuses to open a database without naming all of its column families, so ones
  // added by a newer version are opened with default options and left alone. A missing
  // database makes ListColumnFamilies fail, which is expected on first start.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing).ok()) {
    for (const auto& name : existing) {
      bool known = false;
      for (const auto& d : descriptors) known = known || d.name == name;
      if (!known) descriptors.emplace_back(name, cf_options(options, block_cache, false));
    }
  }

  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &db);
  if (!s.ok()) {
    *error = describe("cannot open database " + options.path, s);
    db = nullptr;
    handles.clear();
    return false;
  }
  // DB::Open returns handles in descriptor order.
  cf_channels = handles[1];
  cf_messages = handles[2];
  cf_idempotency = handles[3];
  cf_meta = handles[4];
  cf_moderation = handles[5];
  cf_reports = handles[6];
  cf_audit = handles[7];
  cf_users = handles[8];
  cf_reactions = handles[9];
  cf_advocacy = handles[10];
  cf_rewrites = handles[11];
  cf_reads = handles[12];
  cf_outbox = handles[13];
  cf_changes = handles[14];
  return true;
}

bool Store::Impl::init_schema(std::string* error) {
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf_meta, codec::kSchemaKey, &value);
  if (s.ok()) {
    auto version = codec::decode_schema_version(value);
    if (!version) {
      *error = "unreadable schema version in " + options.path;
      return false;
    }
    if (*version > codec::kSchemaVersion) {
      *error = "database " + options.path + " has schema version " + std::to_string(*version) +
               ", newer than this build supports (" + std::to_string(codec::kSchemaVersion) + ")";
      return false;
    }
    return true;
  }
  if (!s.IsNotFound()) {
    *error = describe("cannot read schema version", s);
    return false;
  }

  // A fresh database: the schema marker and the default channels land in one batch, so a crash
  // cannot leave a marked database without them (or channels without a marker).
  rocksdb::WriteBatch batch;
  const TimestampMs created = now();
  ChannelInfo help;
  help.name = "help";
  help.kind = ChannelKind::support;
  help.title = "Help";
  ChannelInfo general;
  general.name = "general";
  general.kind = ChannelKind::chat;
  general.title = "General";
  ChannelInfo defaults[] = {std::move(help), std::move(general)};
  for (auto& info : defaults) {
    info.created_ms = created;
    info.epoch = new_epoch();
  }
  for (const auto& info : defaults) {
    s = batch.Put(cf_channels, info.name, codec::encode_channel(info));
    if (!s.ok()) break;
  }
  if (s.ok()) {
    s = batch.Put(cf_meta, codec::kSchemaKey, codec::encode_schema_version(codec::kSchemaVersion));
  }
  if (s.ok()) {
    rocksdb::WriteOptions wo;
    wo.sync = true;  // first start is rare; always make it durable
    s = db->Write(wo, &batch);
  }
  if (!s.ok()) {
    *error = describe("cannot initialise database", s);
    return false;
  }
  return true;
}

bool Store::Impl::load_channels(std::string* error) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf_channels));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view name = it->key().ToStringView();
    auto info = codec::decode_channel(name, it->value().ToStringView());
    if (!info) {
      decode_failures.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (info->kind == ChannelKind::dm || protocol::is_dm_channel(name)) continue;  // implicit
    channels.emplace(info->name, std::move(*info));
  }
  if (!it->status().ok()) {
    *error = describe("cannot load channels", it->status());
    return false;
  }
  return true;
}

bool Store::Impl::load_dm_epoch(std::string* error) {
  // One epoch for every DM of this store (they have no records of their own): drawn once, when
  // the store is made (or first opened by a version that has it), and kept in meta. A reset
  // store draws a new one, so resuming clients see it (PROTOCOL.md §8).
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf_meta, codec::kDmEpochKey, &value);
  if (s.ok() && value.size() == 8) {
    dm_epoch = codec::io::get_be64(value);
    if (dm_epoch != 0) return true;
  }
  if (!s.ok() && !s.IsNotFound()) {
    *error = describe("cannot read the DM epoch", s);
    return false;
  }
  dm_epoch = new_epoch();
  value.clear();
  codec::io::put_be64(value, dm_epoch);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  s = db->Put(wo, cf_meta, codec::kDmEpochKey, value);
  if (!s.ok()) {
    *error = describe("cannot store the DM epoch", s);
    return false;
  }
  return true;
}

bool Store::Impl::load_counters(std::string* error) {
  // Ids are never reused: continue after the highest one stored. A key that is not an id key
  // (it cannot be written by us) is skipped rather than trusted.
  auto highest = [&](rocksdb::ColumnFamilyHandle* cf, std::string_view prefix,
                     std::uint64_t* next) {
    const rocksdb::Slice lower(prefix.data(), prefix.size());
    rocksdb::ReadOptions ro;
    if (!prefix.empty()) ro.iterate_lower_bound = &lower;  // a Slice must not wrap nullptr
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
    for (it->SeekForPrev(codec::id_key(prefix, kMaxId)); it->Valid(); it->Prev()) {
      if (auto id = codec::id_key_id(it->key().ToStringView(), prefix)) {
        *next = *id + 1;
        break;
      }
      decode_failures.fetch_add(1, std::memory_order_relaxed);
    }
    return it->status();
  };
  rocksdb::Status s = highest(cf_audit, {}, &next_audit_id);
  if (s.ok()) s = highest(cf_reports, codec::kReportPrefix, &next_report_id);
  std::uint64_t next_rewrite = 1;
  if (s.ok()) s = highest(cf_rewrites, {}, &next_rewrite);
  last_rewrite.store(next_rewrite - 1);
  if (s.ok()) {
    // The last outbox id is kept in meta (rows live under several prefixes and are deleted).
    std::string value;
    rocksdb::Status g = db->Get(rocksdb::ReadOptions(), cf_meta, codec::kOutboxIdKey, &value);
    if (g.ok() && value.size() == 8) next_outbox_id = codec::io::get_be64(value) + 1;
    if (!g.ok() && !g.IsNotFound()) s = g;
  }
  if (!s.ok()) {
    *error = describe("cannot recover ids", s);
    return false;
  }
  return true;
}

std::uint64_t Store::Impl::new_epoch() {
  // Epochs only need to differ between stores; random_device is fine at this (rare) rate.
  // Kept below 2^53 so JavaScript clients read it exactly (JSON numbers become doubles there).
  std::random_device rd;
  std::uint64_t epoch = 0;
  while (epoch == 0) epoch = ((static_cast<std::uint64_t>(rd()) << 32) ^ rd()) & ((1ULL << 53) - 1);
  return epoch;
}

std::unique_ptr<Store> Store::open(const Options& options, CommitHandler on_commit,
                                   std::string* error) {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  if (options.path.empty()) {
    *error = "storage path is empty";
    return nullptr;
  }

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (!impl->options.clock) impl->options.clock = system_clock_ms;
  if (impl->options.max_batch == 0) impl->options.max_batch = 1;
  impl->on_commit = std::move(on_commit);

  // ~Impl closes whatever was opened when a later step fails.
  if (!impl->open_db(error) || !impl->init_schema(error) || !impl->load_channels(error) ||
      !impl->load_counters(error) || !impl->load_dm_epoch(error)) {
    return nullptr;
  }
  Impl* raw = impl.get();
  impl->writer = std::thread([raw] {
    pthread_setname_np(pthread_self(), "parley-writer");
    raw->run_writer();
  });
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// --- close ------------------------------------------------------------------------------------

void Store::close() {
  std::lock_guard close_lock(impl_->close_mu);
  if (impl_->closed) return;
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->closing = true;
  }
  impl_->queue_cv.notify_all();
  // The writer exits only once the queue is empty, so everything accepted gets committed and
  // reported before the join returns.
  if (impl_->writer.joinable()) impl_->writer.join();
  impl_->close_db();
  impl_->closed = true;
}

Store::~Store() { close(); }

Store::Impl::~Impl() {
  // Only reached with a running writer if open() failed after starting it, which it does not;
  // the guard keeps a future change from turning into std::terminate.
  if (writer.joinable()) {
    {
      std::lock_guard lock(queue_mu);
      closing = true;
    }
    queue_cv.notify_all();
    writer.join();
  }
  close_db();
}

void Store::Impl::close_db() {
  std::unique_lock lock(db_mu);
  close_db_locked();
}

bool Store::Impl::reopen_db(std::string* error) {
  std::unique_lock lock(db_mu);  // readers wait until the database is back
  close_db_locked();
  return open_db(error);
}

void Store::Impl::close_db_locked() {
  if (db == nullptr) return;
  // A clean shutdown leaves nothing to replay: flush the memtables, and in fast mode sync the
  // WAL so that what was acked survives a power loss after a clean stop as well. Failures here
  // lose nothing that the durability mode promised (the WAL still holds every batch), so they
  // are not fatal; the database is closed regardless.
  // After a failed write of the WAL (write_error) RocksDB 7.8 asserts, aborting the process,
  // on any further use of that WAL: skip both. Nothing was stored since the failure, and the WAL
  // up to it is recovered at the next open.
  bool wal_failed = false;
  {
    std::lock_guard error_lock(write_error_mu);
    wal_failed = !write_error.empty();
  }
  rocksdb::Status s;
  if (!wal_failed) {
    s = db->FlushWAL(/*sync=*/true);
    if (s.ok()) s = db->Flush(rocksdb::FlushOptions(), handles);
  }
  for (auto* h : handles) {
    rocksdb::Status d = db->DestroyColumnFamilyHandle(h);
    if (!d.ok() && s.ok()) s = d;
  }
  handles.clear();
  cf_channels = cf_messages = cf_idempotency = cf_meta = nullptr;
  cf_moderation = cf_reports = cf_audit = cf_users = cf_reactions = nullptr;
  rocksdb::Status c = db->Close();
  if (!c.ok() && s.ok()) s = c;
  delete db;
  db = nullptr;
  block_cache.reset();
  (void)s;  // nothing to report to: close() cannot fail by contract (see above)
}

// --- queue ------------------------------------------------------------------------------------

bool Store::submit(WriteRequest&& req) {
  {
    std::lock_guard lock(impl_->queue_mu);
    if (impl_->closing || impl_->queue.size() >= impl_->options.max_queue) return false;
    impl_->queue.push_back(std::move(req));
  }
  impl_->queue_cv.notify_one();
  return true;
}

Store::CommitLatency Store::commit_latency() const {
  CommitLatency out;
  for (std::size_t i = 0; i < out.counts.size(); ++i)
    out.counts[i] = impl_->commit_hist[i].load(std::memory_order_relaxed);
  out.count = impl_->commit_count.load(std::memory_order_relaxed);
  out.sum_us = impl_->commit_sum_us.load(std::memory_order_relaxed);
  return out;
}

std::optional<std::uint64_t> Store::wal_syncs() const {
  if (!impl_->statistics) return std::nullopt;
  return impl_->statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
}

std::vector<std::pair<std::string, std::uint64_t>> Store::engine_stats() const {
  // Per column family (summed by RocksDB over all of them), then database-wide ones (read once:
  // summing them would count them once per family).
  static constexpr std::pair<const char*, const char*> kPerFamily[] = {
      {"live_data_bytes", "rocksdb.estimate-live-data-size"},
      {"sst_files_bytes", "rocksdb.total-sst-files-size"},
      {"memtable_bytes", "rocksdb.cur-size-all-mem-tables"},
      {"pending_compaction_bytes", "rocksdb.estimate-pending-compaction-bytes"},
      {"estimated_keys", "rocksdb.estimate-num-keys"},
  };
  static constexpr std::pair<const char*, const char*> kWholeDb[] = {
      {"running_compactions", "rocksdb.num-running-compactions"},
      {"running_flushes", "rocksdb.num-running-flushes"},
      {"background_errors", "rocksdb.background-errors"},
      {"block_cache_bytes", "rocksdb.block-cache-usage"},
      {"delayed_write_rate", "rocksdb.actual-delayed-write-rate"},
      {"write_stopped", "rocksdb.is-write-stopped"},
  };
  std::vector<std::pair<std::string, std::uint64_t>> out;
  std::shared_lock lock(impl_->db_mu);
  if (impl_->db == nullptr) return out;
  for (const auto& [name, prop] : kPerFamily) {
    std::uint64_t v = 0;
    if (impl_->db->GetAggregatedIntProperty(prop, &v)) out.emplace_back(name, v);
  }
  for (const auto& [name, prop] : kWholeDb) {
    std::uint64_t v = 0;
    if (impl_->db->GetIntProperty(prop, &v)) out.emplace_back(name, v);
  }
  return out;
}

Store::Readiness Store::readiness() const {
  Readiness r;
  r.min_free_bytes = impl_->options.min_free_bytes;
  r.max_queue = impl_->options.max_queue;
  {
    std::lock_guard lock(impl_->queue_mu);
    r.queue_depth = impl_->queue.size();
    if (impl_->closing) r.problems.push_back("the store is closing");
  }
  // Not ready from 90% of the queue on: submit() refuses at 100%.
  if (r.queue_depth * 10 >= r.max_queue * 9) {
    r.problems.push_back("the storage queue is " + std::to_string(r.queue_depth) + " of " +
                         std::to_string(r.max_queue) + " requests");
  }
  struct statvfs st {};
  if (::statvfs(impl_->options.path.c_str(), &st) == 0) {
    r.free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    if (r.min_free_bytes > 0 && r.free_bytes < r.min_free_bytes) {
      r.problems.push_back("disk full: " + std::to_string(r.free_bytes) +
                           " bytes free, below min_free_bytes " + std::to_string(r.min_free_bytes));
    }
  } else {
    r.problems.push_back("cannot measure the free space of " + impl_->options.path);
  }
  {
    std::lock_guard lock(impl_->write_error_mu);
    if (!impl_->write_error.empty()) {
      r.problems.push_back("storage writes are failing (" + impl_->write_error +
                           "); the writer retries every second");
    }
  }
  std::shared_lock lock(impl_->db_mu);
  if (impl_->db == nullptr) {
    r.problems.push_back("the database is closed");
  } else if (std::uint64_t stopped = 0;
             impl_->db->GetIntProperty("rocksdb.is-write-stopped", &stopped) && stopped != 0) {
    r.problems.push_back("RocksDB has stopped writes (compaction is behind)");
  }
  return r;
}

std::size_t Store::queue_depth() const {
  std::lock_guard lock(impl_->queue_mu);
  return impl_->queue.size();
}

// --- channel directory ------------------------------------------------------------------------

std::optional<ChannelInfo> Store::get_channel(std::string_view name) const {
  if (protocol::is_dm_channel(name)) {
    ChannelInfo dm;
    dm.name = std::string(name);
    dm.kind = ChannelKind::dm;
    dm.epoch = impl_->dm_epoch;  // DMs have no records: one epoch for all of this store's
    return dm;
  }
  std::shared_lock lock(impl_->channels_mu);
  auto it = impl_->channels.find(name);
  if (it == impl_->channels.end()) return std::nullopt;
  return it->second;
}

std::optional<ChannelKind> Store::channel_kind(std::string_view name) const {
  if (protocol::is_dm_channel(name)) return ChannelKind::dm;
  std::shared_lock lock(impl_->channels_mu);
  auto it = impl_->channels.find(name);
  if (it == impl_->channels.end()) return std::nullopt;
  return it->second.kind;
}

std::vector<ChannelInfo> Store::list_channels() const {
  std::shared_lock lock(impl_->channels_mu);
  std::vector<ChannelInfo> out;
  out.reserve(impl_->channels.size());
  for (const auto& [name, info] : impl_->channels) out.push_back(info);  // map: sorted by name
  return out;
}

}  // namespace parley::storage
