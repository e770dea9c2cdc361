// `parleyd backup` and `parleyd restore` (DESIGN §12): the command-line side of backups.
// Each returns the process's exit status and prints what it did or why it failed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parley/ops/backups.hpp"

namespace parley::server {

// POSTs /api/admin/backup to a running server at `url` (http://HOST:PORT; a TLS server's
// plain_listen for local tools) with an admin `token`. 0 = the backup was made (its JSON is
// printed), 1 = the server said no or could not be reached, 2 = bad arguments.
int backup_command(const std::string& url, const std::string& token, const std::string& name,
                   bool with_secret);

// Restores backup `id` (0: the newest) of `from` into `data_dir` (server stopped). Refuses a
// data dir that is not empty unless `force` (which deletes its database and search index).
// `with_secret`: also the JWT secret saved with the backup. 0 = restored, 1 = failed, 2 = bad
// arguments or a non-empty data dir.
int restore_command(const std::string& from, std::uint32_t id, const std::string& data_dir,
                    bool force, bool with_secret);

// `parleyd cluster status` (docs/CLUSTER.md): reads the members of the cluster whose
// [cluster] nats_url is in `config_file` (or `nats_url`, when given) and prints one line per
// live node and a count, or the status JSON with `json`. Registers nothing. 0 = printed,
// 1 = NATS or the bucket could not be read, 2 = bad arguments or configuration.
int cluster_status_command(const std::string& config_file, const std::string& nats_url, bool json);

}  // namespace parley::server
