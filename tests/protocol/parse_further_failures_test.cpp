// parse_request() for the further operations of DESIGN §2: every rule refused, with its code,
// message and the echoed id (FurtherOpsFailure.*).
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "parley/protocol/commands.hpp"
#include "test_util.hpp"

namespace parley::protocol {
namespace {

using testing::command;
using testing::failed_with;
using testing::parse;
using testing::repeat;

constexpr ErrorCode kBad = ErrorCode::bad_request;
constexpr ErrorCode kBig = ErrorCode::too_large;

// --- Every rule, refused: code, message and the echoed id ---

using Case = testing::FailureCase;

class FurtherOpsFailure : public ::testing::TestWithParam<Case> {};

TEST_P(FurtherOpsFailure, FailsWithCodeMessageAndId) {
  const Case& c = GetParam();
  EXPECT_TRUE(failed_with(parse(c.frame), c.code, c.message_part, "7"));
}

INSTANTIATE_TEST_SUITE_P(
    Lifecycle, FurtherOpsFailure,
    ::testing::Values(
        // edit
        Case{R"({"id":7,"op":"edit","seq":1,"text":"t"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"edit","channel":5,"seq":1,"text":"t"})", kBad,
             R"("channel" must be a string)"},
        Case{R"({"id":7,"op":"edit","channel":"Help","seq":1,"text":"t"})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"edit","channel":"dm:bob:alice","seq":1,"text":"t"})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"edit","channel":"a","text":"t"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":null,"text":"t"})", kBad,
             R"("seq" is required)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":0,"text":"t"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":-1,"text":"t"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":1.0,"text":"t"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":"1","text":"t"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":true,"text":"t"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":1})", kBad, R"("text" is required)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":1,"text":["t"]})", kBad,
             R"("text" must be a string)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":1,"text":""})", kBad, R"("text" is empty)"},
        Case{R"({"id":7,"op":"edit","channel":"a","seq":1,"text":" \u200b\n"})", kBad,
             R"("text" is empty)"},
        // delete
        Case{R"({"id":7,"op":"delete","seq":1})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"delete","channel":"a b","seq":1})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"delete","channel":"a"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"delete","channel":"a","seq":0})", kBad,
             R"("seq" must be a positive integer)"},
        // react / unreact
        Case{R"({"id":7,"op":"react","seq":1,"emoji":"x"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"react","channel":"a","emoji":"x"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":0,"emoji":"x"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1})", kBad, R"("emoji" is required)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":null})", kBad,
             R"("emoji" is required)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":5})", kBad,
             R"("emoji" must be a string)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":""})", kBad,
             R"("emoji" must be 1-32 bytes)"},
        Case{
            R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})",
            kBad, R"("emoji" must be 1-32 bytes)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,)"
             R"("emoji":"😀😀😀😀😀😀😀😀a"})",
             kBad, R"("emoji" must be 1-32 bytes)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":" "})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"👍 "})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\t"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"a\nb"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\u0000"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\u001b"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"x\u007f"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\u0085"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\u009f"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"\u2028"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"react","channel":"a","seq":1,"emoji":"👍\u2029"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"unreact","channel":"a","seq":1})", kBad, R"("emoji" is required)"},
        Case{R"({"id":7,"op":"unreact","channel":"a","seq":1,"emoji":"a b"})", kBad,
             R"("emoji" must be)"},
        Case{R"({"id":7,"op":"unreact","channel":"A","seq":1,"emoji":"x"})", kBad,
             "invalid channel name"},
        // report
        Case{R"({"id":7,"op":"report","seq":1,"reason":"r"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"report","channel":"a","reason":"r"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":-2,"reason":"r"})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":1})", kBad, R"("reason" is required)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":1,"reason":null})", kBad,
             R"("reason" is required)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":1,"reason":false})", kBad,
             R"("reason" must be a string)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":1,"reason":""})", kBad,
             R"("reason" is empty)"},
        Case{R"({"id":7,"op":"report","channel":"a","seq":1,"reason":" \t\u3000\ufeff"})", kBad,
             R"("reason" is empty)"}));

