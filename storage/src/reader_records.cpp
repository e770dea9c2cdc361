// Read paths of the moderation records: load_moderation, reports, the audit log and users.
// Newest-first listings scan backwards over big-endian id keys, bounded below by the group's
// prefix so that a scan never leaves its group (codec.hpp).
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <limits>

#include "codec.hpp"
#include "codec_io.hpp"
#include "store_impl.hpp"

namespace parley::storage {
namespace {

constexpr std::uint64_t kMaxId = std::numeric_limits<std::uint64_t>::max();
// Cap on up-front reservations: callers may pass a huge limit to mean "everything".
constexpr std::size_t kMaxReserve = 256;

// Visits the ids of the keys `prefix be64(id)` of `cf` with id < before_id (0 = no bound),
// highest first, until `visit` returns false. Keys of another shape are counted and skipped.
template <typename Visit>
void scan_ids_back(const Store::Impl& s, rocksdb::ColumnFamilyHandle* cf, std::string_view prefix,
                   std::uint64_t before_id, Visit&& visit) {
  if (before_id == 1) return;  // ids start at 1
  const rocksdb::Slice lower(prefix.data(), prefix.size());
  rocksdb::ReadOptions ro;
  if (!prefix.empty()) ro.iterate_lower_bound = &lower;  // a Slice must not wrap nullptr
  std::unique_ptr<rocksdb::Iterator> it(s.db->NewIterator(ro, cf));
  const std::uint64_t newest = before_id == 0 ? kMaxId : before_id - 1;
  for (it->SeekForPrev(codec::id_key(prefix, newest)); it->Valid(); it->Prev()) {
    auto id = codec::id_key_id(it->key().ToStringView(), prefix);
    if (!id) {
      s.decode_failures.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (!visit(*id, it->value().ToStringView())) return;
  }
  // A failed scan ends the listing early; everything returned so far is real and in order.
}

std::optional<Report> read_report(const Store::Impl& s, std::uint64_t id) {
  std::string value;
  rocksdb::Status st =
      s.db->Get(rocksdb::ReadOptions(), s.cf_reports, codec::report_key(id), &value);
  if (!st.ok()) return std::nullopt;
  auto report = codec::decode_report(id, value);
  if (!report) s.decode_failures.fetch_add(1, std::memory_order_relaxed);
  return report;
}

// Reports through an index group (`prefix be64(id)` -> empty) whose entries all have `status`.
std::vector<Report> reports_by_index(const Store::Impl& s, std::string_view prefix,
                                     ReportStatus status, std::uint64_t before_id,
                                     std::size_t limit) {
  std::vector<Report> out;
  out.reserve(std::min(limit, kMaxReserve));
  scan_ids_back(s, s.cf_reports, prefix, before_id, [&](std::uint64_t id, std::string_view) {
    auto report = read_report(s, id);
    // The index and the record are written in one batch, so they agree unless a value was
    // corrupted; the record is the truth.
    if (report && report->status == status) {
      out.push_back(std::move(*report));
    } else if (report) {
      s.decode_failures.fetch_add(1, std::memory_order_relaxed);
    }
    return out.size() < limit;
  });
  return out;
}

}  // namespace

ModerationSnapshot Store::load_moderation(TimestampMs now) const {
  ModerationSnapshot snap;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return snap;
  const Impl& s = *impl_;
  auto expired = [now](TimestampMs until) { return until != 0 && until <= now; };
  std::unique_ptr<rocksdb::Iterator> it(s.db->NewIterator(rocksdb::ReadOptions(), s.cf_moderation));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = codec::parse_moderation_key(it->key().ToStringView());
    if (!key) {
      s.decode_failures.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    const std::string_view value = it->value().ToStringView();
    switch (key->kind) {
      case codec::ModerationKey::Kind::mute:
        if (auto mute = codec::decode_mute(key->user, key->channel, value)) {
          if (!expired(mute->until)) snap.mutes.push_back(std::move(*mute));
        } else {
          s.decode_failures.fetch_add(1, std::memory_order_relaxed);
        }
        break;
      case codec::ModerationKey::Kind::ban:
        if (auto ban = codec::decode_ban(key->user, value)) {
          if (!expired(ban->until)) snap.bans.push_back(std::move(*ban));
        } else {
          s.decode_failures.fetch_add(1, std::memory_order_relaxed);
        }
        break;
      case codec::ModerationKey::Kind::member:
        snap.members.emplace_back(std::move(key->channel), std::move(key->user));
        break;
    }
  }
  return snap;
}

std::vector<Report> Store::list_reports(std::optional<ReportStatus> status, std::uint64_t before_id,
                                        std::size_t limit) const {
  std::vector<Report> out;
  if (limit == 0) return out;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return out;
  const Impl& s = *impl_;
  if (status)
    return reports_by_index(s, codec::report_status_prefix(*status), *status, before_id, limit);

  out.reserve(std::min(limit, kMaxReserve));
  scan_ids_back(s, s.cf_reports, codec::kReportPrefix, before_id,
                [&](std::uint64_t id, std::string_view value) {
                  if (auto report = codec::decode_report(id, value)) {
                    out.push_back(std::move(*report));
                  } else {
                    s.decode_failures.fetch_add(1, std::memory_order_relaxed);
                  }
                  return out.size() < limit;
                });
  return out;
}

std::optional<Report> Store::get_report(std::uint64_t id) const {
  if (id == 0) return std::nullopt;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return std::nullopt;
  return read_report(*impl_, id);
}

std::vector<Report> Store::reports_against(std::string_view user, std::size_t limit) const {
  if (limit == 0 || !key_safe(user)) return {};
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return {};
  return reports_by_index(*impl_, codec::report_author_prefix(user, ReportStatus::upheld),
                          ReportStatus::upheld, 0, limit);
}

std::vector<AuditEntry> Store::list_audit(std::uint64_t before_id, std::size_t limit) const {
  std::vector<AuditEntry> out;
  if (limit == 0) return out;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return out;
  const Impl& s = *impl_;
  out.reserve(std::min(limit, kMaxReserve));
  scan_ids_back(s, s.cf_audit, {}, before_id, [&](std::uint64_t id, std::string_view value) {
    if (auto entry = codec::decode_audit(id, value)) {
      out.push_back(std::move(*entry));
    } else {
      s.decode_failures.fetch_add(1, std::memory_order_relaxed);
    }
    return out.size() < limit;
  });
  return out;
}

std::optional<UserRecord> Store::get_user(std::string_view id) const {
  if (!key_safe(id)) return std::nullopt;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return std::nullopt;
  std::string value;
  rocksdb::Status st = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf_users, id, &value);
  if (!st.ok()) return std::nullopt;
  auto user = codec::decode_user(id, value);
  if (!user) impl_->decode_failures.fetch_add(1, std::memory_order_relaxed);
  return user;
}

std::vector<Store::Erasure> Store::erasures() const {
  std::vector<Erasure> out;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf_meta));
  for (it->Seek(codec::kErasurePrefix); it->Valid(); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (!key.starts_with(codec::kErasurePrefix)) break;
    auto e =
        codec::decode_erasure(key.substr(codec::kErasurePrefix.size()), it->value().ToStringView());
    if (e) {
      out.push_back(std::move(*e));
    } else {
      impl_->decode_failures.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return out;
}

std::vector<Rewrite> Store::read_rewrites(std::uint64_t after_id, std::size_t limit) const {
  std::vector<Rewrite> out;
  if (limit == 0 || after_id == UINT64_MAX) return out;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return out;
  const Impl& s = *impl_;
  out.reserve(std::min(limit, kMaxReserve));
  std::unique_ptr<rocksdb::Iterator> it(s.db->NewIterator(rocksdb::ReadOptions(), s.cf_rewrites));
  for (it->Seek(codec::rewrite_key(after_id + 1)); it->Valid() && out.size() < limit; it->Next()) {
    Rewrite r;
    auto id = codec::rewrite_key_id(it->key().ToStringView());
    if (!id || !codec::decode_rewrite(it->value().ToStringView(), &r.channel, &r.seq)) {
      s.decode_failures.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    r.id = *id;
    out.push_back(std::move(r));
  }
  return out;
}

std::uint64_t Store::last_rewrite_id() const {
  return impl_->last_rewrite.load(std::memory_order_acquire);
}

void Store::trim_rewrites(std::uint64_t below_id) {
  if (below_id <= 1) return;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return;
  // A range delete outside the writer: the writer only ever adds ids above the last committed
  // one, so the two never touch the same keys.
  rocksdb::WriteOptions wo;
  (void)impl_->db->DeleteRange(wo, impl_->cf_rewrites, codec::rewrite_key(0),
                               codec::rewrite_key(below_id));
}

std::vector<std::string> Store::message_channels() const {
  std::vector<std::string> out;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf_messages));
  // Keys are channel '\0' be64(seq): after one channel's first key, skip to channel '\1'.
  for (it->SeekToFirst(); it->Valid();) {
    std::string_view key = it->key().ToStringView();
    auto sep = key.find(codec::io::kSeparator);
    if (sep == std::string_view::npos || sep == 0) {  // not a message key: skip it
      it->Next();
      continue;
    }
    out.emplace_back(key.substr(0, sep));
    it->Seek(codec::message_prefix_end(out.back()));
  }
  return out;
}

