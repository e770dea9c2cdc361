#include "thread.hpp"

namespace parley::advocacy::detail {

std::optional<Root> find_root(const Engine::State& st, const std::string& channel,
                              std::uint64_t reply_to, const MessageLookup& lookup) {
  std::uint64_t seq = reply_to;
  const auto channel_id = st.questions.channel_id(channel);
  for (int hop = 0; hop < kMaxThreadDepth && seq != 0; ++hop) {
    // A known question answers without a storage read (the common case: a direct reply).
    if (const QuestionRec* q = channel_id ? st.questions.find(*channel_id, seq) : nullptr)
      return Root{seq, *q->asker};
    auto m = lookup ? lookup(channel, seq) : std::nullopt;
    if (!m) return std::nullopt;
    if (m->reply_to == 0) return Root{seq, std::move(m->author)};
    seq = m->reply_to;
  }
  return std::nullopt;
}

std::variant<MarkError, Target> check_mark(const Engine::State& st, const std::string& channel,
                                           std::uint64_t seq, const std::string& marker,
                                           Role marker_role, const MessageLookup& lookup) {
  auto answer = lookup ? lookup(channel, seq) : std::nullopt;
  if (!answer) return MarkError::not_found;
  if (!answer->support || answer->reply_to == 0) return MarkError::not_an_answer;
  auto root = find_root(st, channel, answer->reply_to, lookup);
  if (!root) return MarkError::not_an_answer;
  if (marker != root->asker && !protocol::is_staff(marker_role)) return MarkError::forbidden;
  // Nobody earns from their own thread, and nobody marks their own answer.
  if (answer->author == root->asker || answer->author == marker) return MarkError::self;
  return Target{std::move(*answer), std::move(*root)};
}

}  // namespace parley::advocacy::detail