INSTANTIATE_TEST_SUITE_P(
    Moderation, FurtherOpsFailure,
    ::testing::Values(
        // resolve_report
        Case{R"({"id":7,"op":"resolve_report","action":"uphold"})", kBad,
             R"("report_id" is required)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":0,"action":"uphold"})", kBad,
             R"("report_id" must be a positive integer)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":"4","action":"uphold"})", kBad,
             R"("report_id" must be a positive integer)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":4.5,"action":"uphold"})", kBad,
             R"("report_id" must be a positive integer)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1})", kBad, R"("action" is required)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":null})", kBad,
             R"("action" is required)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":true})", kBad,
             R"("action" must be a string)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"Uphold"})", kBad,
             R"("action" must be "uphold" or "dismiss")"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":""})", kBad,
             R"("action" must be "uphold" or "dismiss")"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"delete"})", kBad,
             R"("action" must be "uphold" or "dismiss")"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold","remove":1})", kBad,
             R"("remove" must be true or false)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold","remove":"true"})",
             kBad, R"("remove" must be true or false)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold","mute_s":-1})", kBad,
             R"("mute_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold",)"
             R"("mute_s":315360001})",
             kBad, R"("mute_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold","mute_s":60.5})",
             kBad, R"("mute_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"uphold","mute_s":"60"})",
             kBad, R"("mute_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"dismiss","remove":true})",
             kBad, "remove and mute_s only apply to uphold"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"dismiss","remove":false})",
             kBad, "remove and mute_s only apply to uphold"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"dismiss","mute_s":60})", kBad,
             "remove and mute_s only apply to uphold"},
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"dismiss","mute_s":0})", kBad,
             "remove and mute_s only apply to uphold"},
        // A type error is reported as such, before the clash with dismiss.
        Case{R"({"id":7,"op":"resolve_report","report_id":1,"action":"dismiss","remove":"x"})",
             kBad, R"("remove" must be true or false)"},
        // mute / unmute
        Case{R"({"id":7,"op":"mute"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"mute","user":null})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"mute","user":42})", kBad, R"("user" must be a string)"},
        Case{R"({"id":7,"op":"mute","user":""})", kBad, R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"mute","user":"a:b"})", kBad, R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"mute","user":"a b"})", kBad, R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"mute","user":"u","channel":5})", kBad,
             R"("channel" must be a string)"},
        Case{R"({"id":7,"op":"mute","user":"u","channel":""})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"mute","user":"u","channel":"Help"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"mute","user":"u","duration_s":-1})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"mute","user":"u","duration_s":315360001})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"mute","user":"u","duration_s":18446744073709551615})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"mute","user":"u","duration_s":1.5})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"mute","user":"u","duration_s":"60"})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"mute","user":"u","reason":5})", kBad, R"("reason" must be a string)"},
        Case{R"({"id":7,"op":"unmute"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"unmute","user":"a:b"})", kBad, R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"unmute","user":"u","channel":"#x"})", kBad, "invalid channel name"},
        // ban / unban
        Case{R"({"id":7,"op":"ban"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"ban","user":["u"]})", kBad, R"("user" must be a string)"},
        Case{R"({"id":7,"op":"ban","user":"dm:a:b"})", kBad, R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"ban","user":"u","duration_s":-60})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"ban","user":"u","duration_s":315360001})", kBad,
             R"("duration_s" must be an integer from 0 to 315360000)"},
        Case{R"({"id":7,"op":"ban","user":"u","reason":{}})", kBad, R"("reason" must be a string)"},
        Case{R"({"id":7,"op":"unban"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"unban","user":7})", kBad, R"("user" must be a string)"},
        // kick
        Case{R"({"id":7,"op":"kick","channel":"a"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"kick","user":"b\u00e9","channel":"a"})", kBad,
             R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"kick","user":"u"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"kick","user":"u","channel":"-a"})", kBad, "invalid channel name"},
        // slow_mode
        Case{R"({"id":7,"op":"slow_mode","interval_s":5})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"A","interval_s":5})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a"})", kBad, R"("interval_s" is required)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":null})", kBad,
             R"("interval_s" is required)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":-1})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":86401})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":4294967326})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":2.0})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":"10"})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        Case{R"({"id":7,"op":"slow_mode","channel":"a","interval_s":false})", kBad,
             R"("interval_s" must be an integer from 0 to 86400)"},
        // lock
        Case{R"({"id":7,"op":"lock","locked":true})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"lock","channel":"a.B","locked":true})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"lock","channel":"a"})", kBad, R"("locked" is required)"},
        Case{R"({"id":7,"op":"lock","channel":"a","locked":null})", kBad,
             R"("locked" is required)"},
        Case{R"({"id":7,"op":"lock","channel":"a","locked":1})", kBad,
             R"("locked" must be true or false)"},
        Case{R"({"id":7,"op":"lock","channel":"a","locked":"true"})", kBad,
             R"("locked" must be true or false)"}));