std::vector<std::string> Store::reactors(std::string_view channel, std::uint64_t seq,
                                         std::string_view emoji, std::size_t limit) const {
  std::vector<std::string> out;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr || limit == 0) return out;
  std::string prefix = codec::reaction_prefix(channel, seq);
  prefix.append(emoji);
  prefix.push_back(codec::io::kSeparator);
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf_reactions));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix) && out.size() < limit;
       it->Next()) {
    out.emplace_back(it->key().data() + prefix.size(), it->key().size() - prefix.size());
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Store::kv_scan(std::string_view prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf_advocacy));
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
       it->Valid() && it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()));
       it->Next()) {
    out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  return out;
}

std::vector<Store::ReadMarker> Store::read_markers(std::string_view user, std::size_t limit) const {
  std::vector<ReadMarker> out;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr || !key_safe(user)) return out;
  const std::string prefix = codec::read_marker_prefix(user);
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf_reads));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix) && out.size() < limit;
       it->Next()) {
    auto seq = codec::decode_read_marker(std::string_view(it->value().data(), it->value().size()));
    if (!seq) {
      impl_->decode_failures.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    out.push_back({it->key().ToString().substr(prefix.size()), *seq});
  }
  return out;
}

std::optional<std::uint64_t> Store::last_read(std::string_view user,
                                              std::string_view channel) const {
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr || !key_safe(user) || !key_safe(channel)) return std::nullopt;
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf_reads,
                                     codec::read_marker_key(user, channel), &value);
  if (!s.ok()) return std::nullopt;
  auto seq = codec::decode_read_marker(value);
  if (!seq) impl_->decode_failures.fetch_add(1, std::memory_order_relaxed);
  return seq;
}

