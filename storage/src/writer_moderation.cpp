// Moderation ops of the writer (see batch_builder.hpp): mutes, bans, private-channel members,
// reports, user records and erasure.
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "batch_builder.hpp"
#include "codec.hpp"
#include "store_impl.hpp"

namespace parley::storage {

// --- mutes, bans, members ---------------------------------------------------------------------
// Blind writes: a Put replaces, a Delete of an absent key is a no-op, and the batch applies in
// order, so later requests of the same batch need no overlay to see earlier ones.

void BatchBuilder::put_moderation(const std::string& key, const std::string* value,
                                  Committed& out) {
  rocksdb::Status st = value != nullptr ? batch_.Put(s_.cf_moderation, key, *value)
                                        : batch_.Delete(s_.cf_moderation, key);
  if (!st.ok()) return fail(out, "cannot add moderation change to batch: " + st.ToString());
  out.status = WriteStatus::ok;
}

namespace {

// A mute's channel may be empty (everywhere) but must not break the key layout.
bool valid_mute(std::string_view user, std::string_view channel) {
  return key_safe(user) && channel.find('\0') == std::string_view::npos;
}

}  // namespace

void BatchBuilder::apply(PutMute& op, Committed& out) {
  if (!valid_mute(op.mute.user, op.mute.channel)) return fail(out, "invalid user or channel");
  const std::string value = codec::encode_mute(op.mute);
  put_moderation(codec::mute_key(op.mute.user, op.mute.channel), &value, out);
}

void BatchBuilder::apply(RemoveMute& op, Committed& out) {
  if (!valid_mute(op.user, op.channel)) return fail(out, "invalid user or channel");
  put_moderation(codec::mute_key(op.user, op.channel), nullptr, out);
}

void BatchBuilder::apply(PutBan& op, Committed& out) {
  if (!key_safe(op.ban.user)) return fail(out, "invalid user");
  const std::string value = codec::encode_ban(op.ban);
  put_moderation(codec::ban_key(op.ban.user), &value, out);
}

void BatchBuilder::apply(RemoveBan& op, Committed& out) {
  if (!key_safe(op.user)) return fail(out, "invalid user");
  put_moderation(codec::ban_key(op.user), nullptr, out);
}

void BatchBuilder::apply(PutMember& op, Committed& out) {
  if (!key_safe(op.channel) || !key_safe(op.user)) return fail(out, "invalid user or channel");
  const std::string empty;
  put_moderation(codec::member_key(op.channel, op.user), &empty, out);
}

void BatchBuilder::apply(RemoveMember& op, Committed& out) {
  if (!key_safe(op.channel) || !key_safe(op.user)) return fail(out, "invalid user or channel");
  put_moderation(codec::member_key(op.channel, op.user), nullptr, out);
}

// --- reports ----------------------------------------------------------------------------------

Report* BatchBuilder::find_report(std::uint64_t id, std::string* error) {
  if (auto it = reports_.find(id); it != reports_.end()) return &it->second;
  if (id == 0) return nullptr;  // never assigned
  std::string value;
  rocksdb::Status st =
      s_.db->Get(rocksdb::ReadOptions(), s_.cf_reports, codec::report_key(id), &value);
  if (st.IsNotFound()) return nullptr;
  if (!st.ok()) {
    *error = "report lookup failed: " + st.ToString();
    return nullptr;
  }
  auto decoded = codec::decode_report(id, value);
  if (!decoded) {
    // Rewriting a report we cannot read would destroy it; refuse to touch it instead.
    s_.decode_failures.fetch_add(1, std::memory_order_relaxed);
    *error = "unreadable report " + std::to_string(id);
    return nullptr;
  }
  return &reports_.emplace(id, std::move(*decoded)).first->second;
}

rocksdb::Status BatchBuilder::index_report(const Report& r, bool put) {
  const std::string by_status = codec::id_key(codec::report_status_prefix(r.status), r.id);
  const std::string by_author =
      codec::id_key(codec::report_author_prefix(r.author, r.status), r.id);
  if (!put) {
    rocksdb::Status st = batch_.Delete(s_.cf_reports, by_status);
    return st.ok() ? batch_.Delete(s_.cf_reports, by_author) : st;
  }
  rocksdb::Status st = batch_.Put(s_.cf_reports, by_status, rocksdb::Slice());
  return st.ok() ? batch_.Put(s_.cf_reports, by_author, rocksdb::Slice()) : st;
}

void BatchBuilder::apply(CreateReport& op, Committed& out) {
  Report& r = op.report;
  if (!key_safe(r.reporter) || !key_safe(r.channel) || r.author.find('\0') != std::string::npos) {
    return fail(out, "invalid reporter, channel or author for CreateReport");
  }

  // One report per reporter and message: a second one gets the first back.
  std::string dup_key = codec::report_dup_key(r.reporter, r.channel, r.seq);
  std::optional<std::uint64_t> original;
  if (auto it = report_refs_.find(dup_key); it != report_refs_.end()) {
    original = it->second;
  } else {
    std::string value;
    rocksdb::Status st = s_.db->Get(rocksdb::ReadOptions(), s_.cf_reports, dup_key, &value);
    if (st.ok()) {
      original = codec::decode_report_ref(value);
      if (!original) s_.decode_failures.fetch_add(1, std::memory_order_relaxed);
    } else if (!st.IsNotFound()) {
      return fail(out, "report lookup failed: " + st.ToString());
    }
  }
  if (original) {
    std::string error;
    if (Report* existing = find_report(*original, &error)) {
      r = *existing;
      out.status = WriteStatus::duplicate;
      return;
    }
    if (!error.empty()) return fail(out, std::move(error));
    // The index points at nothing (only corruption does that): file the report afresh, which
    // also repoints the index.
    s_.decode_failures.fetch_add(1, std::memory_order_relaxed);
  }

  Report next = r;  // the caller's snapshot fields, and a fresh lifecycle
  next.id = next_report_id_;
  next.at = s_.now();
  next.status = ReportStatus::open;
  next.resolved_by.clear();
  next.resolved_at = 0;
  next.resolution.clear();
  rocksdb::Status st =
      batch_.Put(s_.cf_reports, codec::report_key(next.id), codec::encode_report(next));
  if (st.ok()) st = index_report(next, true);
  if (st.ok()) st = batch_.Put(s_.cf_reports, dup_key, codec::encode_report_ref(next.id));
  if (!st.ok()) return fail(out, "cannot add report to batch: " + st.ToString());

  ++next_report_id_;
  report_refs_.insert_or_assign(std::move(dup_key), next.id);
  r = next;
  reports_.insert_or_assign(next.id, std::move(next));
  out.status = WriteStatus::ok;
}

void BatchBuilder::apply(ResolveReport& op, Committed& out) {
  if (op.status != ReportStatus::upheld && op.status != ReportStatus::dismissed) {
    return fail(out, "ResolveReport needs status upheld or dismissed");
  }
  std::string error;
  Report* cur = find_report(op.id, &error);
  if (cur == nullptr) {
    if (!error.empty()) return fail(out, std::move(error));
    out.status = WriteStatus::not_found;
    return;
  }
  if (cur->status != ReportStatus::open) {
    op.result = *cur;
    out.status = WriteStatus::conflict;
    return;
  }

  Report next = *cur;
  next.status = op.status;
  next.resolved_by = op.by;
  next.resolved_at = s_.now();
  next.resolution = op.resolution;
  // The indexes carry the status: move the report's entries along with it.
  rocksdb::Status st = index_report(*cur, false);
  if (st.ok()) st = index_report(next, true);
  if (st.ok()) {
    st = batch_.Put(s_.cf_reports, codec::report_key(next.id), codec::encode_report(next));
  }
  if (!st.ok()) return fail(out, "cannot add report to batch: " + st.ToString());
  *cur = std::move(next);
  op.result = *cur;
  out.status = WriteStatus::ok;
}

// --- users ------------------------------------------------------------------------------------

std::optional<std::optional<UserRecord>> BatchBuilder::user_record(const std::string& id,
                                                                   Committed& out) {
  if (auto it = users_.find(id); it != users_.end()) return std::optional<UserRecord>(it->second);
  std::string value;
  rocksdb::Status st = s_.db->Get(rocksdb::ReadOptions(), s_.cf_users, id, &value);
  if (st.IsNotFound()) return std::optional<UserRecord>();
  if (!st.ok()) {
    fail(out, "user lookup failed: " + st.ToString());
    return std::nullopt;
  }
  auto existing = codec::decode_user(id, value);
  // An unreadable record reads as none: the caller overwrites it.
  if (!existing) s_.decode_failures.fetch_add(1, std::memory_order_relaxed);
  return existing;
}

void BatchBuilder::apply(PutUser& op, Committed& out) {
  UserRecord& u = op.user;
  if (!key_safe(u.id)) return fail(out, "invalid user id for PutUser");
  auto existing = user_record(u.id, out);
  if (!existing) return;
  UserRecord next = u;
  if (*existing) next.first_seen = (*existing)->first_seen;
  next.kb_anonymous = op.kb_anonymous.value_or(*existing ? (*existing)->kb_anonymous : false);
  next.email_pref =
      op.email_pref.value_or(*existing ? (*existing)->email_pref : EmailPref::batched);
  rocksdb::Status st = batch_.Put(s_.cf_users, next.id, codec::encode_user(next));
  if (!st.ok()) return fail(out, "cannot add user to batch: " + st.ToString());
  u = next;  // the caller gets the record as stored
  users_.insert_or_assign(next.id, std::move(next));
  out.status = WriteStatus::ok;
}

// --- erasure ----------------------------------------------------------------------------------

std::optional<std::vector<std::string>> BatchBuilder::keys_with_prefix(
    rocksdb::ColumnFamilyHandle* cf, const std::string& prefix, Committed& out) {
  std::vector<std::string> keys;
  std::unique_ptr<rocksdb::Iterator> it(s_.db->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    keys.push_back(it->key().ToString());
  }
  if (!it->status().ok()) {
    fail(out, "cannot read for the erasure: " + it->status().ToString());
    return std::nullopt;
  }
  return keys;
}

void BatchBuilder::apply(EraseUser& op, Committed& out) {
  if (!key_safe(op.user)) return fail(out, "invalid user id for EraseUser");
  const std::string key = codec::erasure_key(op.user);
  std::string value;
  rocksdb::Status st = s_.db->Get(rocksdb::ReadOptions(), s_.cf_meta, key, &value);
  std::optional<Store::Erasure> known;
  if (st.ok()) {
    known = codec::decode_erasure(op.user, value);
    if (!known) s_.decode_failures.fetch_add(1, std::memory_order_relaxed);
  } else if (!st.IsNotFound()) {
    return fail(out, "erasure lookup failed: " + st.ToString());
  }
  if (auto it = erasures_.find(op.user); it != erasures_.end()) known = it->second;
  Store::Erasure e = known.value_or(Store::Erasure{op.user, op.by, s_.now(), 0});
  if (op.finish) {
    e.finished = s_.now();
  } else if (e.finished != 0) {  // erased before: a new erasure
    e = Store::Erasure{op.user, op.by, s_.now(), 0};
  }

  // The batch first; the overlays (users_, reports_, markers_, erasures_) once it all went in.
  std::optional<UserRecord> user;
  std::optional<std::vector<std::string>> markers;  // the user's read markers on disk
  if (!op.finish) {
    auto existing = user_record(op.user, out);
    if (!existing) return;
    user = existing->value_or(UserRecord{});
    user->id = op.user;
    user->name = op.name;
    user->kb_anonymous = false;
    user->email.clear();
    user->email_pref = EmailPref::batched;
    // Read markers and mentions, one Delete each: no DeleteRange in this column family, whose
    // memtable takes insert hints (RocksDB before 9.2 shares them with the range tombstones'
    // skip list and corrupts it: facebook/rocksdb#12558).
    markers = keys_with_prefix(s_.cf_reads, codec::read_marker_prefix(op.user), out);
    if (!markers) return;
    auto mentions = keys_with_prefix(s_.cf_reads, codec::mention_user_prefix(op.user), out);
    if (!mentions) return;
    st = batch_.Put(s_.cf_users, user->id, codec::encode_user(*user));
    for (const auto* keys : {&*markers, &*mentions}) {
      for (const auto& k : *keys) {
        if (st.ok()) st = batch_.Delete(s_.cf_reads, k);
      }
    }
    if (!st.ok()) return fail(out, "cannot add erasure to batch: " + st.ToString());
  }
  st = batch_.Put(s_.cf_meta, key, codec::encode_erasure(e));
  if (!st.ok()) return fail(out, "cannot add erasure to batch: " + st.ToString());
  if (user) {
    if (!redact_reports(op, out)) return;  // changes reports_ only once it succeeded
    // The rest of the batch sees none of the user's read markers (nor writes the senders'
    // markers of this batch's messages, which commit() would).
    const std::string prefix = codec::read_marker_prefix(op.user);
    std::erase_if(sent_markers_, [&](const auto& kv) { return kv.first.starts_with(prefix); });
    for (auto& [k, marker] : markers_) {
      if (k.starts_with(prefix)) marker.reset();
    }
    for (auto& k : *markers) markers_.insert_or_assign(std::move(k), std::nullopt);
    users_.insert_or_assign(op.user, std::move(*user));
  }
  op.by = e.by;
  op.started = e.started;
  op.finished = e.finished;
  erasures_.insert_or_assign(op.user, std::move(e));
  out.status = WriteStatus::ok;
}

bool BatchBuilder::redact_reports(EraseUser& op, Committed& out) {
  // The ids: from the indexes on disk (against the user, by status; filed by the user) and
  // from reports of this batch.
  std::set<std::uint64_t> ids;
  auto scan = [&](const std::string& prefix, bool ref) -> bool {
    std::unique_ptr<rocksdb::Iterator> it(
        s_.db->NewIterator(rocksdb::ReadOptions(), s_.cf_reports));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      std::optional<std::uint64_t> id = ref ? codec::decode_report_ref(it->value().ToStringView())
                                            : codec::id_key_id(it->key().ToStringView(), prefix);
      if (id) ids.insert(*id);
    }
    if (it->status().ok()) return true;
    fail(out, "cannot read the reports: " + it->status().ToString());
    return false;
  };
  for (auto status : {ReportStatus::open, ReportStatus::upheld, ReportStatus::dismissed}) {
    if (!scan(codec::report_author_prefix(op.user, status), false)) return false;
  }
  if (!scan(codec::report_reporter_prefix(op.user), true)) return false;
  for (const auto& [id, r] : reports_) {
    if (r.author == op.user || r.reporter == op.user) ids.insert(id);
  }
  std::vector<std::pair<Report*, Report>> changed;
  for (std::uint64_t id : ids) {
    std::string error;
    Report* cur = find_report(id, &error);
    if (cur == nullptr) {
      if (!error.empty()) {
        fail(out, std::move(error));
        return false;
      }
      continue;
    }
    Report next = *cur;
    if (next.author == op.user) {
      next.text.clear();
      next.author_name = op.name;
    }
    if (next.reporter == op.user) next.reason.clear();
    if (next.text == cur->text && next.author_name == cur->author_name &&
        next.reason == cur->reason) {
      continue;
    }
    rocksdb::Status st =
        batch_.Put(s_.cf_reports, codec::report_key(id), codec::encode_report(next));
    if (!st.ok()) {
      fail(out, "cannot add report to batch: " + st.ToString());
      return false;
    }
    changed.emplace_back(cur, std::move(next));
  }
  for (auto& [cur, next] : changed) *cur = std::move(next);
  op.reports = changed.size();
  return true;
}

}  // namespace parley::storage
