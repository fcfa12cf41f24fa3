/// \file
/// sslpp/asio.hpp: TLS for Asio. sslpp::asio::stream<NextLayer> is an
/// AsyncReadStream and AsyncWriteStream over any Asio stream (a TCP socket
/// first), with async_handshake, async_read_some, async_write_some and
/// async_shutdown for every completion token: callbacks, C++20 coroutines
/// (use_awaitable), futures, deferred.
///
/// It drives the same engine as Connection and SSLSocket: the stream owns a
/// Connection over memory buffers and moves its ciphertext with the next
/// layer's asynchronous calls, receiving straight into the connection's input
/// space and sending straight from its pending output (no copy of our own).
/// Context, verification, errors and introspection are the Connection's:
/// stream.connection().getpeercert(), version(), cipher(), ...
///
/// Standalone Asio (Debian's libasio-dev) by default. For Boost.Asio, define
/// SSLPP_ASIO_USE_BOOST before including this header: the stream then lives
/// on boost::asio and completes with boost::system::error_code.
///
///     sslpp::Context ctx = sslpp::create_default_context();
///     sslpp::asio::stream<asio::ip::tcp::socket> tls(co_await connect(...), ctx,
///                                                   {.server_hostname = "example.com"});
///     co_await tls.async_handshake(asio::use_awaitable);
///     co_await asio::async_write(tls, asio::buffer(request), asio::use_awaitable);
///
/// Concurrency, as with Asio's own SSL stream: at most one read-side
/// operation (async_read_some, async_handshake, async_shutdown) and one
/// async_write_some at a time, all on one implicit or explicit strand. A
/// read and a write may run at once (full duplex). The stream must not move
/// while an operation is pending.
///
/// Errors: the operation completes with the error_code the Connection's
/// status form gives (SSL errors in ssl_category(), verification failures in
/// verify_category(), a truncation == sslpp::errc::eof), the next layer's
/// own code when the transport fails (connection_reset, ...), asio's eof for
/// a read after the peer's close_notify, and operation_aborted when
/// cancelled.
///
/// Cancellation (per operation, through the completion token's cancellation
/// slot; Asio 1.19 / Boost 1.77 and later, where SSLPP_ASIO_HAS_CANCELLATION
/// is defined): async_read_some supports every type; it is cancelled only
/// while it waits for the peer, so no plaintext is lost and the stream stays usable.
/// async_write_some supports partial and terminal: the plaintext taken is
/// reported, and ciphertext not yet sent stays queued and goes out first on
/// the next write or shutdown, so the TLS stream is never left half-written.
/// async_handshake and async_shutdown support terminal cancellation: after
/// one, only close the stream.
#pragma once

#include <sslpp/connection.hpp>
#include <sslpp/context.hpp>
#include <sslpp/error.hpp>
#include <sslpp/export.hpp>
#include <sslpp/status.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <span>
#include <system_error>
#include <type_traits>
#include <utility>

#if defined(SSLPP_ASIO_USE_BOOST)
#include <boost/asio/version.hpp>
#if BOOST_ASIO_VERSION >= 101900
#include <boost/asio/cancellation_type.hpp>
/// SSLPP_ASIO_HAS_CANCELLATION is defined when the Asio in use has
/// per-operation cancellation (1.19 / Boost 1.77 and later).
#define SSLPP_ASIO_HAS_CANCELLATION 1
#endif
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#else
#include <asio/version.hpp>
#if ASIO_VERSION >= 101900
#include <asio/cancellation_type.hpp>
/// SSLPP_ASIO_HAS_CANCELLATION is defined when the Asio in use has
/// per-operation cancellation (1.19 / Boost 1.77 and later).
#define SSLPP_ASIO_HAS_CANCELLATION 1
#endif
#include <asio/async_result.hpp>
#include <asio/buffer.hpp>
#include <asio/compose.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#endif

