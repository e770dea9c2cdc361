// GET and POST /unsubscribe (email.hpp; protocol/PROTOCOL.md §9.10): the one-click
// unsubscribe of notification mails.
#include "parley/ops/core.hpp"
#include "parley/ops/email.hpp"
#include "parley/search/snippet.hpp"

namespace parley::server {

namespace {

std::string html_page(const std::string& title, const std::string& body_html) {
  std::string out =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>";
  search::append_html_escaped(out, title);
  out +=
      "</title></head><body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto\"><h1>";
  search::append_html_escaped(out, title);
  out += "</h1>" + body_html + "</body></html>";
  return out;
}

}  // namespace

void EmailService::http_unsubscribe(const HttpRequest& req, Respond respond) {
  const bool is_get = req.method == "GET" || req.method == "HEAD";
  if (!is_get && req.method != "POST")
    return respond(json_error(405, "bad_request", "use GET or POST"));
  const std::string token = query_param(req.target, "token");
  auto user = mail::verify_unsubscribe_token(secret_, token);
  if (!user) return respond(json_error(400, "bad_request", "invalid unsubscribe token"));
  HttpResponse page;
  page.content_type = "text/html; charset=utf-8";
  page.headers.emplace_back("Cache-Control", "no-store");
  page.headers.emplace_back("Referrer-Policy", "no-referrer");
  const std::string site = core_.cfg.knowledge.title;
  if (is_get) {
    // A GET changes nothing (mail scanners follow links): the page asks for the POST.
    std::string html = "<p>Stop email notifications from ";
    search::append_html_escaped(html, site);
    html +=
        "? You can turn them on again in the chat's settings.</p><form method=\"post\" "
        "action=\"/unsubscribe?token=";
    search::append_html_escaped(html, token);
    html +=
        "\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
        "<button type=\"submit\">Unsubscribe</button></form>";
    page.body = html_page("Unsubscribe", html);
    return respond(std::move(page));
  }
  core_.readers.post([this, user = *user, page = std::move(page),
                      respond = std::move(respond)]() mutable {
    auto u = core_.store.get_user(user);
    if (!u) return respond(json_error(404, "not_found", "unknown user"));
    storage::WriteRequest w;
    w.op = storage::PutUser{*u, std::nullopt, storage::EmailPref::off};
    auto queued = core_.writes.submit(
        std::move(w),
        Completion::after_events([this, page, respond](storage::Committed& c) mutable {
          if (c.status != storage::WriteStatus::ok) {
            return respond(json_error(500, "internal", "storage failure; nothing was changed"));
          }
          unsubscribed_.fetch_add(1, std::memory_order_relaxed);
          page.body = html_page("Unsubscribed",
                                "<p>You will get no more email notifications. You can turn them on "
                                "again in the chat's settings.</p>");
          respond(std::move(page));
        }));
    if (!queued) respond(json_error(503, "rate_limited", "server busy; retry"));
  });
}

}  // namespace parley::server
