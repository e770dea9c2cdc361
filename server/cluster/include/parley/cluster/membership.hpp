// Membership: the nodes of a Parley cluster (DESIGN §8, docs/CLUSTER.md), kept in a JetStream
// key-value bucket of the cluster's nats-server.
//
// Each node holds one key of the bucket `parley_nodes`, named by its node_id, whose value says
// how to reach it (advertise), when it started and which process holds the id (a random
// instance). It rewrites the key every heartbeat_ms, with compare-and-set on the revision it
// last wrote. The bucket keeps a value for 3 heartbeats (its TTL), so a node that died
// (kill -9, a partition) drops out of the list within 3 heartbeats; a node that stops
// gracefully deletes its key at once. The live members are the keys present.
//
// A node_id is held by one process at a time: a node whose id is present with another instance
// watches that key for 2 heartbeats; if nobody rewrote it (the previous process of the same
// node died), it takes the key over, else the id belongs to a live node and start() refuses
// (or, when NATS came back later, the node logs `event=cluster_node_id_in_use` and keeps
// watching).
//
// NATS down: start() succeeds (the node serves alone); the connection retries in the
// background, and the node registers once NATS is back. status() then says so.
//
// Thread-safety: every method from any thread; status() and read() block on NATS round trips
// (bounded by 2 s timeouts): call them off I/O threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace parley::cluster {

struct Options {
  // nats://host:port of the cluster's nats-server (JetStream on). Required.
  std::string nats_url;
  // This node's name in the cluster: 1-64 of A-Z a-z 0-9 - _. Required.
  std::string node_id;
  // How other nodes and operators reach this node (e.g. http://10.0.0.5:8080); shown in the
  // status. May be empty.
  std::string advertise;
  // parleyd's version, shown in the status.
  std::string version;
  // Milliseconds between two heartbeats; the bucket's TTL is 3 of them. Every node of a cluster
  // must use the same (start() refuses a bucket made with another TTL). 100-60000.
  std::int64_t heartbeat_ms = 1000;
};

// One live member.
struct Node {
  std::string node_id;
  std::string advertise;
  std::string version;
  std::int64_t started_ms = 0;  // when its process registered (Unix ms, by its own clock)
  std::int64_t seen_ms = 0;     // its last heartbeat (Unix ms, by the nats-server's clock)
};

struct Status {
  bool connected = false;   // to nats-server, now
  bool registered = false;  // this node holds its key (always false for read())
  std::string error;        // why not, when either is false ("" otherwise)
  std::vector<Node> nodes;  // the live members, by node_id (empty when not connected)
};

// Whether `id` is a valid node_id.
bool valid_node_id(const std::string& id);

class Membership {
 public:
  // Connects and registers (see the top). nullptr with *error when the options are invalid, or
  // when nats-server answered and a live node holds the node_id, or the bucket's TTL is not
  // 3 * heartbeat_ms.
  static std::unique_ptr<Membership> start(const Options& options, std::string* error);
  // Leaves: the heartbeat stops, the key is deleted (when held), the connection closes.
  ~Membership();
  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;

  const Options& options() const;
  Status status();

  // The members as `parleyd cluster status` sees them: connects to `nats_url` (once, no
  // retry), reads the bucket, disconnects. Registers nothing.
  static Status read(const std::string& nats_url);

  struct Impl;

 private:
  explicit Membership(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Status as a JSON object:
// {"cluster":true,"node_id","nats":"connected"|"disconnected","registered",
// "error"?,"nodes":[{"node_id","advertise","version","started","seen","self"}]} (times in Unix
// ms). `self` is this node's id ("" for none).
std::string status_json(const Status& s, const std::string& self);

}  // namespace parley::cluster
