// parse_request() for the bot ops of DESIGN §11 (protocol/PROTOCOL.md §3.8): slash commands
// (register_commands, command, reply_command) and buttons (send's actions, action).
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "parley/protocol/commands.hpp"
#include "test_util.hpp"

namespace parley::protocol {
namespace {

using testing::command;
using testing::failed_with;
using testing::parse;

constexpr ErrorCode kBad = ErrorCode::bad_request;

TEST(ParseBotOps, SlashCommands) {
  auto reg = command<RegisterCommandsCmd>(parse(
      R"({"op":"register_commands","commands":[{"name":"faq","description":"Find answers","usage":"<q>"},{"name":"a-b_9","description":"x","usage":null}]})"));
  ASSERT_EQ(reg.commands.size(), 2u);
  EXPECT_EQ(reg.commands[0].name, "faq");
  EXPECT_EQ(reg.commands[0].description, "Find answers");
  EXPECT_EQ(reg.commands[0].usage, "<q>");
  EXPECT_EQ(reg.commands[1].usage, "");
  EXPECT_TRUE(command<RegisterCommandsCmd>(parse(R"({"op":"register_commands","commands":[]})"))
                  .commands.empty());
  const std::string long_desc(100, 'x');
  EXPECT_EQ(command<RegisterCommandsCmd>(
                parse(R"({"op":"register_commands","commands":[{"name":"x","description":")" +
                      long_desc + R"("}]})"))
                .commands.size(),
            1u);
  const std::pair<std::string, std::string> bad[] = {
      {R"("commands":{})", R"("commands" must be an array of {name, description, usage?})"},
      {R"("commands":[1])", R"("commands" must be an array of {name, description, usage?})"},
      {R"("commands":[{"name":"FAQ","description":"x"}])",
       R"(a command's "name" must be 1-32 characters of a-z 0-9 _ -)"},
      {R"("commands":[{"name":"","description":"x"}])",
       R"(a command's "name" must be 1-32 characters of a-z 0-9 _ -)"},
      {R"("commands":[{"name":")" + std::string(33, 'a') + R"(","description":"x"}])",
       R"(a command's "name" must be 1-32 characters of a-z 0-9 _ -)"},
      {R"("commands":[{"name":"x","description":""}])",
       R"(command "x": "description" must be 1-100 characters on one line)"},
      {R"("commands":[{"name":"x","description":")" + long_desc + R"(y"}])",
       R"(command "x": "description" must be 1-100 characters on one line)"},
      {R"("commands":[{"name":"x","description":"ab"}])",
       R"(command "x": "description" must be 1-100 characters on one line)"},
      {R"("commands":[{"name":"x","description":"d","usage":5}])",
       R"(command "x": "usage" must be 0-100 characters on one line)"},
      {R"("commands":[{"name":"x","description":"d"},{"name":"x","description":"e"}])",
       R"(command "x" is given twice)"},
  };
  for (const auto& [members, message] : bad) {
    EXPECT_TRUE(failed_with(parse(R"({"op":"register_commands","id":1,)" + members + "}"), kBad,
                            message, "1"))
        << members;
  }

  auto run = command<CommandCmd>(
      parse(R"({"op":"command","channel":"help","name":"faq","args":"lamp blinks"})"));
  EXPECT_EQ(run.channel, "help");
  EXPECT_EQ(run.name, "faq");
  EXPECT_EQ(run.args, "lamp blinks");
  EXPECT_EQ(command<CommandCmd>(parse(R"({"op":"command","channel":"help","name":"faq"})")).args,
            "");
  EXPECT_TRUE(failed_with(parse(R"({"op":"command","id":1,"channel":"help","name":"a b"})"), kBad,
                          R"("name" must be 1-32 characters of a-z 0-9 _ -)", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"command","id":1,"channel":"help","name":"x","args":")" +
                                std::string(1001, 'a') + R"("})"),
                          ErrorCode::too_large, R"("args" is longer than 1000 characters)", "1"));

  auto rep = command<ReplyCommandCmd>(
      parse(R"({"op":"reply_command","command_id":"cmd_ab_1","text":"hi"})"));
  EXPECT_EQ(rep.command_id, "cmd_ab_1");
  EXPECT_EQ(rep.text, "hi");
  EXPECT_TRUE(failed_with(parse(R"({"op":"reply_command","id":1,"command_id":"a b","text":"hi"})"),
                          kBad, R"("command_id" must be the command_id of a command event)", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"reply_command","id":1,"command_id":"c","text":"  "})"),
                          kBad, "", "1"));
}

