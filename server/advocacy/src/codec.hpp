// The persisted encoding of the engine's records (README.md, "Persistence"). Pure functions.
//
// Keys: a one-letter prefix, then fields, all separated by '\0'; numbers in decimal ASCII.
// Values: fields separated by '\0' (a name is stored raw). Channel names and user ids never
// contain '\0' (protocol/validate.hpp), so the separators are unambiguous.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state.hpp"

namespace parley::advocacy::codec {

std::string num(std::int64_t v);
std::string num(std::uint64_t v);
// Fields joined with '\0'. A key is join({prefix, field, ...}).
std::string join(std::initializer_list<std::string_view> fields);
std::vector<std::string_view> split(std::string_view s);
bool parse(std::string_view s, std::int64_t& out);
bool parse(std::string_view s, std::uint64_t& out);

std::string answer_key(const detail::AnswerRec& r);
std::string answer_value(const detail::AnswerRec& r);
std::optional<detail::AnswerRec> decode_answer(std::string_view key, std::string_view value);

std::string helpful_key(std::string_view channel, std::uint64_t seq, std::string_view marker);
std::string helpful_value(const detail::HelpfulRec& r);
std::optional<detail::HelpfulRec> decode_helpful(std::string_view key, std::string_view value);

std::string solution_key(std::string_view channel, std::uint64_t root);
std::string solution_value(const detail::SolutionRec& r);
std::optional<detail::SolutionRec> decode_solution(std::string_view key, std::string_view value);

std::string day_mark_key(std::string_view giver, std::int64_t day);
// The day of a "g" or "r" key (its last field).
std::optional<std::int64_t> key_day(std::string_view key);

std::string risk_key(std::string_view user, std::int64_t day);
std::string risk_value(const detail::RiskDay& d);
std::optional<detail::RiskDay> decode_risk(std::string_view value);
// The user of an "r" key.
std::string_view risk_user(std::string_view key);

// Questions are not persisted; a "q" key names one in Engine::State::by_msg (the question a
// tracked reply or accepted answer belongs to).
std::string question_key(std::string_view channel, std::uint64_t seq);
// The (channel, seq) of a "q" key.
std::optional<detail::MsgRef> question_ref(std::string_view key);

// "m", "f" and "n" keys: the prefix and the user id.
std::string user_key(char prefix, std::string_view user);

}  // namespace parley::advocacy::codec
