// SearchIndex::search: the query language into a Xapian query, the caller's access as a boolean
// filter, and each hit's snippet.
#include <xapian.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <unordered_set>

#include "index_impl.hpp"
#include "parley/search/query.hpp"
#include "parley/search/snippet.hpp"

namespace parley::search {
namespace {

constexpr std::uint64_t kMaxOffset = 5000;  // deeper pages are refused (see PROTOCOL.md)

Xapian::Query any_of(char prefix, const std::vector<std::string>& values) {
  std::vector<Xapian::Query> terms;
  terms.reserve(values.size());
  for (const auto& v : values) terms.emplace_back(prefix + v);
  return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
}

// Every document of the threads in `hidden`: each question and the replies to it.
Xapian::Query thread_docs(const std::vector<ThreadRef>& hidden) {
  std::vector<Xapian::Query> docs;
  docs.reserve(hidden.size() * 2);
  for (const auto& t : hidden) {
    docs.emplace_back(unique_term(t.channel, t.seq));
    docs.emplace_back(Xapian::Query::OP_FILTER, Xapian::Query(kReplyTo + std::to_string(t.seq)),
                      Xapian::Query(kChannel + t.channel));
  }
  return Xapian::Query(Xapian::Query::OP_OR, docs.begin(), docs.end());
}

// The words a snippet marks: every query word as typed (lower case) and its stem, stop words
// left out.
std::unordered_set<std::string> snippet_keys(const ParsedQuery& q, const Xapian::Stem& stem,
                                             const Xapian::Stopper* stopper) {
  std::unordered_set<std::string> keys;
  for (const auto& typed : q.words) {
    std::string word;
    auto flush = [&] {
      if (word.empty()) return;
      // A stop word is not searched for (outside phrases), so it is not marked either.
      if (stopper != nullptr && (*stopper)(word)) {
        word.clear();
        return;
      }
      keys.insert(word);
      keys.insert(stem(word));
      word.clear();
    };
    for (Xapian::Utf8Iterator it(typed), end; it != end; ++it) {
      if (Xapian::Unicode::is_wordchar(*it)) {
        Xapian::Unicode::append_utf8(word, Xapian::Unicode::tolower(*it));
      } else {
        flush();
      }
    }
    flush();
  }
  return keys;
}

// Borrows an idle reader (or opens one), current as of the last commit.
struct Borrowed {
  SearchIndex::Impl& s;
  std::unique_ptr<SearchIndex::Impl::Reader> r;
  explicit Borrowed(SearchIndex::Impl& impl) : s(impl) {
    {
      std::lock_guard lock(s.readers_mu);
      if (!s.readers.empty()) {
        r = std::move(s.readers.back());
        s.readers.pop_back();
      }
    }
    if (!r) {
      r = std::make_unique<SearchIndex::Impl::Reader>();
      r->db = Xapian::Database(s.options.dir);
      r->stemmer = make_stemmer(s.options.language);
      r->stopper = make_stopper(s.options.language);
    } else {
      r->db.reopen();  // to the latest commit; cheap when there is none
    }
  }
  ~Borrowed() {
    if (!r) return;
    std::lock_guard lock(s.readers_mu);
    s.readers.push_back(std::move(r));
  }
};

}  // namespace

SearchResult SearchIndex::search(const SearchRequest& request, const Access& access) {
  Impl& s = *impl_;
  SearchResult out;
  const auto started = std::chrono::steady_clock::now();
  std::string error;
  auto parsed = parse_query(request.query, &error);
  if (!parsed) {
    out.error = std::move(error);
    return out;
  }
  if (request.limit < 1 || request.limit > kMaxLimit) {
    out.error = "limit must be 1 to " + std::to_string(kMaxLimit);
    return out;
  }
  std::uint64_t offset = 0;
  if (!request.cursor.empty()) {
    const char* b = request.cursor.data();
    const char* e = b + request.cursor.size();
    auto [p, ec] = std::from_chars(b, e, offset);
    if (ec != std::errc() || p != e || offset == 0 || offset > kMaxOffset) {
      out.error = "bad cursor";
      return out;
    }
  }

  // Who may see what: the filter every query goes through.
  std::vector<Xapian::Query> filters;
  if (!access.everything) {
    std::vector<Xapian::Query> allowed;
    for (const auto& ch : access.channels) allowed.emplace_back(kChannel + ch);
    if (!access.dm_user.empty()) allowed.emplace_back(kDmMember + access.dm_user);
    if (allowed.empty()) {
      out.ok = true;  // nothing readable: no results
      return out;
    }
    filters.emplace_back(Xapian::Query::OP_OR, allowed.begin(), allowed.end());
  }
  if (access.solved_only || request.solved || parsed->solved) filters.emplace_back(kSolved);
  if (!parsed->from.empty()) filters.push_back(any_of(kAuthor, parsed->from));
  if (!parsed->in.empty()) filters.push_back(any_of(kChannel, parsed->in));
  if (request.channel) filters.emplace_back(kChannel + *request.channel);

  try {
    Borrowed reader(s);
    // Query(""): match all, built here: the shared Query::MatchAll constant is reference-counted
    // without atomics, so threads must not copy it.
    Xapian::Query query{std::string()};
    bool ranked = false;  // the query has words (else every result matches fully)
    if (!parsed->text.empty()) {
      Xapian::QueryParser qp;
      qp.set_stemmer(reader.r->stemmer);
      qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);  // as indexed
      if (reader.r->stopper) qp.set_stopper(reader.r->stopper.get());
      qp.set_default_op(request.any ? Xapian::Query::OP_OR : Xapian::Query::OP_AND);
      query = qp.parse_query(
          parsed->text, Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_CJK_NGRAM);
      if (query.empty()) {
        query = Xapian::Query(std::string());  // only stop words: filters decide
      } else {
        ranked = true;
      }
    }
    for (auto& f : filters) query = Xapian::Query(Xapian::Query::OP_FILTER, query, f);
    if (!access.hidden.empty()) {
      query = Xapian::Query(Xapian::Query::OP_AND_NOT, query, thread_docs(access.hidden));
    }

    Xapian::MSet mset;
    for (int attempt = 0;; ++attempt) {
      try {
        Xapian::Enquire enquire(reader.r->db);
        enquire.set_query(query);
        if (parsed->text.empty()) {
          enquire.set_sort_by_value(kTsSlot, true);  // newest first
        } else {
          enquire.set_docid_order(Xapian::Enquire::DESCENDING);  // ties: the newer first
        }
        // One more than asked: tells whether there is a next page.
        mset = enquire.get_mset(static_cast<Xapian::doccount>(offset), request.limit + 1);
        break;
      } catch (const Xapian::DatabaseModifiedError&) {
        if (attempt > 0) throw;
        reader.r->db.reopen();  // the indexer committed meanwhile
      }
    }

    const auto keys = snippet_keys(*parsed, reader.r->stemmer, reader.r->stopper.get());
    auto matches = [&](std::string_view word) {
      std::string lower = Xapian::Unicode::tolower(std::string(word));
      return keys.count(lower) > 0 || keys.count(reader.r->stemmer(lower)) > 0;
    };
    std::uint32_t n = 0;
    for (auto it = mset.begin(); it != mset.end() && n < request.limit; ++it, ++n) {
      Hit hit;
      std::string text;
      if (!hit_of(s.store, it.get_document().get_data(), &hit, &text)) continue;
      hit.snippet = make_snippet(text, matches);
      hit.score = ranked ? static_cast<unsigned>(std::clamp(it.get_percent(), 0, 100)) : 100;
      out.hits.push_back(std::move(hit));
    }
    if (mset.size() > request.limit && offset + request.limit <= kMaxOffset) {
      out.cursor = std::to_string(offset + request.limit);
    }
    out.ok = true;
  } catch (const Xapian::QueryParserError& e) {
    out.error = "cannot parse the query: " + e.get_msg();
  } catch (const Xapian::Error& e) {
    out.error = "search failed: " + e.get_description();
    out.internal = true;
  }
  const auto us = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                 std::chrono::steady_clock::now() - started)
                                                 .count());
  std::size_t b = 0;
  while (b + 1 < IndexStats::kQueryBucketsUs.size() && us > IndexStats::kQueryBucketsUs[b]) ++b;
  s.query_hist[b].fetch_add(1, std::memory_order_relaxed);
  s.queries.fetch_add(1, std::memory_order_relaxed);
  s.query_sum_us.fetch_add(us, std::memory_order_relaxed);
  return out;
}

