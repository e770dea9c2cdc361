#include "parley/search/index.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <unordered_set>

#include "index_impl.hpp"
#include "parley/protocol/validate.hpp"
#include "parley/search/query.hpp"
#include "parley/search/snippet.hpp"

namespace parley::search {
namespace {

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void put_str(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out += s;
}
bool get_varint(std::string_view& in, std::uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    *v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}
bool get_str(std::string_view& in, std::string* s) {
  std::uint64_t n = 0;
  if (!get_varint(in, &n) || n > in.size()) return false;
  s->assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

// English stop words, dropped from queries (not from the index) so that "how do I reset the
// hub" finds "reset your hub". Phrases keep them.
constexpr const char* kEnglishStopWords[] = {
    "a",     "an",    "and",   "are",   "as",   "at",   "be",  "but", "by", "can",  "do",
    "does",  "for",   "from",  "had",   "has",  "have", "how", "i",   "if", "in",   "into",
    "is",    "it",    "its",   "me",    "my",   "of",   "on",  "or",  "so", "that", "the",
    "their", "then",  "there", "these", "they", "this", "to",  "was", "we", "what", "when",
    "where", "which", "who",   "why",   "will", "with", "you", "your"};

}  // namespace

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::vector<std::string> languages() {
  std::vector<std::string> out{"none"};
  const std::string all = Xapian::Stem::get_available_languages();  // space-separated
  std::size_t i = 0;
  while (i < all.size()) {
    std::size_t j = all.find(' ', i);
    if (j == std::string::npos) j = all.size();
    if (j > i) out.push_back(all.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool valid_language(const std::string& language) {
  if (language == "none") return true;
  if (language.empty()) return false;
  try {
    Xapian::Stem stem(language);
    return true;
  } catch (const Xapian::InvalidArgumentError&) {
    return false;
  }
}

Xapian::Stem make_stemmer(const std::string& language) {
  return language == "none" ? Xapian::Stem() : Xapian::Stem(language);
}

std::vector<std::string> stop_words(const std::string& language) {
  if (language != "en" && language != "english") return {};
  return {std::begin(kEnglishStopWords), std::end(kEnglishStopWords)};
}

std::unique_ptr<Xapian::SimpleStopper> make_stopper(const std::string& language) {
  const auto words = stop_words(language);
  if (words.empty()) return nullptr;
  return std::make_unique<Xapian::SimpleStopper>(words.begin(), words.end());
}

std::uint64_t dir_bytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

std::string unique_term(std::string_view channel, std::uint64_t seq) {
  std::string t(1, kUnique);
  t += channel;
  t += '#';
  t += std::to_string(seq);
  return t;
}

std::string encode_doc(std::string_view channel, std::uint64_t seq) {
  std::string out;
  out.reserve(12 + channel.size());
  out += '\2';  // format version
  put_str(out, channel);
  put_varint(out, seq);
  return out;
}

bool decode_doc(const std::string& data, std::string* channel, std::uint64_t* seq) {
  std::string_view in(data);
  if (in.empty() || in.front() != '\2') return false;
  in.remove_prefix(1);
  return get_str(in, channel) && get_varint(in, seq);
}

bool hit_of(const storage::Store& store, const std::string& data, Hit* hit, std::string* text) {
  if (!decode_doc(data, &hit->channel, &hit->seq)) return false;
  auto m = store.get_message(hit->channel, hit->seq);
  // Deleted since it was indexed (the index lags): not a hit any more.
  if (!m || m->deleted) return false;
  hit->ts = m->ts;
  hit->from_id = std::move(m->from_id);
  hit->from_name = std::move(m->from_name);
  hit->from_role = m->from_role;
  hit->from_advocate = m->from_advocate;
  hit->question_seq = m->reply_to;
  hit->solved_seq = m->solved_seq;
  *text = std::move(m->text);
  return true;
}

Xapian::Document make_document(std::string_view channel, const storage::StoredMessage& m,
                               bool accepted, Xapian::TermGenerator& gen) {
  Xapian::Document doc;
  gen.set_document(doc);
  gen.index_text(m.text);
  doc.add_boolean_term(unique_term(channel, m.seq));
  doc.add_boolean_term(kChannel + std::string(channel));
  doc.add_boolean_term(kAuthor + m.from_id);
  if (m.solved_seq != 0 || accepted) doc.add_boolean_term(kSolved);
  if (m.solved_seq != 0) doc.add_boolean_term(kSolvedQuestion);
  if (m.reply_to != 0) doc.add_boolean_term(kReplyTo + std::to_string(m.reply_to));
  if (auto members = protocol::dm_members(channel)) {
    doc.add_boolean_term(kDmMember + std::string(members->first));
    doc.add_boolean_term(kDmMember + std::string(members->second));
  }
  doc.add_value(kTsSlot, Xapian::sortable_serialise(static_cast<double>(m.ts)));
  doc.set_data(encode_doc(channel, m.seq));
  return doc;
}

SearchIndex::SearchIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SearchIndex::~SearchIndex() { stop(); }

std::unique_ptr<SearchIndex> SearchIndex::open(const IndexOptions& options, storage::Store& store,
                                               std::string* error) {
  if (!valid_language(options.language)) {
    *error = "unknown search language \"" + options.language + "\"";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>(options, store);
  try {
    impl->stemmer = make_stemmer(options.language);
    std::filesystem::create_directories(options.dir);
    impl->wdb = Xapian::WritableDatabase(options.dir, Xapian::DB_CREATE_OR_OPEN);
    // An index ahead of the Store (the data dir was restored from an older backup) cannot be
    // trusted: start it again, and the indexer rebuilds it from the Store.
    const std::string pos = impl->wdb.get_metadata(kRewriteKey);
    std::uint64_t applied = 0;
    std::from_chars(pos.data(), pos.data() + pos.size(), applied);
    const std::string format = impl->wdb.get_metadata(kFormatKey);
    if (applied > store.last_rewrite_id() || (!format.empty() && format != kFormat)) {
      spdlog::warn("search: the index is {}: rebuilding it",
                   applied > store.last_rewrite_id() ? "ahead of the store" : "of another format");
      impl->wdb.close();
      impl->wdb = Xapian::WritableDatabase(options.dir, Xapian::DB_CREATE_OR_OVERWRITE);
    }
    if (impl->wdb.get_metadata(kFormatKey) != kFormat) {
      impl->wdb.set_metadata(kFormatKey, kFormat);
      impl->wdb.commit();
    }
    impl->gen.set_stemmer(impl->stemmer);
    // Stemmed words only (with positions, for phrases): half the terms of STEM_SOME, which
    // also indexes every word as written; a search for "resetting" finds "reset" either way.
    impl->gen.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
    impl->gen.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    impl->documents = impl->wdb.get_doccount();
  } catch (const Xapian::Error& e) {
    *error = "cannot open search index " + options.dir + ": " + e.get_description();
    return nullptr;
  } catch (const std::filesystem::filesystem_error& e) {
    *error = "cannot create search index directory: " + std::string(e.what());
    return nullptr;
  }
  return std::unique_ptr<SearchIndex>(new SearchIndex(std::move(impl)));
}

std::optional<std::uint64_t> SearchIndex::rebuild(const IndexOptions& options,
                                                  storage::Store& store, std::string* error) {
  namespace fs = std::filesystem;
  const std::string fresh = options.dir + ".rebuild";
  std::error_code ec;
  fs::remove_all(fresh, ec);
  IndexOptions o = options;
  o.dir = fresh;
  {
    auto index = open(o, store, error);
    if (!index) return std::nullopt;
    Impl& s = *index->impl_;
    try {
      // Everything up to the current end of the log is reflected in the messages as read.
      s.rewrite_pos = store.last_rewrite_id();
      s.dirty = true;
      for (const auto& channel : store.message_channels()) {
        s.catch_up_channel(channel, store.last_seq(channel));
      }
      s.commit();
      s.wdb.close();
    } catch (const Xapian::Error& e) {
      *error = "rebuilding the search index failed: " + e.get_description();
      return std::nullopt;
    }
  }
  // Swap the new index in: the old one goes only once the new one is complete.
  fs::remove_all(options.dir, ec);
  if (ec) {
    *error = "cannot remove the old index " + options.dir + ": " + ec.message();
    return std::nullopt;
  }
  fs::rename(fresh, options.dir, ec);
  if (ec) {
    *error = "cannot move the new index into place: " + ec.message();
    return std::nullopt;
  }
  try {
    return Xapian::Database(options.dir).get_doccount();
  } catch (const Xapian::Error& e) {
    *error = "cannot read the rebuilt index: " + e.get_description();
    return std::nullopt;
  }
}

void SearchIndex::start() {
  std::lock_guard lock(impl_->stop_mu);
  if (impl_->thread.joinable()) return;
  impl_->thread = std::thread([s = impl_.get()] {
    pthread_setname_np(pthread_self(), "parley-search");  // for perf and top -H
    s->run();
  });
}

void SearchIndex::stop() {
  std::lock_guard lock(impl_->stop_mu);
  {
    std::lock_guard q(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_one();
  if (impl_->thread.joinable()) impl_->thread.join();
  try {
    impl_->wdb.close();  // commits nothing new: the thread committed on its way out
  } catch (const Xapian::Error&) {
  }
}

void SearchIndex::notify(const std::vector<storage::Committed>& batch) {
  Impl& s = *impl_;
  const std::int64_t now = wall_ms();
  bool wake = false;
  std::lock_guard lock(s.mu);
  if (s.stopping) return;
  for (const auto& c : batch) {
    if (c.status != storage::WriteStatus::ok) continue;
    if (const auto* a = std::get_if<storage::AppendMessage>(&c.req.op)) {
      if (s.overflow) {  // the catch-up will read it
        ++s.behind;
        continue;
      }
      if (s.queue.size() >= s.options.max_queue) {
        s.overflow = true;
        s.behind += s.queue.size() + 1;
        if (s.behind_since_ms == 0)
          s.behind_since_ms = s.queue.empty() ? now : s.queue.front().received_ms;
        s.queue.clear();
      } else {
        s.queue.push_back(Impl::Pending{a->channel, a->msg, now});
      }
      wake = true;
    } else if (std::holds_alternative<storage::EditMessage>(c.req.op) ||
               std::holds_alternative<storage::DeleteMessage>(c.req.op) ||
               std::holds_alternative<storage::SetSolved>(c.req.op)) {
      s.rewrites = true;
      wake = true;
    }
  }
  if (wake) s.cv.notify_one();
}

IndexStats SearchIndex::stats() const {
  const Impl& s = *impl_;
  IndexStats out;
  out.documents = s.documents.load();
  out.bytes = dir_bytes(s.options.dir);
  out.indexed_total = s.indexed_total.load();
  out.catch_ups = s.catch_ups.load();
  std::int64_t oldest = s.oldest_uncommitted_ms.load();
  {
    std::lock_guard lock(s.mu);
    out.lag_messages = s.queue.size() + s.uncommitted_count.load() + s.behind;
    if (!s.queue.empty() && (oldest == 0 || s.queue.front().received_ms < oldest)) {
      oldest = s.queue.front().received_ms;
    }
    if (s.behind_since_ms != 0 && (oldest == 0 || s.behind_since_ms < oldest))
      oldest = s.behind_since_ms;
  }
  if (out.lag_messages > 0 && oldest > 0) {
    out.lag_seconds = std::max<std::int64_t>(0, wall_ms() - oldest) / 1000.0;
  }
  for (std::size_t i = 0; i < out.query_counts.size(); ++i) out.query_counts[i] = s.query_hist[i];
  out.queries = s.queries.load();
  out.query_sum_us = s.query_sum_us.load();
  return out;
}

}  // namespace parley::search
