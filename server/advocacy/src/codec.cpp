#include "codec.hpp"

#include <algorithm>
#include <charconv>
#include <type_traits>

#include "parley/advocacy/keys.hpp"

namespace parley::advocacy::codec {

using detail::AnswerRec;
using detail::HelpfulRec;
using detail::RiskDay;
using detail::SolutionRec;

namespace {

template <class T>
std::string to_text(T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

template <class T>
bool from_text(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

bool parse_bool(std::string_view s, bool& out) {
  if (s != "0" && s != "1") return false;
  out = s == "1";
  return true;
}

std::string_view flag(bool b) { return b ? "1" : "0"; }

// The writers of the records written per message and per mark: the string is sized for the
// longest value up front (zero-filled, so a skipped byte is a separator), written through a
// pointer (no per-field capacity checks, no temporary strings for numbers) and cut to length.
constexpr std::size_t kMaxNum = 20;  // characters of the longest int64 / uint64
template <class T>
char* put_num(char* p, T v) {
  return std::to_chars(p, p + kMaxNum, v).ptr;
}
char* put_text(char* p, std::string_view s) { return std::copy(s.begin(), s.end(), p); }

// A field: text (a string_view) or a number (an int64 / uint64; booleans go through flag()).
template <class T>
std::size_t field_size(const T& f) {
  if constexpr (std::is_integral_v<T>) {
    static_assert(!std::is_same_v<T, bool>, "write booleans with flag()");
    return kMaxNum;
  } else {
    return std::string_view(f).size();
  }
}
template <class T>
char* put_field(char* p, const T& f) {
  if constexpr (std::is_integral_v<T>) {
    return put_num(p, f);
  } else {
    return put_text(p, f);
  }
}
// Fields joined with '\0', as join() does.
template <class... F>
std::string record(const F&... fields) {
  std::string out((field_size(fields) + ...) + sizeof...(F), '\0');
  char* p = out.data();
  bool first = true;
  ((p = put_field(first ? p : p + 1, fields), first = false), ...);
  out.resize(static_cast<std::size_t>(p - out.data()));
  return out;
}

}  // namespace

std::string num(std::int64_t v) { return to_text(v); }
std::string num(std::uint64_t v) { return to_text(v); }
bool parse(std::string_view s, std::int64_t& out) { return from_text(s, out); }
bool parse(std::string_view s, std::uint64_t& out) { return from_text(s, out); }

std::string join(std::initializer_list<std::string_view> fields) {
  std::size_t n = 0;
  for (auto f : fields) n += f.size() + 1;
  std::string out;
  out.reserve(n);
  bool first = true;
  for (auto f : fields) {
    if (!first) out.push_back('\0');
    first = false;
    out.append(f);
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto pos = s.find('\0', start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// --- "a" ch root author -> seq asker ts ---
std::string answer_key(const AnswerRec& r) {
  return record(std::string_view("a"), r.channel, r.root, r.author);
}
std::string answer_value(const AnswerRec& r) { return record(r.seq, r.asker, r.ts); }
std::optional<AnswerRec> decode_answer(std::string_view key, std::string_view value) {
  auto k = split(key);
  auto v = split(value);
  AnswerRec r;
  if (k.size() != 4 || v.size() != 3 || !parse(k[2], r.root) || !parse(v[0], r.seq) ||
      !parse(v[2], r.ts))
    return std::nullopt;
  r.channel = k[1];
  r.author = k[3];
  r.asker = v[1];
  return r;
}

// --- "h" ch seq marker -> earned author ts ---
std::string helpful_key(std::string_view channel, std::uint64_t seq, std::string_view marker) {
  return record(std::string_view("h"), channel, seq, marker);
}
std::string helpful_value(const HelpfulRec& r) {
  // The fourth field is newer: records without it were explicit marks.
  return record(flag(r.earned), r.author, r.ts, flag(r.via_reaction));
}
std::optional<HelpfulRec> decode_helpful(std::string_view key, std::string_view value) {
  auto k = split(key);
  auto v = split(value);
  HelpfulRec r;
  if (k.size() != 4 || (v.size() != 3 && v.size() != 4) || !parse(k[2], r.seq) ||
      !parse_bool(v[0], r.earned) || !parse(v[2], r.ts) ||
      (v.size() == 4 && !parse_bool(v[3], r.via_reaction)))
    return std::nullopt;
  r.channel = k[1];
  r.marker = k[3];
  r.author = v[1];
  return r;
}

// --- "s" ch root -> seq author asker earned ts ---
std::string solution_key(std::string_view channel, std::uint64_t root) {
  return record(std::string_view("s"), channel, root);
}
std::string solution_value(const SolutionRec& r) {
  return record(r.seq, r.author, r.asker, flag(r.earned), r.ts);
}
std::optional<SolutionRec> decode_solution(std::string_view key, std::string_view value) {
  auto k = split(key);
  auto v = split(value);
  SolutionRec r;
  if (k.size() != 3 || v.size() != 5 || !parse(k[2], r.root) || !parse(v[0], r.seq) ||
      !parse_bool(v[3], r.earned) || !parse(v[4], r.ts))
    return std::nullopt;
  r.channel = k[1];
  r.author = v[1];
  r.asker = v[2];
  return r;
}

// --- "g" giver day -> "" ---
std::string day_mark_key(std::string_view giver, std::int64_t day) {
  return record(std::string_view("g"), giver, day);
}
std::optional<std::int64_t> key_day(std::string_view key) {
  auto k = split(key);
  std::int64_t day = 0;
  if (k.size() != 3 || !parse(k[2], day)) return std::nullopt;
  return day;
}

// --- "r" user day -> reports removed mutes last ---
std::string risk_key(std::string_view user, std::int64_t day) {
  return record(std::string_view("r"), user, day);
}
std::string risk_value(const RiskDay& d) {
  return record(std::int64_t{d.reports}, std::int64_t{d.removed}, std::int64_t{d.mutes}, d.last);
}
std::optional<RiskDay> decode_risk(std::string_view value) {
  auto v = split(value);
  std::int64_t a = 0, b = 0, c = 0;
  RiskDay d;
  if (v.size() != 4 || !parse(v[0], a) || !parse(v[1], b) || !parse(v[2], c) ||
      !parse(v[3], d.last) || a < 0 || b < 0 || c < 0)
    return std::nullopt;
  d.reports = static_cast<unsigned>(a);
  d.removed = static_cast<unsigned>(b);
  d.mutes = static_cast<unsigned>(c);
  return d;
}
std::string_view risk_user(std::string_view key) {
  auto k = split(key);
  return k.size() == 3 ? k[1] : std::string_view{};
}

// --- "q" ch seq: in memory only, the by_msg reference of a question to its replies ---
std::string question_key(std::string_view channel, std::uint64_t seq) {
  std::string out(3 + channel.size() + kMaxNum, '\0');
  char* p = out.data();
  *p++ = 'q';
  p = put_text(p + 1, channel);
  p = put_num(p + 1, seq);
  out.resize(static_cast<std::size_t>(p - out.data()));
  return out;
}
std::optional<detail::MsgRef> question_ref(std::string_view key) {
  auto k = split(key);
  detail::MsgRef ref;
  if (k.size() != 3 || !parse(k[2], ref.seq)) return std::nullopt;
  ref.channel = k[1];
  return ref;
}

std::string user_key(char prefix, std::string_view user) {
  return join({std::string_view(&prefix, 1), user});
}

}  // namespace parley::advocacy::codec

namespace parley::advocacy {

std::string helpful_marks_prefix(std::string_view channel, std::uint64_t seq) {
  return codec::helpful_key(channel, seq, "");
}

}  // namespace parley::advocacy
