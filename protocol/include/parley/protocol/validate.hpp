// Pure validators for names and text. No allocation unless stated.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::protocol {

// Public channel names: [a-z0-9][a-z0-9._-]{0,63}.
bool is_valid_channel_name(std::string_view name) noexcept;

// User ids (JWT `sub`): 1-64 bytes of [A-Za-z0-9._@+-]. No ':' so DM names are unambiguous.
bool is_valid_user_id(std::string_view id) noexcept;

// DM channel names: "dm:<a>:<b>" with a < b (bytewise) and both valid user ids.
bool is_dm_channel(std::string_view name) noexcept;
// The canonical DM channel name for two distinct valid users (order-independent).
std::string dm_channel_name(std::string_view a, std::string_view b);
// The two members of a DM channel, or nullopt if `name` is not a valid DM name.
std::optional<std::pair<std::string_view, std::string_view>> dm_members(
    std::string_view name) noexcept;

// Number of code points in `s` if it is valid UTF-8 (no overlongs, no surrogates,
// <= U+10FFFF), otherwise nullopt.
std::optional<std::size_t> utf8_length(std::string_view s) noexcept;

// Display names: 1-64 code points of valid UTF-8, no control characters.
bool is_valid_display_name(std::string_view name) noexcept;

// An email address as the `email` claim carries it: `local@domain`, at most 254 bytes; the
// local part 1-64 bytes of printable ASCII other than space and `"(),:;<>@[\]`; the domain at
// least two dot-separated labels of ASCII letters, digits and inner hyphens (1-63 bytes each).
// Nothing that could break out of a mail header passes.
bool is_valid_email(std::string_view email) noexcept;

// Mentions in a message text (DESIGN §10). An `@` at the start of the text or after a character
// that cannot be part of a user id, followed by the longest run of user-id characters, names
// that user; trailing '.' characters are dropped from the run (the end of a sentence). A run
// that is not a valid user id, or that goes on with a non-ASCII character ("@josé"), names
// nobody. `@here` is the channel-wide mention, never the
// user "here". Users are kept in order of first appearance, each once, at most `max_users`
// (later ones are not mentions).
struct TextMentions {
  std::vector<std::string> users;
  bool here = false;
};
TextMentions find_mentions(std::string_view text, std::size_t max_users);

}  // namespace parley::protocol
