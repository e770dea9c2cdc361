// Core: what every operation and service in ops works with, handed to each at construction by
// the process (server/app/src/app.cpp). Services name any other service they use as a
// constructor parameter of their own, so a class's constructor lists everything it depends on.
//
// Thread-safety: each member says its own; the references live as long as the process's App.
#pragma once

#include "parley/fanout/router.hpp"
#include "parley/ops/config.hpp"
#include "parley/ops/metrics.hpp"
#include "parley/ops/moderation.hpp"
#include "parley/ops/readers.hpp"
#include "parley/ops/users.hpp"
#include "parley/ops/writes.hpp"
#include "parley/storage/store.hpp"

namespace parley::server {

struct Core {
  const Config& cfg;
  // Reads only: every write goes through `writes`.
  storage::Store& store;
  Writes& writes;
  // Blocking reads run here.
  Readers& readers;
  // Reaches every recipient of an event (LocalRouter on one node).
  Router& router;
  Metrics& metrics;
  // Mutes, bans, kicks, members, roles: the state every check reads (kept by Writes' effects).
  Moderation& moderation;
  // Who is connected and who has been seen.
  Users& users;
};

}  // namespace parley::server
