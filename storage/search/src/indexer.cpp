// The indexer thread: follows the Store's committed messages into the Xapian index.
//
// Two feeds, one truth. The live feed (notify()) carries each new message's fields, so the
// common case reads nothing back from RocksDB. RocksDB is the truth for everything else: a gap
// in a channel's seqs (the live queue overflowed, or the process restarted) is filled with
// Store::read_after from the channel's indexed position, and edits, deletes and accepted
// answers come from the Store's rewrites log, each applied by reading the message as it is
// now. Re-applying any of these is harmless, which is what makes a crash between the RocksDB
// commit and the Xapian commit safe: the positions saved with the documents are never ahead of
// them, so the indexer repeats at most some work.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "index_impl.hpp"

namespace parley::search {
namespace {

constexpr std::size_t kReadChunk = 512;
// A catch-up commits every this many documents, so a crash while rebuilding a big channel
// loses little work.
constexpr std::uint64_t kCatchUpCommitEvery = 20000;

std::uint64_t parse_u64(const std::string& s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

void SearchIndex::Impl::load_positions() {
  rewrite_pos = parse_u64(wdb.get_metadata(kRewriteKey));
  const std::string prefix = kSeqKeyPrefix;
  for (auto it = wdb.metadata_keys_begin(prefix); it != wdb.metadata_keys_end(prefix); ++it) {
    const std::string key = *it;
    indexed_seq[key.substr(prefix.size())] = parse_u64(wdb.get_metadata(key));
  }
  documents = wdb.get_doccount();
}

void SearchIndex::Impl::index_message(std::string_view channel, const storage::StoredMessage& m,
                                      std::int64_t since_ms, bool fresh) {
  if (m.deleted || m.text.empty()) {
    if (!fresh) wdb.delete_document(unique_term(channel, m.seq));  // absent: nothing happens
  } else {
    // A reply is in a solved thread when its question names it as the accepted answer.
    bool accepted = false;
    if (m.reply_to != 0) {
      auto q = store.get_message(channel, m.reply_to);
      accepted = q && !q->deleted && q->solved_seq == m.seq;
    }
    if (fresh) {
      // Past the channel's position, so certainly not in the index: adding skips the lookup
      // of the unique term that replace_document() makes.
      wdb.add_document(make_document(channel, m, accepted, gen));
    } else {
      wdb.replace_document(unique_term(channel, m.seq), make_document(channel, m, accepted, gen));
    }
  }
  if (uncommitted == 0) oldest_uncommitted_ms = since_ms;
  ++uncommitted;
  uncommitted_count = uncommitted;
  ++indexed_total;
  dirty = true;
}

void SearchIndex::Impl::catch_up_channel(const std::string& channel, std::uint64_t upto) {
  auto& pos = indexed_seq[channel];
  std::uint64_t done = 0;
  while (pos < upto) {
    auto page = store.read_after(channel, pos, kReadChunk);
    if (page.empty()) break;
    for (const auto& m : page) {
      if (m.seq > upto) break;
      index_message(channel, m, wall_ms(), true);
      pos = m.seq;
      ++done;
    }
    dirty_channels.insert(channel);
    if (uncommitted >= kCatchUpCommitEvery) commit();
    if (page.back().seq > upto || page.size() < kReadChunk) break;
  }
  if (done > 0) ++catch_ups;
}

void SearchIndex::Impl::catch_up_all() {
  // Every channel with messages in the Store, and every channel the index knows (whose
  // messages may all be gone after a restore: then there is nothing to read).
  for (const auto& channel : store.message_channels()) {
    const std::uint64_t last = store.last_seq(channel);
    auto it = indexed_seq.find(channel);
    if (it == indexed_seq.end() || it->second < last) catch_up_channel(channel, last);
  }
  apply_rewrites();
}

void SearchIndex::Impl::apply_append(const std::string& channel, const storage::StoredMessage& m,
                                     std::int64_t received_ms) {
  auto it = indexed_seq.find(channel);
  const std::uint64_t pos = it == indexed_seq.end() ? 0 : it->second;
  if (m.seq <= pos) return;  // read from the Store already
  if (m.seq > pos + 1) catch_up_channel(channel, m.seq - 1);
  index_message(channel, m, received_ms, true);
  indexed_seq[channel] = m.seq;
  dirty_channels.insert(channel);
}

void SearchIndex::Impl::apply_rewrites() {
  for (;;) {
    auto entries = store.read_rewrites(rewrite_pos, kReadChunk);
    if (entries.empty()) return;
    for (const auto& r : entries) {
      auto it = indexed_seq.find(r.channel);
      if (it == indexed_seq.end() || r.seq > it->second) {
        // Past the channel's position: read the channel up to it from the Store, as it is now.
        // (Not left to the live queue, whose copy of the message predates this rewrite.)
        catch_up_channel(r.channel, r.seq);
      } else {
        if (auto m = store.get_message(r.channel, r.seq)) {
          index_message(r.channel, *m, wall_ms(), false);
        } else {
          storage::StoredMessage gone;
          gone.seq = r.seq;
          gone.deleted = true;
          index_message(r.channel, gone, wall_ms(), false);
        }
      }
      rewrite_pos = r.id;
      dirty = true;
    }
    if (entries.size() < kReadChunk) return;
  }
}

void SearchIndex::Impl::commit() {
  if (!dirty) return;
  for (const auto& channel : dirty_channels) {
    wdb.set_metadata(kSeqKeyPrefix + channel, std::to_string(indexed_seq[channel]));
  }
  wdb.set_metadata(kRewriteKey, std::to_string(rewrite_pos));
  wdb.commit();  // documents and positions together, or neither
  settle_recovered();
  dirty_channels.clear();
  dirty = false;
  uncommitted = 0;
  uncommitted_count = 0;
  oldest_uncommitted_ms = 0;
  documents = wdb.get_doccount();
  last_commit = std::chrono::steady_clock::now();
  // The log entries up to the position are applied and committed: keep only the last one,
  // whose id the Store needs to continue the numbering after a restart.
  store.trim_rewrites(rewrite_pos);
}

void SearchIndex::Impl::settle_recovered() {
  if (recovered == 0) return;
  std::lock_guard lock(mu);
  behind -= std::min(behind, recovered);
  if (behind == 0) behind_since_ms = 0;
  recovered = 0;
}

void SearchIndex::Impl::reopen_writer() {
  // Drops the uncommitted changes and the positions that went with them.
  try {
    wdb.close();
    wdb = Xapian::WritableDatabase(options.dir, Xapian::DB_CREATE_OR_OPEN);
    indexed_seq.clear();
    dirty_channels.clear();
    dirty = false;
    uncommitted = 0;
    load_positions();
  } catch (const Xapian::Error& e) {
    spdlog::error("search: cannot reopen the index: {}", e.get_description());
  }
}

void SearchIndex::Impl::run() {
  try {
    load_positions();
    catch_up_all();
    commit();
  } catch (const Xapian::Error& e) {
    spdlog::error("search: catching up failed: {}", e.get_description());
  }
  const auto interval = std::chrono::milliseconds(options.commit_interval_ms);
  std::deque<Pending> work;
  for (;;) {
    bool stop = false, lost = false, rewritten = false;
    std::uint64_t dropped = 0;
    {
      std::unique_lock lock(mu);
      // With uncommitted work, wake up when it is due; else sleep until there is some.
      auto ready = [&] { return stopping || !queue.empty() || overflow || rewrites; };
      if (dirty) {
        cv.wait_until(lock, last_commit + interval, ready);
      } else {
        cv.wait(lock, ready);
      }
      work.swap(queue);
      stop = stopping;
      lost = std::exchange(overflow, false);
      // Everything dropped so far is in the Store, so the catch-up below reads it.
      if (lost) dropped = behind;
      rewritten = std::exchange(rewrites, false);
    }
    try {
      for (auto& p : work) apply_append(p.channel, p.msg, p.received_ms);
      work.clear();
      if (lost) {
        catch_up_all();
        recovered = dropped;             // no longer behind once this is committed
        if (!dirty) settle_recovered();  // the catch-up found them indexed already
      }
      if (rewritten) apply_rewrites();
      if (dirty && (stop || std::chrono::steady_clock::now() >= last_commit + interval)) commit();
    } catch (const Xapian::Error& e) {
      // A failed write (disk full, a corrupt file) leaves the index as of its last commit;
      // everything after it is read again from the Store on the next catch-up.
      spdlog::error("search: indexing failed, will catch up from the store in 1 s: {}",
                    e.get_description());
      work.clear();
      std::unique_lock lock(mu);
      overflow = true;
      cv.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; });
      stop = stop || stopping;
      lock.unlock();
      reopen_writer();
    }
    if (stop) return;
  }
}

}  // namespace parley::search
