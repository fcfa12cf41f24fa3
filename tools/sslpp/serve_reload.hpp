// sslpp serve's certificate reloading: the files behind each certificate it
// serves (--cert, each --sni), reloaded on SIGHUP or, with --reload, when
// they change on disk. A reload checks the new credential first
// (sslpp::ReloadableCredential) and swaps it in for new connections only;
// a bad one leaves the old in place. Each reload writes one JSON line.
//
// Nothing runs in a signal handler but a write to an eventfd: the event loop
// watches that descriptor and reloads on its own thread, between clients.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sslpp/sslpp.hpp>

#include "epoll.hpp"
#include "server_log.hpp"
#include "unique_fd.hpp"

namespace sslpp::cli {

/// ReloadTarget is one certificate serve may reload: its files and the
/// context that serves it (a shared handle).
struct ReloadTarget {
  /// sni is the --sni NAME, or empty for --cert.
  std::string sni;
  std::string certfile;
  std::string keyfile;  // empty: the key is in certfile
  Context context;
};

/// CredentialReloader reloads the targets' files into their contexts.
class CredentialReloader {
 public:
  /// throwaway is true when serve has no --cert (its certificate was made
  /// in memory): a reload then says so instead of reading files.
  CredentialReloader(std::vector<ReloadTarget> targets, std::optional<std::string> password, bool throwaway);

  /// reload_all reloads every target (SIGHUP), one event line each.
  void reload_all(const ServerLog& log);
  /// reload_changed reloads the targets whose files changed (a new inode,
  /// size or modification time) since they were last loaded or tried.
  void reload_changed(const ServerLog& log);
  /// files are the certificate and key files of every target.
  [[nodiscard]] std::vector<std::string> files() const;

 private:
  struct Entry {
    ReloadTarget target;
    // Made at the first reload that passes: until then the context serves
    // what serve loaded at start (unchecked beyond the key's match, so a
    // test certificate that is expired on purpose can still be served).
    std::optional<ReloadableCredential> slot;
    std::vector<struct ::stat> seen;  // the files as last loaded or tried
  };
  void reload(Entry& entry, const ServerLog& log);

  std::vector<Entry> entries_;
  std::optional<std::string> password_;
  bool throwaway_;
};

/// reload_event is the JSON line of a reload that passed: the new leaf's
/// subject, notAfter and SHA-256 fingerprint.
std::string reload_event(const std::string& sni, const Certificate& leaf);
/// reload_failure_event is the line of one that did not.
std::string reload_failure_event(const std::string& sni, const ErrorReport& report);

/// ReloadSignal makes SIGHUP wake the descriptor fd() while it lives
/// (unless SIGHUP was ignored when serve started, as under nohup). The
/// loop watches fd() and calls take() before reloading.
class ReloadSignal {
 public:
  ReloadSignal();
  ReloadSignal(const ReloadSignal&) = delete;
  ReloadSignal& operator=(const ReloadSignal&) = delete;
  /// The destructor puts the previous handler back.
  ~ReloadSignal();
  [[nodiscard]] int fd() const noexcept { return waker_.fd(); }
  /// take consumes the signals received (several count as one reload).
  void take() noexcept { waker_.clear(); }

 private:
  Waker waker_;
  bool installed_ = false;
};

/// FileWatch is --reload: inotify on the directories of the files (so a
/// file replaced by a rename, as editors, certbot and Kubernetes do, is
/// seen), and a timer that lets a burst of changes settle: the certificate
/// and the key are seldom replaced at the same instant. The loop watches
/// both descriptors: on_event() for inotify_fd(), on_settled() for
/// timer_fd(), which returns true when the files should be looked at.
class FileWatch {
 public:
  /// FileWatch watches the directories of `files`. Throws OSError when one
  /// cannot be watched.
  explicit FileWatch(const std::vector<std::string>& files);
  [[nodiscard]] int inotify_fd() const noexcept { return inotify_.get(); }
  [[nodiscard]] int timer_fd() const noexcept { return timer_.get(); }
  /// on_event drains inotify and (re)arms the settle timer.
  void on_event();
  /// on_settled drains the timer; true: reload what changed.
  bool on_settled() noexcept;

 private:
  UniqueFd inotify_;
  UniqueFd timer_;
};

}  // namespace sslpp::cli