namespace {

// Every document matching `query`, sorted by time (`newest_first` or oldest first), with text.
Listing list(SearchIndex::Impl& s, const Xapian::Query& query, bool newest_first,
             std::uint32_t offset, std::uint32_t limit) {
  Listing out;
  Borrowed reader(s);
  for (int attempt = 0;; ++attempt) {
    try {
      Xapian::Enquire enquire(reader.r->db);
      enquire.set_query(query);
      enquire.set_weighting_scheme(Xapian::BoolWeight());
      enquire.set_sort_by_value(kTsSlot, newest_first);
      // check_at_least = everything: `total` is exact.
      Xapian::MSet mset = enquire.get_mset(offset, limit, reader.r->db.get_doccount());
      out.total = mset.get_matches_estimated();
      for (auto it = mset.begin(); it != mset.end(); ++it) {
        Hit hit;
        if (hit_of(s.store, it.get_document().get_data(), &hit, &hit.text))
          out.hits.push_back(std::move(hit));
      }
      return out;
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt > 0) throw;
      reader.r->db.reopen();
      out = Listing{};
    }
  }
}

}  // namespace

Listing SearchIndex::solved_questions(const std::vector<std::string>& channels,
                                      std::uint32_t offset, std::uint32_t limit,
                                      const std::vector<ThreadRef>& hidden) {
  if (channels.empty() || limit == 0) return {};
  std::vector<Xapian::Query> in;
  for (const auto& ch : channels) in.emplace_back(kChannel + ch);
  Xapian::Query q(Xapian::Query::OP_FILTER, Xapian::Query(std::string(kSolvedQuestion)),
                  Xapian::Query(Xapian::Query::OP_OR, in.begin(), in.end()));
  if (!hidden.empty()) {
    std::vector<Xapian::Query> questions;
    for (const auto& t : hidden) questions.emplace_back(unique_term(t.channel, t.seq));
    q = Xapian::Query(Xapian::Query::OP_AND_NOT, q,
                      Xapian::Query(Xapian::Query::OP_OR, questions.begin(), questions.end()));
  }
  try {
    return list(*impl_, q, true, offset, limit);
  } catch (const Xapian::Error&) {
    return {};
  }
}

std::vector<Hit> SearchIndex::replies(const std::string& channel, std::uint64_t seq,
                                      std::uint32_t limit) {
  Xapian::Query q(Xapian::Query::OP_FILTER, Xapian::Query(kReplyTo + std::to_string(seq)),
                  Xapian::Query(kChannel + channel));
  try {
    return list(*impl_, q, false, 0, limit).hits;
  } catch (const Xapian::Error&) {
    return {};
  }
}

}  // namespace parley::search
