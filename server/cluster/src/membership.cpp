#include "parley/cluster/membership.hpp"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

namespace parley::cluster {

namespace {

namespace json = boost::json;

constexpr const char* kBucket = "parley_nodes";
// Every NATS round trip (connect, JetStream API, key-value reads) gives up after this.
constexpr int kTimeoutMs = 2000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the NATS library says of a failed call: its status and, when it kept one, the error
// text of this thread's last failure.
std::string why(natsStatus s) {
  std::string out = natsStatus_GetText(s);
  natsStatus last = NATS_OK;
  const char* text = nats_GetLastError(&last);
  if (text != nullptr && *text != '\0' && out.find(text) == std::string::npos) {
    out += ": ";
    out += text;
  }
  return out;
}

std::string random_instance() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) out.push_back(kHex[rd() & 15]);
  return out;
}

// One connection with its JetStream context and the bucket (each may be null).
struct Conn {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  kvStore* kv = nullptr;

  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() {
    if (kv != nullptr) kvStore_Destroy(kv);
    if (js != nullptr) jsCtx_Destroy(js);
    if (nc != nullptr) natsConnection_Destroy(nc);
  }

  bool connected() const {
    return nc != nullptr && natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED;
  }
};

// Connects to `url`. With `on_connected` (and `closure`), a server that is down is retried in
// the background, every 250 ms, and `on_connected` runs on a NATS thread once it answers
// (NATS_NOT_YET_CONNECTED counts as success); a lost connection is re-established. Without it,
// one attempt.
natsStatus connect(const std::string& url, const std::string& name,
                   natsConnectionHandler on_connected, void* closure, natsConnection** nc) {
  const bool keep_trying = on_connected != nullptr;
  natsOptions* o = nullptr;
  natsStatus s = natsOptions_Create(&o);
  if (s == NATS_OK) s = natsOptions_SetURL(o, url.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(o, name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(o, kTimeoutMs);
  if (s == NATS_OK) s = natsOptions_SetAllowReconnect(o, keep_trying);
  if (s == NATS_OK && keep_trying) s = natsOptions_SetMaxReconnect(o, -1);
  if (s == NATS_OK && keep_trying) s = natsOptions_SetReconnectWait(o, 250);
  if (s == NATS_OK && keep_trying) {
    // With a callback the connect does not block (without one it would retry forever).
    s = natsOptions_SetRetryOnFailedConnect(o, true, on_connected, closure);
  }
  if (s == NATS_OK) {
    s = natsConnection_Connect(nc, o);
    if (s == NATS_NOT_YET_CONNECTED) s = NATS_OK;
  }
  natsOptions_Destroy(o);
  return s;
}

// Binds c.kv to the bucket; with `ttl_ms` > 0 creates it when missing and checks its TTL.
bool open_bucket(Conn& c, std::int64_t ttl_ms, std::string* error) {
  natsStatus s = NATS_OK;
  if (c.js == nullptr) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = kTimeoutMs;
    s = natsConnection_JetStream(&c.js, c.nc, &jo);
    if (s != NATS_OK) {
      *error = "JetStream: " + why(s);
      return false;
    }
  }
  s = js_KeyValue(&c.kv, c.js, kBucket);
  if (s == NATS_NOT_FOUND && ttl_ms > 0) {
    kvConfig cfg;
    kvConfig_Init(&cfg);
    cfg.Bucket = kBucket;
    cfg.Description = "Parley cluster members (docs/CLUSTER.md)";
    cfg.History = 1;
    cfg.TTL = ttl_ms * 1'000'000;  // nanoseconds
    s = js_CreateKeyValue(&c.kv, c.js, &cfg);
  }
  if (s == NATS_NOT_FOUND) {
    *error = std::string("no cluster member has registered yet (no bucket ") + kBucket + ")";
    return false;
  }
  if (s != NATS_OK) {
    *error = std::string("the bucket ") + kBucket + ": " + why(s) +
             " (is JetStream on? nats-server -js)";
    c.kv = nullptr;
    return false;
  }
  if (ttl_ms > 0) {
    kvStatus* st = nullptr;
    s = kvStore_Status(&st, c.kv);
    const std::int64_t ttl = s == NATS_OK ? kvStatus_TTL(st) / 1'000'000 : -1;
    if (st != nullptr) kvStatus_Destroy(st);
    if (s != NATS_OK || ttl != ttl_ms) {
      *error = s != NATS_OK
                   ? std::string("the bucket ") + kBucket + ": " + why(s)
                   : "[cluster] heartbeat_ms must be the same on every node: the "
                     "cluster's is " +
                         std::to_string(ttl / 3) + ", this node's " + std::to_string(ttl_ms / 3);
      kvStore_Destroy(c.kv);
      c.kv = nullptr;
      return false;
    }
  }
  return true;
}

std::string value_json(const Options& o, const std::string& instance, std::int64_t started) {
  json::object v;
  v["node_id"] = o.node_id;
  v["advertise"] = o.advertise;
  v["version"] = o.version;
  v["started"] = started;
  v["instance"] = instance;
  return json::serialize(v);
}

// The instance named by a stored value ("" when it is not one of ours).
std::string instance_of(kvEntry* e) {
  boost::system::error_code ec;
  auto v = json::parse(
      std::string_view(static_cast<const char*>(kvEntry_Value(e)), kvEntry_ValueLen(e)), ec);
  if (ec || !v.is_object()) return {};
  const auto* i = v.as_object().if_contains("instance");
  return i != nullptr && i->is_string() ? std::string(i->as_string()) : std::string();
}

// The live members, by node_id.
bool list_nodes(kvStore* kv, std::vector<Node>* out, std::string* error) {
  kvWatchOptions wo;
  kvWatchOptions_Init(&wo);
  wo.Timeout = kTimeoutMs;
  kvKeysList keys{};
  natsStatus s = kvStore_Keys(&keys, kv, &wo);
  if (s == NATS_NOT_FOUND) return true;  // no key at all
  if (s != NATS_OK) {
    *error = "listing the members: " + why(s);
    return false;
  }
  for (int i = 0; i < keys.Count; ++i) {
    kvEntry* e = nullptr;
    if (kvStore_Get(&e, kv, keys.Keys[i]) != NATS_OK) continue;  // gone meanwhile
    Node n;
    n.node_id = keys.Keys[i];
    boost::system::error_code ec;
    auto v = json::parse(
        std::string_view(static_cast<const char*>(kvEntry_Value(e)), kvEntry_ValueLen(e)), ec);
    if (!ec && v.is_object()) {
      const auto& o = v.as_object();
      if (const auto* a = o.if_contains("advertise"); a != nullptr && a->is_string()) {
        n.advertise = a->as_string();
      }
      if (const auto* a = o.if_contains("version"); a != nullptr && a->is_string()) {
        n.version = a->as_string();
      }
      if (const auto* a = o.if_contains("started"); a != nullptr && a->is_int64()) {
        n.started_ms = a->as_int64();
      }
    }
    n.seen_ms = kvEntry_Created(e) / 1'000'000;
    kvEntry_Destroy(e);
    out->push_back(std::move(n));
  }
  kvKeysList_Destroy(&keys);
  std::sort(out->begin(), out->end(),
            [](const Node& a, const Node& b) { return a.node_id < b.node_id; });
  return true;
}

}  // namespace

