// Hand-built DER for the hostile-input tests: TLV encoding, a reader for
// the outer structure of a real certificate, and the pathological shapes
// (deep nesting, absurd lengths) no encoder would produce.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace sslpp::test::der {

using Bytes = std::vector<std::byte>;

inline Bytes bytes(std::initializer_list<unsigned> values) {
  Bytes out;
  for (const unsigned v : values) {
    out.push_back(static_cast<std::byte>(v));
  }
  return out;
}

inline Bytes concat(std::initializer_list<std::span<const std::byte>> parts) {
  Bytes out;
  for (const auto part : parts) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// length is the DER length octets for `n`: short form below 128, else
// 0x80 | count followed by the big-endian count bytes.
inline Bytes length(std::size_t n) {
  if (n < 0x80) {
    return {static_cast<std::byte>(n)};
  }
  Bytes digits;
  for (std::size_t v = n; v != 0; v >>= 8) {
    digits.insert(digits.begin(), static_cast<std::byte>(v & 0xFF));
  }
  Bytes out{static_cast<std::byte>(0x80 | digits.size())};
  out.insert(out.end(), digits.begin(), digits.end());
  return out;
}

// tlv is one DER element: tag, length, content.
inline Bytes tlv(unsigned tag, std::span<const std::byte> content) {
  Bytes out{static_cast<std::byte>(tag)};
  const Bytes len = length(content.size());
  out.insert(out.end(), len.begin(), len.end());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

// Element is one parsed TLV of well-formed DER: where its header and
// content sit in the input.
struct Element {
  std::size_t header = 0;  // bytes of tag + length
  std::span<const std::byte> whole;
  std::span<const std::byte> content;
};

// read reads the DER element at the start of `in` (single-byte tags, the
// definite lengths a real certificate uses). Throws on anything else: it
// only takes apart certificates the test PKI made.
inline Element read(std::span<const std::byte> in) {
  if (in.size() < 2) {
    throw std::runtime_error("der::read: short input");
  }
  std::size_t len = std::to_integer<std::size_t>(in[1]);
  std::size_t header = 2;
  if (len >= 0x80) {
    const std::size_t count = len & 0x7F;
    if (count == 0 || count > 4 || in.size() < 2 + count) {
      throw std::runtime_error("der::read: unsupported length");
    }
    len = 0;
    for (std::size_t i = 0; i < count; ++i) {
      len = (len << 8) | std::to_integer<std::size_t>(in[2 + i]);
    }
    header += count;
  }
  if (in.size() < header + len) {
    throw std::runtime_error("der::read: element longer than input");
  }
  return {header, in.subspan(0, header + len), in.subspan(header, len)};
}

// children are the elements inside a constructed element's content.
inline std::vector<Element> children(std::span<const std::byte> content) {
  std::vector<Element> out;
  while (!content.empty()) {
    out.push_back(read(content));
    content = content.subspan(out.back().whole.size());
  }
  return out;
}

// nested_definite is `depth` SEQUENCEs, each the only content of the one
// around it, with exact definite lengths (built outside-in in one pass, so
// a deep value costs linear time).
inline Bytes nested_definite(std::size_t depth) {
  std::vector<std::size_t> size(depth);  // size[i]: encoded size of level i (0 innermost)
  for (std::size_t i = 0; i < depth; ++i) {
    const std::size_t inner = i == 0 ? 0 : size[i - 1];
    size[i] = 1 + length(inner).size() + inner;
  }
  Bytes out;
  out.reserve(depth == 0 ? 0 : size[depth - 1]);
  for (std::size_t i = depth; i-- > 0;) {
    out.push_back(std::byte{0x30});
    const Bytes len = length(i == 0 ? 0 : size[i - 1]);
    out.insert(out.end(), len.begin(), len.end());
  }
  return out;
}

// nested_indefinite is `depth` BER SEQUENCEs of indefinite length (30 80),
// each closed by an end-of-contents (00 00) when `closed`.
inline Bytes nested_indefinite(std::size_t depth, bool closed, unsigned tag = 0x30) {
  Bytes out;
  out.reserve(depth * 4);
  for (std::size_t i = 0; i < depth; ++i) {
    out.push_back(static_cast<std::byte>(tag));
    out.push_back(std::byte{0x80});
  }
  if (closed) {
    out.insert(out.end(), depth * 2, std::byte{0});
  }
  return out;
}

}  // namespace sslpp::test::der