namespace sslpp::asio {

#if defined(SSLPP_ASIO_USE_BOOST)
/// net is the Asio in use: Boost.Asio here.
namespace net = ::boost::asio;
/// error_code is what operations complete with: Boost's here.
using error_code = ::boost::system::error_code;
#else
/// net is the Asio in use: standalone Asio here.
namespace net = ::asio;
/// error_code is what operations complete with: std::error_code here.
using error_code = std::error_code;
#endif

/// handshake_type is asio::ssl's: which end of the handshake to play.
enum class handshake_type { client, server };

namespace detail {

#if defined(SSLPP_ASIO_USE_BOOST)
/// A Boost error category that answers for one std::error_category, so
/// sslpp's codes keep their value, name and message under Boost.Asio.
class boost_category_bridge final : public ::boost::system::error_category {
 public:
  explicit boost_category_bridge(const std::error_category& category) noexcept : category_(&category) {}
  const char* name() const noexcept override { return category_->name(); }
  std::string message(int value) const override { return category_->message(value); }

 private:
  const std::error_category* category_;
};

/// to_net turns the Connection's std::error_code into Boost's.
inline error_code to_net(const std::error_code& ec) {
  if (!ec) {
    return {};
  }
  if (ec.category() == std::system_category()) {
    return {ec.value(), ::boost::system::system_category()};
  }
  if (ec.category() == std::generic_category()) {
    return {ec.value(), ::boost::system::generic_category()};
  }
  static const boost_category_bridge ssl(ssl_category());
  static const boost_category_bridge verify(verify_category());
  static const boost_category_bridge io(io_category());
  static const boost_category_bridge sslpp_errc(sslpp_category());
  for (const boost_category_bridge* bridge : {&ssl, &verify, &io, &sslpp_errc}) {
    if (std::string_view(bridge->name()) == ec.category().name()) {
      return {ec.value(), *bridge};
    }
  }
  return {ec.value(), sslpp_errc};
}
#else
/// to_net is the identity for standalone Asio, which uses std::error_code.
inline const error_code& to_net(const std::error_code& ec) noexcept { return ec; }
#endif

/// kReceiveSize is how much ciphertext one receive asks for: a full TLS
/// record with its header and the largest expansion, as asio::ssl's buffer.
inline constexpr std::size_t kReceiveSize = 17 * 1024;
/// kMaxWriteBuffers / kMaxWriteSize bound what one async_write_some takes
/// (asio::async_write calls it again for the rest), so a large write never
/// queues all its ciphertext at once.
inline constexpr std::size_t kMaxWriteBuffers = 16;
inline constexpr std::size_t kMaxWriteSize = 64 * 1024;

}  // namespace detail

/// stream is TLS over an Asio stream, driven by sslpp's engine. See the top
/// of this header for the rules on concurrency, errors and cancellation.
template <class NextLayer>
class stream {
 public:
  /// The stream under TLS (NextLayer without a reference).
  using next_layer_type = std::remove_reference_t<NextLayer>;
  /// The next layer's lowest layer (the socket itself, for a socket).
  using lowest_layer_type = typename next_layer_type::lowest_layer_type;
  /// The next layer's executor, on which every operation runs.
  using executor_type = typename next_layer_type::executor_type;

  /// Constructs the next layer from `next` (a connected socket, or an
  /// executor or io_context for one to connect later) and a connection from
  /// `context` with `options` (role, server_hostname for SNI and the name
  /// check, session). The Context's settings and verification apply as to
  /// any Connection it makes; the Context itself need not outlive the stream.
  template <class Arg>
  stream(Arg&& next, const Context& context, const ConnectionOptions& options = {})
      : stream(std::forward<Arg>(next), context.wrap_bio(options)) {}

  /// Constructs the stream over `next` with a connection already made
  /// (ctx.wrap_bio(...), with whatever was set on it since).
  template <class Arg>
  stream(Arg&& next, Connection connection)
      : next_(std::forward<Arg>(next)),
        connection_(std::move(connection)),
        read_gate_(next_.get_executor(), net::steady_timer::time_point::max()),
        write_gate_(next_.get_executor(), net::steady_timer::time_point::max()) {}

  /// Moves the stream; never while an operation is pending (operations
  /// hold its address).
  stream(stream&&) = default;
  /// Move-assigns the stream; never while an operation is pending.
  stream& operator=(stream&&) = default;

  /// get_executor is the next layer's executor.
  executor_type get_executor() noexcept { return next_.get_executor(); }
  /// next_layer is the stream under TLS (to connect it, set options, close).
  ///@{
  next_layer_type& next_layer() noexcept { return next_; }
  const next_layer_type& next_layer() const noexcept { return next_; }
  ///@}
  /// lowest_layer is the next layer's lowest layer.
  lowest_layer_type& lowest_layer() noexcept { return next_.lowest_layer(); }

