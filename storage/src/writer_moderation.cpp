// Moderation ops of the writer (see batch_builder.hpp): mutes, bans, private-channel members,
// reports and user records.
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <utility>

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

void BatchBuilder::apply(PutUser& op, Committed& out) {
  UserRecord& u = op.user;
  if (!key_safe(u.id)) return fail(out, "invalid user id for PutUser");
  std::optional<TimestampMs> first_seen;
  bool kb_anonymous = false;
  EmailPref email_pref = EmailPref::batched;
  if (auto it = users_.find(u.id); it != users_.end()) {
    first_seen = it->second.first_seen;
    kb_anonymous = it->second.kb_anonymous;
    email_pref = it->second.email_pref;
  } else {
    std::string value;
    rocksdb::Status st = s_.db->Get(rocksdb::ReadOptions(), s_.cf_users, u.id, &value);
    if (st.ok()) {
      auto existing = codec::decode_user(u.id, value);
      // An unreadable record loses only its first_seen: overwrite it.
      if (existing) {
        first_seen = existing->first_seen;
        kb_anonymous = existing->kb_anonymous;
        email_pref = existing->email_pref;
      } else {
        s_.decode_failures.fetch_add(1, std::memory_order_relaxed);
      }
    } else if (!st.IsNotFound()) {
      return fail(out, "user lookup failed: " + st.ToString());
    }
  }

  UserRecord next = u;
  if (first_seen) next.first_seen = *first_seen;
  next.kb_anonymous = op.kb_anonymous.value_or(kb_anonymous);
  next.email_pref = op.email_pref.value_or(email_pref);
  rocksdb::Status st = batch_.Put(s_.cf_users, next.id, codec::encode_user(next));
  if (!st.ok()) return fail(out, "cannot add user to batch: " + st.ToString());
  u = next;  // the caller gets the record as stored
  users_.insert_or_assign(next.id, std::move(next));
  out.status = WriteStatus::ok;
}

}  // namespace parley::storage