bool valid_node_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

struct Membership::Impl {
  Options o;
  std::string instance = random_instance();
  std::int64_t started = now_ms();
  std::string value;
  Conn conn;
  // Set once by the worker (or start()) when the bucket is open; read by status().
  std::atomic<kvStore*> kv{nullptr};

  // What claim() found.
  enum class Claim { held, live_elsewhere, waiting, failed };

  std::mutex mu;  // guards what follows (never held across a NATS call)
  bool registered = false;
  std::uint64_t rev = 0;  // of our last write
  std::string error;
  bool stop = false;
  bool nudged = false;  // NATS (re)connected: beat now
  std::condition_variable cv;
  std::thread worker;

  // Watching a key held by another instance: its revision and since when it is unchanged.
  std::uint64_t watched_rev = 0;
  std::int64_t watched_since = 0;

  void set(bool reg, std::uint64_t r, std::string err) {
    std::lock_guard lock(mu);
    registered = reg;
    rev = r;
    error = std::move(err);
  }

  bool setup() {
    if (kv.load() != nullptr) return true;
    std::string err;
    if (!conn.connected()) {
      set(false, 0, "not connected to NATS at " + o.nats_url);
      return false;
    }
    if (!open_bucket(conn, 3 * o.heartbeat_ms, &err)) {
      set(false, 0, err);
      return false;
    }
    kv.store(conn.kv);
    return true;
  }