  /// connection is the TLS connection: introspection (getpeercert, version,
  /// cipher, selected_alpn_protocol, session, ...) and settings. Do not
  /// call its I/O functions while an operation of the stream is pending.
  ///@{
  Connection& connection() noexcept { return connection_; }
  const Connection& connection() const noexcept { return connection_; }
  ///@}

  /// async_handshake runs the handshake in the role the connection was made
  /// with. Completion: void(error_code).
  template <class CompletionToken>
  auto async_handshake(CompletionToken&& token) {
    return start<void(error_code)>(handshake_action{}, std::forward<CompletionToken>(token));
  }

  /// async_handshake as asio::ssl::stream's: `type` sets the role first.
  template <class CompletionToken>
  auto async_handshake(handshake_type type, CompletionToken&& token) {
    if (type == handshake_type::server) {
      connection_.set_accept_state();
    } else {
      connection_.set_connect_state();
    }
    return async_handshake(std::forward<CompletionToken>(token));
  }

  /// async_read_some reads plaintext into the first non-empty buffer.
  /// Completion: void(error_code, std::size_t); asio's eof after the peer's
  /// close_notify, an error equal to sslpp::errc::eof when the transport
  /// ended without one (truncation).
  template <class MutableBufferSequence, class CompletionToken>
  auto async_read_some(const MutableBufferSequence& buffers, CompletionToken&& token) {
    std::span<std::byte> target;
    for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers); ++it) {
      const net::mutable_buffer b(*it);
      if (b.size() > 0) {
        target = {static_cast<std::byte*>(b.data()), b.size()};
        break;
      }
    }
    return start<void(error_code, std::size_t)>(read_action{target}, std::forward<CompletionToken>(token));
  }

  /// async_write_some encrypts some of `buffers` (up to 64 KiB, in one
  /// gather call) and sends it. Completion: void(error_code, std::size_t),
  /// the plaintext bytes taken.
  template <class ConstBufferSequence, class CompletionToken>
  auto async_write_some(const ConstBufferSequence& buffers, CompletionToken&& token) {
    write_action action;
    std::size_t budget = detail::kMaxWriteSize;
    for (auto it = net::buffer_sequence_begin(buffers);
         it != net::buffer_sequence_end(buffers) && action.count < detail::kMaxWriteBuffers && budget > 0; ++it) {
      const net::const_buffer b(*it);
      if (b.size() > 0) {
        const std::size_t n = std::min(b.size(), budget);
        action.pieces[action.count++] = {static_cast<const std::byte*>(b.data()), n};
        budget -= n;
      }
    }
    return start<void(error_code, std::size_t)>(action, std::forward<CompletionToken>(token));
  }

  /// async_flush sends what write coalescing gathered
  /// (connection().set_coalescing(true): small writes complete at once and
  /// leave as full records) and completes once it has gone to the next
  /// layer. A read started later sends it too, before it waits; a write
  /// made while a read is already waiting sends at once. Completion:
  /// void(error_code).
  template <class CompletionToken>
  auto async_flush(CompletionToken&& token) {
    return start<void(error_code)>(flush_action{}, std::forward<CompletionToken>(token));
  }

  /// async_shutdown sends close_notify and waits for the peer's.
  /// Completion: void(error_code).
  template <class CompletionToken>
  auto async_shutdown(CompletionToken&& token) {
    return start<void(error_code)>(shutdown_action{}, std::forward<CompletionToken>(token));
  }

 private:
  // Each action is one call of the Connection's status form, repeated by the
  // operation after the I/O it asks for, and says which cancellation types
  // it lets through.
  /// \cond INTERNAL
