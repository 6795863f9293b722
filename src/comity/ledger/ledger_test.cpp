// The transparency log's primitives: RFC 6962/9162 hashing against the
// published reference vectors, proofs against a naive recursive
// implementation written straight from the RFC, verification that rejects
// every single-bit change, and signed-note checkpoints and tile paths.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "comity/crypto/ed25519.hpp"
#include "comity/ledger/checkpoint.hpp"
#include "comity/ledger/merkle.hpp"

namespace comity::ledger {
namespace {

Hash H(std::string_view hex) {
  return *hash_from_hex(hex);
}

// The eight leaves of the RFC 6962 reference tests (certificate-transparency).
std::vector<std::string> reference_leaves() {
  std::vector<std::string> hex = {
      "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
  std::vector<std::string> out;
  for (const auto& h : hex) {
    std::string bytes;
    for (size_t i = 0; i < h.size(); i += 2) bytes += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
    out.push_back(bytes);
  }
  return out;
}

TEST(Merkle, ReferenceRootsForEveryPrefixOfTheEightLeafTree) {
  const char* roots[] = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  MerkleTree t;
  EXPECT_EQ(to_hex(t.root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  for (const auto& leaf : reference_leaves()) t.append(leaf_hash(leaf));
  for (uint64_t n = 1; n <= 8; ++n) EXPECT_EQ(to_hex(t.root(n)), roots[n - 1]) << "tree size " << n;
}

TEST(Merkle, ReferenceInclusionAndConsistencyProofs) {
  MerkleTree t;
  for (const auto& leaf : reference_leaves()) t.append(leaf_hash(leaf));
  EXPECT_EQ(t.inclusion_proof(0, 8),
            (std::vector<Hash>{H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                               H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                               H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")}));
  EXPECT_EQ(t.inclusion_proof(5, 8),
            (std::vector<Hash>{H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                               H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                               H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")}));
  EXPECT_EQ(t.consistency_proof(1, 8),
            (std::vector<Hash>{H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                               H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                               H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")}));
  EXPECT_EQ(t.consistency_proof(6, 8),
            (std::vector<Hash>{H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                               H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                               H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")}));
  EXPECT_EQ(t.consistency_proof(2, 5),
            (std::vector<Hash>{H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                               H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")}));
}

// MTH straight from RFC 9162 §2.1.1, on leaf hashes.
Hash naive_root(const std::vector<Hash>& leaves, size_t start, size_t n) {
  if (n == 1) return leaves[start];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return node_hash(naive_root(leaves, start, k), naive_root(leaves, start + k, n - k));
}

TEST(Merkle, EveryProofUpTo70LeavesVerifiesAndMatchesTheNaiveRoot) {
  MerkleTree t;
  std::vector<Hash> leaves;
  for (int i = 0; i < 70; ++i) {
    leaves.push_back(leaf_hash("event " + std::to_string(i)));
    t.append(leaves.back());
  }
  for (uint64_t n = 1; n <= 70; ++n) {
    Hash root = t.root(n);
    ASSERT_EQ(root, naive_root(leaves, 0, n)) << n;
    for (uint64_t i = 0; i < n; ++i) {
      auto proof = t.inclusion_proof(i, n);
      ASSERT_TRUE(verify_inclusion(leaves[i], i, n, proof, root)) << i << " in " << n;
      // The same proof does not place the leaf elsewhere, nor another leaf here.
      if (n > 1) {
        EXPECT_FALSE(verify_inclusion(leaves[i], (i + 1) % n, n, proof, root)) << i << " in " << n;
        EXPECT_FALSE(verify_inclusion(leaves[(i + 1) % n], i, n, proof, root)) << i << " in " << n;
      }
    }
    for (uint64_t m = 1; m <= n; ++m) {
      auto proof = t.consistency_proof(m, n);
      ASSERT_TRUE(verify_consistency(m, n, t.root(m), root, proof)) << m << " to " << n;
      if (m < n) {
        EXPECT_FALSE(verify_consistency(m, n, t.root(m), t.root(n - 1), proof)) << m << " to " << n;
        EXPECT_FALSE(verify_consistency(m, n, leaf_hash("not a root"), root, proof)) << m << " to " << n;
      }
    }
  }
}

TEST(Merkle, AnyFlippedBitInAProofIsRejected) {
  MerkleTree t;
  for (int i = 0; i < 1000; ++i) t.append(leaf_hash(std::to_string(i)));
  auto proof = t.inclusion_proof(613, 1000);
  auto cons = t.consistency_proof(377, 1000);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    auto p = proof;
    auto& h = p[rng() % p.size()];
    h[rng() % 32] ^= static_cast<uint8_t>(1u << (rng() % 8));
    EXPECT_FALSE(verify_inclusion(leaf_hash("613"), 613, 1000, p, t.root()));
    auto c = cons;
    auto& g = c[rng() % c.size()];
    g[rng() % 32] ^= static_cast<uint8_t>(1u << (rng() % 8));
    EXPECT_FALSE(verify_consistency(377, 1000, t.root(377), t.root(), c));
  }
  // A proof with a hash missing or one too many fails.
  auto shorter = proof;
  shorter.pop_back();
  EXPECT_FALSE(verify_inclusion(leaf_hash("613"), 613, 1000, shorter, t.root()));
  auto longer = proof;
  longer.push_back(proof.back());
  EXPECT_FALSE(verify_inclusion(leaf_hash("613"), 613, 1000, longer, t.root()));
  EXPECT_FALSE(verify_inclusion(leaf_hash("613"), 1000, 1000, proof, t.root()));
  EXPECT_FALSE(verify_consistency(377, 1000, t.root(377), t.root(), {}));
  EXPECT_TRUE(verify_consistency(1000, 1000, t.root(), t.root(), {}));
  EXPECT_FALSE(verify_consistency(1000, 1000, t.root(999), t.root(), {}));
}

TEST(Merkle, OutOfRangeRequestsThrow) {
  MerkleTree t;
  t.append(leaf_hash("a"));
  EXPECT_THROW(t.root(2), std::out_of_range);
  EXPECT_THROW(t.inclusion_proof(1, 1), std::out_of_range);
  EXPECT_THROW(t.consistency_proof(0, 1), std::out_of_range);
  EXPECT_THROW(t.consistency_proof(1, 2), std::out_of_range);
  EXPECT_FALSE(hash_from_hex("zz").has_value());
}

TEST(SignedNote, CheckpointRoundTripsAndEveryTamperingIsNamed) {
  auto key = crypto::SigningKey::generate();
  Checkpoint c{"comity.example/log", 12345, leaf_hash("x")};
  std::string note = sign_checkpoint(c, key);
  std::string vkey = verifier_key(c.origin, key.public_key());
  NoteVerifier v = parse_verifier_key(vkey);
  Checkpoint back = open_checkpoint(note, v);
  EXPECT_EQ(back.origin, c.origin);
  EXPECT_EQ(back.size, c.size);
  EXPECT_EQ(back.root, c.root);
  EXPECT_EQ(note.substr(0, note.find("\n\n") + 1), checkpoint_text(c));
  EXPECT_NE(note.find("\n\n\xe2\x80\x94 comity.example/log "), std::string::npos);

  auto expect_error = [&](const std::string& n, const std::string& fragment) {
    try {
      open_checkpoint(n, v);
      ADD_FAILURE() << "accepted: " << n;
    } catch (const LedgerError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  std::string tampered = note;
  tampered[note.find("12345")] = '2';  // a different tree size
  expect_error(tampered, "does not verify");
  auto other = crypto::SigningKey::generate();
  expect_error(sign_checkpoint(c, other), "another key");
  expect_error(sign_note(checkpoint_text(c), "someone.else/log", key), "no signature by comity.example/log");
  expect_error(checkpoint_text(c), "no blank line");
  // A note signed by the log key but whose origin is another log.
  Checkpoint foreign{"comity.example/log", 1, c.root};
  std::string text = "other.example/log\n1\n" + crypto::base64_encode(std::string(32, 'a')) + "\n";
  expect_error(sign_note(text, "comity.example/log", key), "is not the log");
  (void)foreign;
  // Extra signatures by others do not disturb verification.
  std::string cosigned = note + "\xe2\x80\x94 witness.example " + crypto::base64_encode(std::string(68, 'w')) + "\n";
  EXPECT_EQ(open_checkpoint(cosigned, v).size, 12345u);

  EXPECT_THROW(parse_verifier_key("comity.example/log+00000000+" + vkey.substr(vkey.rfind('+') + 1)), LedgerError);
  EXPECT_THROW(parse_verifier_key("no-plus-signs"), LedgerError);
}

TEST(SigningKey, PemFileRoundTripsAndIsPrivate) {
  auto dir = std::filesystem::temp_directory_path() / ("comity-key-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "log.pem").string();
  auto key = crypto::SigningKey::generate();
  key.save_pem(path);
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_THROW(key.save_pem(path), crypto::CryptoError);  // never replaces a key
  auto loaded = crypto::SigningKey::load_pem(path);
  EXPECT_EQ(loaded.public_key(), key.public_key());
  auto sig = loaded.sign("message");
  EXPECT_TRUE(crypto::verify(key.public_key(), "message", sig));
  EXPECT_FALSE(crypto::verify(key.public_key(), "messagE", sig));
  std::filesystem::remove_all(dir);
}

TEST(Base64, CanonicalOnly) {
  EXPECT_EQ(crypto::base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(crypto::base64_decode("aGVsbG8=").value(), "hello");
  EXPECT_EQ(crypto::base64_decode("").value(), "");
  EXPECT_FALSE(crypto::base64_decode("aGVsbG9=").has_value());  // non-zero padding bits
  EXPECT_FALSE(crypto::base64_decode("aGVsbG8").has_value());
  EXPECT_FALSE(crypto::base64_decode("aGV sbG8=").has_value());
}

TEST(Tiles, PathsFollowTheC2spLayout) {
  EXPECT_EQ(tile_path({false, 0, 1234067, 256}), "tile/0/x001/x234/067");
  EXPECT_EQ(tile_path({false, 1, 5, 17}), "tile/1/005.p/17");
  EXPECT_EQ(tile_path({true, 0, 0, 3}), "tile/entries/000.p/3");
  for (std::string p : {"tile/0/x001/x234/067", "tile/2/000", "tile/entries/x001/000.p/255", "tile/1/005.p/17"}) {
    EXPECT_EQ(tile_path(parse_tile_path(p)), p);
  }
  TileRef t = parse_tile_path("tile/0/x001/x234/067");
  EXPECT_EQ(t.index, 1234067u);
  EXPECT_EQ(t.width, 256u);
  for (std::string p :
       {"tile/0/1234", "tile/0/x001", "tile/00/000", "tile/0/000.p/256", "tile/0/000.p/0", "tile/0/x000/001",
        "tile/0/000/", "tile/8/000", "tile/0/0a0", "tiles/0/000", "tile/0/000.p/017", "tile/entries",
        "tile/0/x072/x057/x594/x037/x927/936", "tile/0/x999/x999/x999/x999/x999/x999/x999/999"}) {
    EXPECT_THROW(parse_tile_path(p), LedgerError) << p;
  }
}

TEST(Tiles, HashTilesHoldTheTreeLevelsAndBundlesAreLengthPrefixed) {
  MerkleTree t;
  for (int i = 0; i < 300; ++i) t.append(leaf_hash(std::to_string(i)));
  std::string full = hash_tile(t, {false, 0, 0, 256});
  ASSERT_EQ(full.size(), 256u * 32);
  EXPECT_EQ(full.substr(5 * 32, 32), std::string(reinterpret_cast<const char*>(t.node(0, 5).data()), 32));
  EXPECT_EQ(hash_tile(t, {false, 0, 1, 44}).size(), 44u * 32);
  EXPECT_THROW(hash_tile(t, {false, 0, 1, 45}), LedgerError);
  EXPECT_EQ(hash_tile(t, {false, 1, 0, 1}), std::string(reinterpret_cast<const char*>(t.node(8, 0).data()), 32));
  EXPECT_THROW(hash_tile(t, {false, 1, 0, 2}), LedgerError);
  std::string bundle;
  append_bundle_entry(bundle, "abc");
  append_bundle_entry(bundle, std::string(300, 'z'));
  EXPECT_EQ(bundle.substr(0, 5), std::string("\x00\x03"
                                             "abc",
                                             5));
  EXPECT_EQ(bundle.substr(5, 2), std::string("\x01\x2c", 2));
}

}  // namespace
}  // namespace comity::ledger