  // Takes the node's key: creates it, or finds it ours, or takes it over from a process of
  // the same node that stopped heartbeating (unchanged for 2 heartbeats).
  Claim claim() {
    kvStore* store = kv.load();
    std::uint64_t r = 0;
    natsStatus s = kvStore_CreateString(&r, store, o.node_id.c_str(), value.c_str());
    if (s == NATS_OK) {
      set(true, r, "");
      spdlog::info("event=cluster_registered node_id={} nats={}", o.node_id, o.nats_url);
      return Claim::held;
    }
    kvEntry* e = nullptr;
    s = kvStore_Get(&e, store, o.node_id.c_str());
    if (s != NATS_OK) {
      set(false, 0, "registering: " + why(s));
      return Claim::failed;
    }
    const std::uint64_t found = kvEntry_Revision(e);
    const bool ours = instance_of(e) == instance;
    kvEntry_Destroy(e);
    if (ours) {  // an earlier write of ours landed after all
      set(true, found, "");
      return Claim::held;
    }
    const std::int64_t now = now_ms();
    if (found != watched_rev) {
      const bool moved = watched_rev != 0;
      watched_rev = found;
      watched_since = now;
      if (moved) {
        set(false, 0, "node_id " + o.node_id + " is held by another live node");
        return Claim::live_elsewhere;
      }
      set(false, 0, "waiting for node_id " + o.node_id + " to be released");
      return Claim::waiting;
    }
    if (now - watched_since < 2 * o.heartbeat_ms) return Claim::waiting;
    s = kvStore_UpdateString(&r, store, o.node_id.c_str(), value.c_str(), found);
    if (s != NATS_OK) {
      set(false, 0, "taking over node_id " + o.node_id + ": " + why(s));
      return Claim::failed;
    }
    watched_rev = 0;
    set(true, r, "");
    spdlog::info("event=cluster_registered node_id={} nats={} took_over=true", o.node_id,
                 o.nats_url);
    return Claim::held;
  }

  // One heartbeat: the bucket opened, the key claimed or rewritten.
  Claim beat() {
    if (!setup()) return Claim::failed;
    std::uint64_t last = 0;
    {
      std::lock_guard lock(mu);
      if (registered) last = rev;
    }
    if (last != 0) {
      std::uint64_t r = 0;
      natsStatus s = kvStore_UpdateString(&r, kv.load(), o.node_id.c_str(), value.c_str(), last);
      if (s == NATS_OK) {
        set(true, r, "");
        return Claim::held;
      }
      // Our key expired (NATS was away for longer than the TTL) or was taken: claim it again.
      spdlog::warn("event=cluster_heartbeat_failed node_id={} error=\"{}\"", o.node_id, why(s));
      set(false, 0, "heartbeat: " + why(s));
    }
    return claim();
  }

  // NATS answered after start(): register without waiting for the next heartbeat.
  static void connected_cb(natsConnection*, void* closure) {
    auto* self = static_cast<Impl*>(closure);
    spdlog::info("event=cluster_nats_connected nats={}", self->o.nats_url);
    {
      std::lock_guard lock(self->mu);
      self->nudged = true;
    }
    self->cv.notify_all();
  }

  void run() {
    bool told = false;
    for (;;) {
      {
        std::unique_lock lock(mu);
        cv.wait_for(lock, std::chrono::milliseconds(o.heartbeat_ms),
                    [this] { return stop || nudged; });
        if (stop) return;
        nudged = false;
      }
      const Claim c = beat();
      if (c == Claim::live_elsewhere && !told) {
        spdlog::error("event=cluster_node_id_in_use node_id={}", o.node_id);
        told = true;
      }
      if (c == Claim::held) told = false;
    }
  }
};