INSTANTIATE_TEST_SUITE_P(
    Channels, FurtherOpsFailure,
    ::testing::Values(
        // create_channel
        Case{R"({"id":7,"op":"create_channel"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"create_channel","channel":1})", kBad,
             R"("channel" must be a string)"},
        Case{R"({"id":7,"op":"create_channel","channel":"Help"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"create_channel","channel":"dm:a:b"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","kind":5})", kBad,
             R"("kind" must be a string)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","kind":"dm"})", kBad,
             R"("kind" must be "support", "chat", "announce" or "private")"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","kind":"Support"})", kBad,
             R"("kind" must be)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","kind":""})", kBad,
             R"("kind" must be)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","kind":"private_"})", kBad,
             R"("kind" must be)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":5})", kBad,
             R"("title" must be a string)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":""})", kBad,
             R"("title" is empty)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"  "})", kBad,
             R"("title" is empty)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"\u200b\u00a0"})", kBad,
             R"("title" is empty)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"a\nb"})", kBad,
             R"("title" must not contain control characters)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"a\tb"})", kBad,
             R"("title" must not contain control characters)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"a\u0000"})", kBad,
             R"("title" must not contain control characters)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"a\u007f"})", kBad,
             R"("title" must not contain control characters)"},
        Case{R"({"id":7,"op":"create_channel","channel":"c","title":"a\u0085"})", kBad,
             R"("title" must not contain control characters)"},
        // archive_channel
        Case{R"({"id":7,"op":"archive_channel"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"archive_channel","channel":"dm:a:b"})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"archive_channel","channel":"c","archived":"no"})", kBad,
             R"("archived" must be true or false)"},
        Case{R"({"id":7,"op":"archive_channel","channel":"c","archived":0})", kBad,
             R"("archived" must be true or false)"},
        // update_channel
        Case{R"({"id":7,"op":"update_channel","title":"T"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"update_channel","channel":"dm:a:b","title":"T"})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"update_channel","channel":"c"})", kBad, R"("title" is required)"},
        Case{R"({"id":7,"op":"update_channel","channel":"c","title":null})", kBad,
             R"("title" is required)"},
        Case{R"({"id":7,"op":"update_channel","channel":"c","title":["T"]})", kBad,
             R"("title" must be a string)"},
        Case{R"({"id":7,"op":"update_channel","channel":"c","title":""})", kBad,
             R"("title" is empty)"},
        Case{R"({"id":7,"op":"update_channel","channel":"c","title":"\r\n"})", kBad,
             R"("title" is empty)"},
        Case{R"({"id":7,"op":"update_channel","channel":"c","title":"x\u001b[31m"})", kBad,
             R"("title" must not contain control characters)"},
        // add_member / remove_member
        Case{R"({"id":7,"op":"add_member","user":"u"})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"add_member","channel":"dm:a:b","user":"u"})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"add_member","channel":"c"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"add_member","channel":"c","user":1})", kBad,
             R"("user" must be a string)"},
        Case{R"({"id":7,"op":"add_member","channel":"c","user":"a:b"})", kBad,
             R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"remove_member","channel":"c"})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"remove_member","channel":"C","user":"u"})", kBad,
             "invalid channel name"},
        Case{R"({"id":7,"op":"remove_member","channel":"c","user":""})", kBad,
             R"("user" must be a valid user id)"}));

INSTANTIATE_TEST_SUITE_P(
    Advocacy, FurtherOpsFailure,
    ::testing::Values(
        // helpful / solve
        Case{R"({"id":7,"op":"helpful","seq":1})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"helpful","channel":"H","seq":1})", kBad, "invalid channel name"},
        Case{R"({"id":7,"op":"helpful","channel":"a"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"helpful","channel":"a","seq":0})", kBad,
             R"("seq" must be a positive integer)"},
        Case{R"({"id":7,"op":"solve","seq":1})", kBad, R"("channel" is required)"},
        Case{R"({"id":7,"op":"solve","channel":"a"})", kBad, R"("seq" is required)"},
        Case{R"({"id":7,"op":"solve","channel":"a","seq":"3"})", kBad,
             R"("seq" must be a positive integer)"},
        // set_advocate
        Case{R"({"id":7,"op":"set_advocate","advocate":true})", kBad, R"("user" is required)"},
        Case{R"({"id":7,"op":"set_advocate","user":"a:b","advocate":true})", kBad,
             R"("user" must be a valid user id)"},
        Case{R"({"id":7,"op":"set_advocate","user":"u"})", kBad,
             R"("advocate" is required (true, false or null))"},
        Case{R"({"id":7,"op":"set_advocate","user":"u","advocate":"true"})", kBad,
             R"("advocate" must be true, false or null)"},
        Case{R"({"id":7,"op":"set_advocate","user":"u","advocate":1})", kBad,
             R"("advocate" must be true, false or null)"},
        Case{R"({"id":7,"op":"set_advocate","user":"u","advocate":0})", kBad,
             R"("advocate" must be true, false or null)"},
        Case{R"({"id":7,"op":"set_advocate","user":"u","advocate":[]})", kBad,
             R"("advocate" must be true, false or null)"},
        Case{R"({"id":7,"op":"set_advocate","user":"u","advocate":{}})", kBad,
             R"("advocate" must be true, false or null)"}));

}  // namespace
}  // namespace parley::protocol
