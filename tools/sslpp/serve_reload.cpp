#include "serve_reload.hpp"

#include <sys/inotify.h>
#include <sys/timerfd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <filesystem>

namespace sslpp::cli {

namespace {

// How long the files must stay quiet before --reload reads them: long
// enough for the key to follow the certificate (certbot writes both within
// milliseconds), short enough that a client sees the new one at once.
constexpr std::chrono::milliseconds kSettle{200};

std::atomic<Waker*> g_reload_waker{nullptr};
static_assert(std::atomic<Waker*>::is_always_lock_free, "read in a signal handler");
struct sigaction g_previous_hup{};

void on_hup(int) {
  const int saved = errno;
  if (Waker* waker = g_reload_waker.load()) {
    waker->wake();  // a write(2) to an eventfd: async-signal-safe
  }
  errno = saved;
}

[[noreturn]] void throw_errno(const char* what) {
  throw_error(os_error_info(errno, what));
}

std::string utc_text(std::chrono::sys_seconds t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

JsonObject reload_head(const std::string& sni, bool ok) {
  JsonObject o;
  o.string("event", "reload").boolean("ok", ok);
  if (sni.empty()) {
    o.raw("sni", "null");
  } else {
    o.string("sni", sni);
  }
  return o;
}

// identity is what tells a replaced or rewritten file from the one loaded:
// a rename brings a new inode, a rewrite a new size or modification time.
// A file that cannot be stat'ed reads as all zeros.
struct ::stat identity(const std::string& file) {
  struct ::stat st{};
  if (::stat(file.c_str(), &st) != 0) {
    st = {};
  }
  return st;
}

bool same_file(const struct ::stat& a, const struct ::stat& b) noexcept {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

std::vector<struct ::stat> identities(const ReloadTarget& t) {
  std::vector<struct ::stat> out{identity(t.certfile)};
  if (!t.keyfile.empty()) {
    out.push_back(identity(t.keyfile));
  }
  return out;
}

}  // namespace

std::string reload_event(const std::string& sni, const Certificate& leaf) {
  return reload_head(sni, true)
      .string("subject", leaf.subject_name())
      .string("not_after", utc_text(leaf.not_after()))
      .string("sha256", leaf.sha256_fingerprint())
      .str();
}

std::string reload_failure_event(const std::string& sni, const ErrorReport& report) {
  return reload_head(sni, false)
      .string("class", report.class_name)
      .optional_string("reason", report.reason)
      .string("message", report.message)
      .str();
}

CredentialReloader::CredentialReloader(std::vector<ReloadTarget> targets, std::optional<std::string> password,
                                       bool throwaway)
    : password_(std::move(password)), throwaway_(throwaway) {
  for (ReloadTarget& t : targets) {
    std::vector<struct ::stat> seen = identities(t);
    entries_.push_back(Entry{std::move(t), std::nullopt, std::move(seen)});
  }
}

void CredentialReloader::reload_all(const ServerLog& log) {
  if (throwaway_) {
    ErrorReport skipped;
    skipped.class_name = "NothingToReload";
    skipped.message = "serve has no --cert: its throwaway certificate is made in memory, not read from a file";
    skipped.reason = "THROWAWAY";
    log.report_event(reload_failure_event("", skipped));
  }
  for (Entry& e : entries_) {
    reload(e, log);
  }
}

void CredentialReloader::reload_changed(const ServerLog& log) {
  for (Entry& e : entries_) {
    const std::vector<struct ::stat> now = identities(e.target);
    if (!std::equal(now.begin(), now.end(), e.seen.begin(), e.seen.end(), same_file)) {
      reload(e, log);
    }
  }
}

std::vector<std::string> CredentialReloader::files() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) {
    out.push_back(e.target.certfile);
    if (!e.target.keyfile.empty()) {
      out.push_back(e.target.keyfile);
    }
  }
  return out;
}

void CredentialReloader::reload(Entry& e, const ServerLog& log) {
  // Remembered before reading, so a change made during the read is seen
  // by the next look.
  e.seen = identities(e.target);
  try {
    ServerCredential candidate = ServerCredential::load(e.target.certfile, e.target.keyfile, password_);
    const Certificate leaf = candidate.certificate;
    if (e.slot) {
      e.slot->replace(std::move(candidate));
    } else {
      // The loop is the only thread that makes connections from the
      // context, and it is here: attaching now is configuring it.
      ReloadableCredential slot(std::move(candidate));
      slot.attach(e.target.context);
      e.slot = std::move(slot);
    }
    log.report_event(reload_event(e.target.sni, leaf));
  } catch (...) {
    log.report_event(reload_failure_event(e.target.sni, describe_exception(std::current_exception())));
  }
}

ReloadSignal::ReloadSignal() {
  struct sigaction current{};
  if (::sigaction(SIGHUP, nullptr, &current) != 0 || current.sa_handler == SIG_IGN) {
    return;
  }
  g_reload_waker = &waker_;
  struct sigaction handler{};
  handler.sa_handler = on_hup;
  handler.sa_flags = SA_RESTART;  // a reload request interrupts nothing
  sigemptyset(&handler.sa_mask);
  installed_ = ::sigaction(SIGHUP, &handler, &g_previous_hup) == 0;
}

ReloadSignal::~ReloadSignal() {
  if (installed_) {
    ::sigaction(SIGHUP, &g_previous_hup, nullptr);
  }
  g_reload_waker = nullptr;
}

FileWatch::FileWatch(const std::vector<std::string>& files)
    : inotify_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)),
      timer_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  if (inotify_.get() < 0) {
    throw_errno("inotify_init1");
  }
  if (timer_.get() < 0) {
    throw_errno("timerfd_create");
  }
  // The directories, not the files: a file replaced by a rename is a new
  // inode, which a watch on the old one would never report.
  std::vector<std::string> dirs;
  for (const std::string& f : files) {
    std::string dir = std::filesystem::path(f).parent_path().string();
    dirs.push_back(dir.empty() ? "." : dir);
  }
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  for (const std::string& dir : dirs) {
    if (::inotify_add_watch(inotify_.get(), dir.c_str(),
                            IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB) < 0) {
      throw_error(os_error_info(errno, "--reload: cannot watch '" + dir + "'"));
    }
  }
}

void FileWatch::on_event() {
  // What changed does not matter: the files' identities tell, once settled.
  alignas(inotify_event) std::array<char, 4096> buf{};
  while (::read(inotify_.get(), buf.data(), buf.size()) > 0) {
  }
  itimerspec settle{};
  settle.it_value.tv_sec = 0;
  settle.it_value.tv_nsec = std::chrono::nanoseconds(kSettle).count();
  if (::timerfd_settime(timer_.get(), 0, &settle, nullptr) != 0) {
    throw_errno("timerfd_settime");
  }
}

bool FileWatch::on_settled() noexcept {
  std::uint64_t expirations = 0;
  return ::read(timer_.get(), &expirations, sizeof expirations) == static_cast<ssize_t>(sizeof expirations);
}

}  // namespace sslpp::cli