std::size_t Store::count_mentions(std::string_view user, std::string_view channel,
                                  std::uint64_t after_seq, std::size_t cap) const {
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr || !key_safe(user) || !key_safe(channel)) return 0;
  const std::string prefix = codec::mention_prefix(user, channel);
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf_reads));
  std::size_t n = 0;
  for (it->Seek(codec::mention_key(user, channel, after_seq + 1));
       n < cap && it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ++n;
  }
  return n;
}

std::string OutboxRow::key() const {
  std::string k = prefix;
  codec::io::put_be64(k, id);
  return k;
}

std::vector<std::pair<std::string, std::string>> Store::outbox_scan(std::string_view prefix,
                                                                    std::string_view from,
                                                                    std::size_t limit) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf_outbox));
  const rocksdb::Slice p(prefix.data(), prefix.size());
  const std::string_view start = from > prefix ? from : prefix;
  for (it->Seek(rocksdb::Slice(start.data(), start.size()));
       it->Valid() && it->key().starts_with(p) && out.size() < limit; it->Next()) {
    out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  return out;
}

std::optional<std::string> Store::outbox_get(std::string_view key) const {
  std::shared_lock db_lock(impl_->db_mu);
  if (impl_->db == nullptr) return std::nullopt;
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf_outbox,
                                     rocksdb::Slice(key.data(), key.size()), &value);
  if (!s.ok()) return std::nullopt;
  return value;
}

}  // namespace parley::storage
