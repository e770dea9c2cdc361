// Cluster membership on a real nats-server (DESIGN §8, docs/CLUSTER.md): parleyd nodes register
// in JetStream's key-value bucket with a heartbeat, GET /api/cluster and `parleyd cluster
// status` list them, a node that stops or dies drops out, a node_id is held by one live
// process, and a node whose NATS is down serves alone and joins when it comes.
//
// Each test starts its own nats-server (-js, a temp store) on a free loopback port and stops it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

// A free loopback port (bound, read, released: a tiny race, as for any test server).
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Debian's nats-server with JetStream, on loopback, its store in a temp dir.
class NatsServer {
 public:
  explicit NatsServer(std::uint16_t port = 0) : port_(port != 0 ? port : free_port()) {}
  ~NatsServer() { stop(); }

  bool start() {
    const std::string store = dir_.path + "/js";
    const std::string log = dir_.path + "/nats.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::freopen(log.c_str(), "a", stdout);
      ::freopen(log.c_str(), "a", stderr);
      const std::string p = std::to_string(port_);
      ::execlp("nats-server", "nats-server", "-a", "127.0.0.1", "-p", p.c_str(), "-js", "-sd",
               store.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // up to 10 s
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      int fd = connect_loopback(port_);
      if (fd >= 0) {
        ::close(fd);
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_;
  TempDir dir_;
  pid_t pid_ = -1;
};

// A parleyd node of the cluster at `nats_url`.
struct Node {
  Node(const std::string& nats_url, const std::string& id, std::int64_t heartbeat_ms = 200) {
    config = fast_config(dir.path,
                         "[cluster]\nnats_url = \"" + nats_url + "\"\nnode_id = \"" + id +
                             "\"\nadvertise = \"http://" + id +
                             ".test:8080\"\nheartbeat_ms = " + std::to_string(heartbeat_ms) + "\n");
    server.emplace(dir.path, std::vector<std::string>{"--config", config});
  }
  TempDir dir;
  std::string config;
  std::optional<ServerProcess> server;
};

json::object cluster_of(ServerProcess& s) {
  auto r = http(s.port(), "GET", "/api/cluster", "", s.token("root", "admin"));
  EXPECT_EQ(r.status, 200) << r.body;
  auto v = json::parse(r.body);
  return v.as_object();
}

std::set<std::string> node_ids(const json::object& c) {
  std::set<std::string> out;
  for (const auto& n : c.at("nodes").as_array()) out.insert(str(n.as_object().at("node_id")));
  return out;
}

// Polls GET /api/cluster on `s` until the live members are `want` (bounded: 15 s).
json::object wait_members(ServerProcess& s, const std::set<std::string>& want) {
  json::object c;
  for (int i = 0; i < 150; ++i) {
    c = cluster_of(s);
    if (node_ids(c) == want) return c;
    std::this_thread::sleep_for(100ms);
  }
  ADD_FAILURE() << "members never became what was expected; last answer: " << json::serialize(c);
  return c;
}

TEST(Cluster, NodesSeeEachOtherAndOneThatStopsOrDiesDropsOut) {
  NatsServer nats;
  ASSERT_TRUE(nats.start());
  Node n1(nats.url(), "n1"), n2(nats.url(), "n2"), n3(nats.url(), "n3");
  ASSERT_TRUE(n1.server->start()) << n1.server->log();
  ASSERT_TRUE(n2.server->start()) << n2.server->log();
  ASSERT_TRUE(n3.server->start()) << n3.server->log();

  auto c = wait_members(*n1.server, {"n1", "n2", "n3"});
  EXPECT_EQ(c.at("cluster"), true);
  EXPECT_EQ(str(c.at("node_id")), "n1");
  EXPECT_EQ(str(c.at("nats")), "connected");
  EXPECT_EQ(c.at("registered"), true);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (const auto& v : c.at("nodes").as_array()) {
    const auto& n = v.as_object();
    const auto id = str(n.at("node_id"));
    EXPECT_EQ(n.at("self"), id == "n1");
    EXPECT_EQ(str(n.at("advertise")), "http://" + id + ".test:8080");
    EXPECT_LE(std::abs(num(n.at("seen")) - now), 60'000) << id;
    EXPECT_LE(std::abs(num(n.at("started")) - now), 60'000) << id;
  }
  // Every node sees the same members.
  wait_members(*n3.server, {"n1", "n2", "n3"});

  // A graceful stop leaves at once (its key is deleted, well before the 600 ms TTL matters).
  EXPECT_EQ(n2.server->terminate(), 0);
  wait_members(*n3.server, {"n1", "n3"});

  // kill -9: the key is not deleted; it expires after 3 heartbeats.
  n3.server->kill9();
  wait_members(*n1.server, {"n1"});

  // The same node comes back (same node_id, same data): it registers again.
  ASSERT_TRUE(n3.server->start()) << n3.server->log();
  wait_members(*n1.server, {"n1", "n3"});
}

TEST(Cluster, ANodeIdHeldByALiveNodeIsRefused) {
  NatsServer nats;
  ASSERT_TRUE(nats.start());
  Node n1(nats.url(), "n1"), twin(nats.url(), "n1");
  ASSERT_TRUE(n1.server->start()) << n1.server->log();
  EXPECT_FALSE(twin.server->start()) << "a second live n1 was accepted";
  EXPECT_NE(twin.server->log().find("node_id n1 is in use by a live node"), std::string::npos)
      << twin.server->log();
  auto c = wait_members(*n1.server, {"n1"});
  EXPECT_EQ(c.at("registered"), true);
}

TEST(Cluster, ANodeWithAnotherHeartbeatIsRefused) {
  NatsServer nats;
  ASSERT_TRUE(nats.start());
  Node n1(nats.url(), "n1", 200), n2(nats.url(), "n2", 300);
  ASSERT_TRUE(n1.server->start()) << n1.server->log();
  EXPECT_FALSE(n2.server->start()) << "a node with another heartbeat was accepted";
  EXPECT_NE(n2.server->log().find("heartbeat_ms must be the same on every node: the cluster's "
                                  "is 200, this node's 300"),
            std::string::npos)
      << n2.server->log();
}

TEST(Cluster, ANodeKilledAndRestartedAtOnceTakesItsIdBack) {
  NatsServer nats;
  ASSERT_TRUE(nats.start());
  // A long heartbeat, so that the dead process's key is still there when the new one starts.
  Node n1(nats.url(), "n1", 2000), n2(nats.url(), "n2", 2000);
  ASSERT_TRUE(n1.server->start()) << n1.server->log();
  ASSERT_TRUE(n2.server->start()) << n2.server->log();
  wait_members(*n2.server, {"n1", "n2"});
  n1.server->kill9();
  ASSERT_TRUE(n1.server->start()) << n1.server->log();  // waits 2 heartbeats, then takes over
  EXPECT_NE(n1.server->log().find("took_over=true"), std::string::npos) << n1.server->log();
  auto c = wait_members(*n1.server, {"n1", "n2"});
  EXPECT_EQ(c.at("registered"), true);
}

TEST(Cluster, WithNatsDownANodeServesAloneAndJoinsWhenNatsComes) {
  const auto port = free_port();
  Node n1("nats://127.0.0.1:" + std::to_string(port), "n1");
  ASSERT_TRUE(n1.server->start()) << n1.server->log();
  auto c = cluster_of(*n1.server);
  EXPECT_EQ(str(c.at("nats")), "disconnected");
  EXPECT_EQ(c.at("registered"), false);
  EXPECT_TRUE(c.at("nodes").as_array().empty());
  EXPECT_FALSE(str(c.at("error")).empty());

  // Chat works meanwhile: the node serves its own clients.
  Client client(n1.server->port());
  ASSERT_TRUE(client.auth(n1.server->token("ann", "customer", "Ann")));
  expect_ok(client, {{"op", "join"}, {"channel", "general"}});
  EXPECT_EQ(send_text(client, "general", "hello while alone"), 1);

  NatsServer nats(port);
  ASSERT_TRUE(nats.start());
  c = wait_members(*n1.server, {"n1"});
  EXPECT_EQ(str(c.at("nats")), "connected");
  EXPECT_EQ(c.at("registered"), true);
}

TEST(Cluster, StatusCommandListsTheMembers) {
  NatsServer nats;
  ASSERT_TRUE(nats.start());
  Node n1(nats.url(), "n1"), n2(nats.url(), "n2");
  ASSERT_TRUE(n1.server->start()) << n1.server->log();
  ASSERT_TRUE(n2.server->start()) << n2.server->log();
  wait_members(*n1.server, {"n1", "n2"});

  const std::string bin = std::string(PARLEY_BIN_DIR) + "/parleyd";
  auto r = run_command(bin + " cluster status --config " + n1.config);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("n1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("http://n2.test:8080"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2 nodes"), std::string::npos) << r.output;

  r = run_command(bin + " cluster status --json --config " + n1.config);
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = json::parse(r.output).as_object();
  EXPECT_EQ(node_ids(j), (std::set<std::string>{"n1", "n2"}));

  nats.stop();
  r = run_command(bin + " cluster status --config " + n1.config);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("cannot connect to NATS"), std::string::npos) << r.output;
}

TEST(Cluster, TheEndpointIsForAdminsAndSaysWhenThereIsNoCluster) {
  TempDir dir;
  ServerProcess s(dir.path);
  ASSERT_TRUE(s.start());
  auto r = http(s.port(), "GET", "/api/cluster", "", s.token("root", "admin"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto c = json::parse(r.body).as_object();
  EXPECT_EQ(c.at("cluster"), false);
  EXPECT_EQ(http(s.port(), "GET", "/api/cluster", "", s.token("mod", "staff")).status, 403);
  EXPECT_EQ(http(s.port(), "GET", "/api/cluster").status, 401);
  EXPECT_EQ(http(s.port(), "POST", "/api/cluster", "{}", s.token("root", "admin")).status, 405);
}

}  // namespace
}  // namespace parley::test