TEST(ParseBotOps, ButtonsOnSendAndTheActionOp) {
  auto send = command<SendCmd>(parse(
      R"({"op":"send","channel":"help","text":"t","client_msg_id":"c","actions":[{"id":"yes","label":"This solved it"},{"id":"No_2","label":"Not \u00e9"}]})"));
  ASSERT_EQ(send.actions.size(), 2u);
  EXPECT_EQ(send.actions[1].id, "No_2");
  EXPECT_EQ(send.actions[1].label, "Not \xC3\xA9");
  EXPECT_EQ(pack_actions(send.actions), "yes\x1fThis solved it\x1eNo_2\x1fNot \xC3\xA9");
  EXPECT_TRUE(has_action(pack_actions(send.actions), "No_2"));
  EXPECT_FALSE(has_action(pack_actions(send.actions), "No"));
  EXPECT_FALSE(has_action("", "yes"));
  EXPECT_TRUE(
      command<SendCmd>(
          parse(R"({"op":"send","channel":"a","text":"t","client_msg_id":"c","actions":null})"))
          .actions.empty());
  EXPECT_TRUE(
      command<SendCmd>(
          parse(R"({"op":"send","channel":"a","text":"t","client_msg_id":"c","actions":[]})"))
          .actions.empty());
  const std::string six =
      R"([{"id":"a","label":"x"},{"id":"b","label":"x"},{"id":"c","label":"x"},{"id":"d","label":"x"},{"id":"e","label":"x"},{"id":"f","label":"x"}])";
  const std::pair<std::string, std::string> bad[] = {
      {six, R"("actions" holds more than 5 buttons)"},
      {R"("x")", R"("actions" must be an array of {id, label})"},
      {R"([1])", R"("actions" must be an array of {id, label})"},
      {R"([{"id":"a b","label":"x"}])",
       R"(an action's "id" must be 1-64 characters of A-Z a-z 0-9 _ -)"},
      {R"([{"label":"x"}])", R"(an action's "id" must be 1-64 characters of A-Z a-z 0-9 _ -)"},
      {R"([{"id":"a"}])", R"(action "a": "label" must be 1-40 characters on one line)"},
      {R"([{"id":"a","label":"  "}])",
       R"(action "a": "label" must be 1-40 characters on one line)"},
      {R"([{"id":"a","label":"x\ny"}])",
       R"(action "a": "label" must be 1-40 characters on one line)"},
      {R"([{"id":"a","label":")" + std::string(41, 'x') + R"("}])",
       R"(action "a": "label" must be 1-40 characters on one line)"},
      {R"([{"id":"a","label":"x"},{"id":"a","label":"y"}])", R"(action "a" is given twice)"},
  };
  for (const auto& [actions, message] : bad) {
    EXPECT_TRUE(failed_with(
        parse(R"({"op":"send","id":1,"channel":"a","text":"t","client_msg_id":"c","actions":)" +
              actions + "}"),
        kBad, message, "1"))
        << actions;
  }
  auto click =
      command<ActionCmd>(parse(R"({"op":"action","channel":"help","seq":3,"action_id":"not-it"})"));
  EXPECT_EQ(click.channel, "help");
  EXPECT_EQ(click.seq, 3u);
  EXPECT_EQ(click.action_id, "not-it");
  EXPECT_TRUE(
      failed_with(parse(R"({"op":"action","id":1,"channel":"help","seq":3,"action_id":"a b"})"),
                  kBad, R"("action_id" must be 1-64 characters of A-Z a-z 0-9 _ -)", "1"));
  EXPECT_TRUE(failed_with(parse(R"({"op":"action","id":1,"channel":"help","seq":3})"), kBad,
                          R"("action_id" is required)", "1"));
}

}  // namespace
}  // namespace parley::protocol