#if defined(SSLPP_ASIO_HAS_CANCELLATION)
#define SSLPP_ASIO_CANCELLABLE(types) static constexpr net::cancellation_type cancellable = net::cancellation_type::types;
#else
#define SSLPP_ASIO_CANCELLABLE(types)
#endif
  /// \endcond
  struct handshake_action {
    SSLPP_ASIO_CANCELLABLE(terminal)
    io_result operator()(Connection& c, std::error_code& ec) const noexcept { return c.do_handshake(ec); }
    bool trivially_done() const noexcept { return false; }
  };
  struct read_action {
    SSLPP_ASIO_CANCELLABLE(terminal | net::cancellation_type::partial | net::cancellation_type::total)
    std::span<std::byte> target;
    // Reads record after record while they are already here and the buffer
    // has room: one completion for what a single receive brought in, not
    // one per record. An outcome after the first bytes waits for the next
    // call (a fatal error and the end of the stream are reported again).
    io_result operator()(Connection& c, std::error_code& ec) const noexcept {
      io_result first = c.read(target, ec);
      while (first.status == io_status::ok && first.bytes < target.size()) {
        std::error_code more_ec;
        const io_result more = c.read(target.subspan(first.bytes), more_ec);
        if (more.status != io_status::ok) {
          break;
        }
        first.bytes += more.bytes;
      }
      return first;
    }
    bool trivially_done() const noexcept { return target.empty(); }  // asio: an empty read completes at once
  };
  struct write_action {
    SSLPP_ASIO_CANCELLABLE(terminal | net::cancellation_type::partial)
    std::array<std::span<const std::byte>, detail::kMaxWriteBuffers> pieces{};
    std::size_t count = 0;
    io_result operator()(Connection& c, std::error_code& ec) const noexcept {
      return c.write(std::span(pieces.data(), count), ec);
    }
    bool trivially_done() const noexcept { return count == 0; }
  };
  struct flush_action {
    SSLPP_ASIO_CANCELLABLE(terminal | net::cancellation_type::partial)
    io_result operator()(Connection& c, std::error_code& ec) const noexcept { return c.flush(ec); }
    bool trivially_done() const noexcept { return false; }
  };
  struct shutdown_action {
    SSLPP_ASIO_CANCELLABLE(terminal)
    io_result operator()(Connection& c, std::error_code& ec) const noexcept { return c.shutdown(ec); }
    bool trivially_done() const noexcept { return false; }
  };

