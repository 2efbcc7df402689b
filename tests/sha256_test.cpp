// sha256_test.cpp — the image digest against FIPS 180-4's example messages.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "input_file.hpp"
#include "dyn/sha256.hpp"

namespace dyn {
namespace {

std::span<const std::byte> bytes(const std::string& s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

TEST(Sha256, MatchesTheStandardsExamples) {
  EXPECT_EQ(cli::to_hex(Sha256::of({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(cli::to_hex(Sha256::of(bytes(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(cli::to_hex(Sha256::of(bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(cli::to_hex(Sha256::of(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(cli::to_hex(Sha256::of(bytes(std::string(1'000'000, 'a')))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, StreamingInAnyPiecesGivesTheSameDigest) {
  std::string message;
  for (int i = 0; i < 1000; ++i) message += static_cast<char>(i * 7);
  const Sha256Digest whole = Sha256::of(bytes(message));
  for (std::size_t piece : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 200u}) {
    Sha256 s;
    for (std::size_t at = 0; at < message.size(); at += piece)
      s.update(bytes(message.substr(at, piece)));
    EXPECT_EQ(s.finish(), whole) << piece;
  }
}

}  // namespace
}  // namespace dyn
