/// \file
/// Name: an X.509 distinguished name (pyOpenSSL's X509Name).
#pragma once

#include <compare>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <openssl/types.h>

#include <sslpp/export.hpp>

namespace sslpp {

/// NameAttribute is one (name, value) pair of a distinguished name, named as
/// Python names it ("commonName", "organizationName", or a dotted OID).
using NameAttribute = std::pair<std::string, std::string>;
/// RDN is one relative distinguished name: usually one attribute, sometimes more.
using RDN = std::vector<NameAttribute>;
/// DistinguishedName is a sequence of RDNs, as in Python's subject/issuer tuples.
using DistinguishedName = std::vector<RDN>;

/// NameEntry is one attribute of a Name, with every way of naming its type.
struct NameEntry {
  /// oid is the dotted form, "2.5.4.3".
  std::string oid;
  /// short_name is OpenSSL's short name ("CN"), or the dotted OID when
  /// OpenSSL has none (pyOpenSSL's get_components names).
  std::string short_name;
  /// long_name is the name Python's decoded dicts use ("commonName").
  std::string long_name;
  /// value is the attribute's text in UTF-8, whatever string type it was
  /// encoded in; embedded NUL bytes are kept.
  std::string value;
  /// rdn is the index of the RDN (the SET) the entry belongs to: entries of
  /// a multi-valued RDN share it.
  int rdn = 0;
  /// Equal when every member is.
  friend bool operator==(const NameEntry&, const NameEntry&) = default;
};

/// Name is an immutable distinguished name. Copies share it. Comparison is
/// OpenSSL's (X509_NAME_cmp: the canonical encodings), so names that differ
/// only in case or string type compare equal, as in chain building.
class SSLPP_API Name {
 public:
  /// from_der parses a DER Name. Throws SSLError when it does not parse.
  static Name from_der(std::span<const std::byte> der);
  /// from_native copies `name` (borrowed).
  static Name from_native(const X509_NAME* name);

  /// entries are the attributes in order, most significant first.
  [[nodiscard]] std::vector<NameEntry> entries() const;
  /// get_components is pyOpenSSL's: (short name, value) pairs in order.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> get_components() const;
  /// get is the value of the first attribute called `name` (short name,
  /// long name or dotted OID: "CN", "commonName", "2.5.4.3"), as
  /// pyOpenSSL's `name.commonName`; nullopt when there is none. Throws
  /// ValueError when `name` names no attribute type at all.
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
  /// rdns is the form Python's decoded certificate uses: RDNs of
  /// (long name, value) pairs.
  [[nodiscard]] DistinguishedName rdns() const;
  /// to_string is the RFC 2253 one-line form, "CN=localhost,O=Example",
  /// with non-ASCII text left as UTF-8.
  [[nodiscard]] std::string to_string() const;
  /// oneline is OpenSSL's legacy "/O=Example/CN=localhost" form, which
  /// pyOpenSSL shows in its repr.
  [[nodiscard]] std::string oneline() const;
  /// der is the DER encoding.
  [[nodiscard]] std::vector<std::byte> der() const;
  /// hash is the subject hash OpenSSL uses for CA directories (c_rehash,
  /// the "hash.0" file names of load_verify_locations' capath).
  [[nodiscard]] unsigned long hash() const;
  /// size is the number of attributes.
  [[nodiscard]] std::size_t size() const noexcept;
  /// empty is true for a name with no attributes.
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }

  /// native_handle is the borrowed X509_NAME*, valid while this object lives.
  [[nodiscard]] const X509_NAME* native_handle() const noexcept { return name_.get(); }

  ///@{
  /// == and <=> compare as X509_NAME_cmp does (see the class comment); the
  /// order is OpenSSL's, good for sorting, not meaningful to people.
  friend SSLPP_API bool operator==(const Name& a, const Name& b) noexcept;
  friend SSLPP_API std::strong_ordering operator<=>(const Name& a, const Name& b) noexcept;
  ///@}

 private:
  struct free_name {
    void operator()(X509_NAME* p) const noexcept;
  };
  // Not noexcept: the shared_ptr allocates (std::bad_alloc; the name is freed).
  explicit Name(X509_NAME* owned) : name_(owned, free_name{}) {}
  std::shared_ptr<X509_NAME> name_;
};

}  // namespace sslpp