#undef SSLPP_ASIO_CANCELLABLE

  // io_op runs one action to completion: call it; send whatever output is
  // pending; on want_read receive (or wait for the operation receiving),
  // then call it again. Output always goes out before the operation
  // completes or waits for input, so alerts and close_notify reach the peer.
  template <class Action, class Signature>
  struct io_op {
    stream* self_stream;
    Action action;
    enum class step { start, sent, received, woke, posted } next = step::start;
    io_result result{};
    std::error_code status_ec{};  // from the Connection
    error_code final_ec{};
    bool called = false;   // the action has a result to act on
    bool async_done = false;  // some asynchronous call has completed: completing is not inline
    std::size_t* waiting_on = nullptr;  // the waiter count of the gate waited at

    template <class Self>
    void operator()(Self& self, error_code ec = {}, std::size_t n = 0) {
      stream& s = *self_stream;
      switch (next) {
        case step::start:
#if defined(SSLPP_ASIO_HAS_CANCELLATION)
          self.reset_cancellation_state(net::cancellation_filter<Action::cancellable>());
#endif
          if (action.trivially_done()) {
            return finish(self, {});
          }
          break;
        case step::sent:
          async_done = true;
          s.connection_.consume_output(n);
          s.sending_ = false;
          s.wake(s.write_gate_, s.write_waiters_);
          if (ec) {
            // An alert that could not be sent: the TLS failure is the news.
            const bool failed = result.status == io_status::error || result.status == io_status::truncated;
            return finish(self, failed ? detail::to_net(status_ec) : ec);
          }
          break;
        case step::received:
          async_done = true;
          s.connection_.commit_input(n);
          s.receiving_ = false;
          s.wake(s.read_gate_, s.read_waiters_);
          if (ec == net::error::eof) {
            s.connection_.bio_shutdown();  // the engine tells close_notify from truncation
          } else if (ec) {
            return finish(self, ec);
          }
          called = false;  // new input: the action runs again
          break;
        case step::woke:
          async_done = true;
          --*waiting_on;
          break;
        case step::posted:
          return complete(self);
      }
      run(self);
    }

    template <class Self>
    void run(Self& self) {
      stream& s = *self_stream;
      for (;;) {
#if defined(SSLPP_ASIO_HAS_CANCELLATION)
        if (self.get_cancellation_state().cancelled() != net::cancellation_type::none) {
          return finish(self, net::error::operation_aborted);
        }
#endif
        if (!called) {
          status_ec.clear();
          result = action(s.connection_, status_ec);
          called = true;
          if constexpr (std::is_same_v<Action, write_action>) {
            // A read already waiting will not send what this write gathered
            // (write coalescing): the application expects the peer to see
            // it, so it leaves now.
            if (result.ok() && s.receiving_ && s.connection_.coalesced() > 0) {
              std::error_code flush_ec;
              const io_result f = s.connection_.flush(flush_ec);
              if (f.status == io_status::error || f.status == io_status::truncated) {
                result = f;
                status_ec = flush_ec;
              }
            }
          }
        }
        if (s.connection_.bio_pending() > 0) {
          if (!s.sending_) {
            s.sending_ = true;
            next = step::sent;
            return net::async_write(s.next_, net::buffer(as_net(s.connection_.peek_output())), std::move(self));
          }
          // Another operation is sending, and sends until nothing is
          // pending, this output included. Only an operation whose end the
          // peer must see first (an alert, close_notify, a handshake flight)
          // waits for it; a read never does, or two peers that both write
          // and read at once would wait for each other.
          if (must_drain()) {
            return wait(self, s.write_gate_, s.write_waiters_);
          }
        }
        switch (result.status) {
          case io_status::ok:
            return finish(self, {});
          case io_status::want_write:
            called = false;  // an output limit was reached and the output has gone: call again
            continue;
          case io_status::want_read: {
            if (s.receiving_) {
              return wait(self, s.read_gate_, s.read_waiters_);
            }
            const std::span<std::byte> room = s.connection_.input_space(detail::kReceiveSize);
            if (room.empty()) {
              // The input limit is full, yet the engine wants more: it
              // can never proceed. Only a limit below one record does this.
              return finish(self, detail::to_net(std::make_error_code(std::errc::no_buffer_space)));
            }
            s.receiving_ = true;
            next = step::received;
            return s.next_.async_read_some(net::buffer(room.data(), room.size()), std::move(self));
          }
          case io_status::closed:
            // The peer's close_notify: end of stream for a read, done for a
            // shutdown; a handshake or write cannot go on.
            if constexpr (std::is_same_v<Action, shutdown_action>) {
              return finish(self, {});
            } else {
              return finish(self, net::error::eof);
            }
          case io_status::truncated:
          case io_status::error:
            return finish(self, detail::to_net(status_ec));
        }
      }
    }

    bool must_drain() const noexcept {
      return result.status == io_status::error || result.status == io_status::truncated ||
             result.status == io_status::closed || std::is_same_v<Action, handshake_action> ||
             std::is_same_v<Action, shutdown_action> || std::is_same_v<Action, flush_action>;
    }

    template <class Self>
    void wait(Self& self, net::steady_timer& gate, std::size_t& waiters) {
      next = step::woke;
      waiting_on = &waiters;
      ++waiters;
      gate.async_wait(std::move(self));
    }

    // finish records the outcome and completes, never from inside the
    // initiating call: then it posts itself first.
    template <class Self>
    void finish(Self& self, const error_code& ec) {
      final_ec = ec;
      if (!async_done) {
        next = step::posted;
        return net::post(net::get_associated_executor(self, self_stream->get_executor()), std::move(self));
      }
      complete(self);
    }

    template <class Self>
    void complete(Self& self) {
      if constexpr (std::is_same_v<Signature, void(error_code, std::size_t)>) {
        self.complete(final_ec, result.status == io_status::ok ? result.bytes : 0);
      } else {
        self.complete(final_ec);
      }
    }
  };

  template <class Signature, class Action, class CompletionToken>
  auto start(Action action, CompletionToken&& token) {
    return net::async_compose<CompletionToken, Signature>(io_op<Action, Signature>{this, std::move(action)}, token,
                                                          next_);
  }

  // wake lets the operations waiting at a gate try again; no timer call
  // when none waits, the usual case.
  static void wake(net::steady_timer& gate, std::size_t waiters) {
    if (waiters > 0) {
      gate.cancel();
    }
  }

  static net::const_buffer as_net(std::span<const std::byte> bytes) noexcept {
    return net::const_buffer(bytes.data(), bytes.size());
  }

  NextLayer next_;
  Connection connection_;
  // The gates wake operations waiting for the one that is sending or
  // receiving: never-expiring timers, cancelled when it is done.
  net::steady_timer read_gate_;
  net::steady_timer write_gate_;
  std::size_t read_waiters_ = 0;
  std::size_t write_waiters_ = 0;
  bool receiving_ = false;
  bool sending_ = false;
};

}  // namespace sslpp::asio
