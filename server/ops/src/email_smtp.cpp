// EmailService::send (email.hpp): one mail over SMTP with libcurl's SMTP client and MIME
// builder, on the mailer thread.
#include <curl/curl.h>

#include "parley/ops/clock.hpp"
#include "parley/ops/core.hpp"
#include "parley/ops/email.hpp"

namespace parley::server {

namespace {

int on_progress(void* flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(flag)->load(std::memory_order_relaxed) ? 1 : 0;
}

}  // namespace

std::optional<std::string> EmailService::send(const std::string& to, const mail::Mail& m,
                                              const std::string& unsubscribe_url) {
  const auto& cfg = core_.cfg.email;
  const std::string from_addr = email_address_of(cfg.from).value_or("");
  std::string from_header = "<" + from_addr + ">";
  if (const auto lt = cfg.from.rfind('<'); cfg.from.ends_with('>') && lt != std::string::npos) {
    std::string name = cfg.from.substr(0, lt);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    const std::string words = mail::header_words(name);
    from_header = (words == name ? "\"" + name + "\"" : words) + " <" + from_addr + ">";
  }
  const std::string message_id =
      "<parley." + random_hex(12) + from_addr.substr(from_addr.rfind('@')) + ">";

  CURL* curl = curl_easy_init();
  if (!curl) return "curl_easy_init failed";
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + to + ">").c_str());
  curl_slist* headers = nullptr;
  for (const std::string& h :
       {"Date: " + mail::rfc5322_date(now_ms()), "From: " + from_header, "To: <" + to + ">",
        "Subject: " + mail::header_words(m.subject), "Message-ID: " + message_id,
        "List-Unsubscribe: <" + unsubscribe_url + ">",
        std::string("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        std::string("Auto-Submitted: auto-generated")}) {
    headers = curl_slist_append(headers, h.c_str());
  }
  // multipart/alternative: the text part first, the HTML part last (the preferred one).
  curl_mime* mime = curl_mime_init(curl);
  curl_mime* alt = curl_mime_init(curl);
  curl_mimepart* part = curl_mime_addpart(alt);
  curl_mime_data(part, m.text.data(), m.text.size());
  curl_mime_type(part, "text/plain; charset=utf-8");
  curl_mime_encoder(part, "quoted-printable");
  part = curl_mime_addpart(alt);
  curl_mime_data(part, m.html.data(), m.html.size());
  curl_mime_type(part, "text/html; charset=utf-8");
  curl_mime_encoder(part, "quoted-printable");
  part = curl_mime_addpart(mime);
  curl_mime_subparts(part, alt);
  curl_mime_type(part, "multipart/alternative");
  curl_slist* inline_header = curl_slist_append(nullptr, "Content-Disposition: inline");
  curl_mime_headers(part, inline_header, 1);

  curl_easy_setopt(curl, CURLOPT_URL, cfg.smtp_url.c_str());
  curl_easy_setopt(
      curl, CURLOPT_USE_SSL,
      cfg.require_tls || cfg.smtp_url.starts_with("smtps://") ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  if (!cfg.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, cfg.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, ("<" + from_addr + ">").c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(cfg.timeout_s));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &stop_flag_);
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(curl);
  curl_mime_free(mime);
  curl_slist_free_all(headers);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc == CURLE_OK) return std::nullopt;
  return std::string(curl_easy_strerror(rc)) + (error[0] ? std::string(": ") + error : "");
}

}  // namespace parley::server