Membership::Membership(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<Membership> Membership::start(const Options& options, std::string* error) {
  if (options.nats_url.empty()) {
    *error = "[cluster] nats_url is required";
    return nullptr;
  }
  if (!valid_node_id(options.node_id)) {
    *error = "[cluster] node_id must be 1-64 of A-Z a-z 0-9 - _, got \"" + options.node_id + "\"";
    return nullptr;
  }
  if (options.heartbeat_ms < 100 || options.heartbeat_ms > 60000) {
    *error = "[cluster] heartbeat_ms must be 100-60000";
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  impl->o = options;
  impl->value = value_json(options, impl->instance, impl->started);
  natsStatus s = connect(options.nats_url, "parleyd " + options.node_id, &Impl::connected_cb,
                         impl.get(), &impl->conn.nc);
  if (s != NATS_OK) {
    *error = "[cluster] nats_url " + options.nats_url + ": " + why(s);
    return nullptr;
  }
  if (impl->conn.connected()) {
    // NATS answers: register now, so that a node_id in use or a bucket of another heartbeat
    // stops the start (bounded: the 2 heartbeats a takeover waits, and a margin).
    const auto deadline = now_ms() + 3 * options.heartbeat_ms + 2 * kTimeoutMs;
    for (;;) {
      if (!impl->setup()) {
        std::lock_guard lock(impl->mu);
        if (impl->conn.connected()) {  // a refusal, not NATS going away
          *error = "[cluster] " + impl->error;
          return nullptr;
        }
        break;  // the worker retries
      }
      const auto c = impl->claim();
      if (c == Impl::Claim::held) break;
      if (c == Impl::Claim::live_elsewhere) {
        *error = "[cluster] node_id " + options.node_id +
                 " is in use by a live node; give this node another node_id";
        return nullptr;
      }
      if (now_ms() > deadline) {
        std::lock_guard lock(impl->mu);
        *error = "[cluster] could not register: " + impl->error;
        return nullptr;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(options.heartbeat_ms / 4));
    }
  } else {
    spdlog::warn("event=cluster_nats_unavailable nats={} retrying=true", options.nats_url);
  }
  impl->worker = std::thread([p = impl.get()] { p->run(); });
  return std::unique_ptr<Membership>(new Membership(std::move(impl)));
}

Membership::~Membership() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
  bool held = false;
  {
    std::lock_guard lock(impl_->mu);
    held = impl_->registered;
  }
  if (held && impl_->conn.connected()) {
    natsStatus s = kvStore_Delete(impl_->kv.load(), impl_->o.node_id.c_str());
    spdlog::info("event=cluster_left node_id={} deleted={}", impl_->o.node_id, s == NATS_OK);
  }
}

const Options& Membership::options() const { return impl_->o; }

Status Membership::status() {
  Status st;
  st.connected = impl_->conn.connected();
  {
    std::lock_guard lock(impl_->mu);
    st.registered = impl_->registered;
    st.error = impl_->error;
  }
  kvStore* kv = impl_->kv.load();
  if (!st.connected) {
    st.registered = false;
    st.error = "not connected to NATS at " + impl_->o.nats_url;
    return st;
  }
  if (kv == nullptr) return st;
  std::string err;
  if (!list_nodes(kv, &st.nodes, &err)) st.error = err;
  return st;
}

Status Membership::read(const std::string& nats_url) {
  Status st;
  Conn c;
  natsStatus s = connect(nats_url, "parleyd cluster status", nullptr, nullptr, &c.nc);
  if (s != NATS_OK) {
    st.error = "cannot connect to NATS at " + nats_url + ": " + why(s);
    return st;
  }
  st.connected = c.connected();
  std::string err;
  if (!open_bucket(c, 0, &err) || !list_nodes(c.kv, &st.nodes, &err)) st.error = err;
  return st;
}

std::string status_json(const Status& s, const std::string& self) {
  json::object o;
  o["cluster"] = true;
  o["node_id"] = self;
  o["nats"] = s.connected ? "connected" : "disconnected";
  o["registered"] = s.registered;
  if (!s.error.empty()) o["error"] = s.error;
  json::array nodes;
  for (const auto& n : s.nodes) {
    json::object j;
    j["node_id"] = n.node_id;
    j["advertise"] = n.advertise;
    j["version"] = n.version;
    j["started"] = n.started_ms;
    j["seen"] = n.seen_ms;
    j["self"] = n.node_id == self;
    nodes.push_back(std::move(j));
  }
  o["nodes"] = std::move(nodes);
  return json::serialize(o);
}

}  // namespace parley::cluster
