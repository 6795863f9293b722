// The group committer over a real SQLite store in a temporary directory.
// A COMMIT is made to fail for real: the store is opened through a VFS that
// forwards to SQLite's own and, when told to, fails the fsync a COMMIT ends
// with (synchronous=FULL), as a full or failing disk would. The same VFS
// counts those fsyncs, so a test sees how many COMMITs a batch took.
#include "comity/service/committer.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <latch>
#include <optional>
#include <thread>
#include <vector>

#include "comity/store/open_store.hpp"
#include "comity/store/store.hpp"
#include "test_support.hpp"

namespace comity {
namespace {

// ---- A VFS whose fsync fails on demand ----

std::atomic<bool> g_fail_sync{false};
std::atomic<int> g_syncs{0};  // fsyncs that succeeded

struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;  // SQLite's own file, allocated right after this struct
};

sqlite3_file* real_of(sqlite3_file* f) {
  return reinterpret_cast<ShimFile*>(f)->real;
}

int shim_close(sqlite3_file* f) {
  return real_of(f)->pMethods->xClose(real_of(f));
}
int shim_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 at) {
  return real_of(f)->pMethods->xRead(real_of(f), buf, n, at);
}
int shim_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 at) {
  return real_of(f)->pMethods->xWrite(real_of(f), buf, n, at);
}
int shim_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int shim_sync(sqlite3_file* f, int flags) {
  if (g_fail_sync) return SQLITE_IOERR_FSYNC;
  int rc = real_of(f)->pMethods->xSync(real_of(f), flags);
  if (rc == SQLITE_OK) ++g_syncs;
  return rc;
}
int shim_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int shim_lock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xLock(real_of(f), level);
}
int shim_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int shim_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int shim_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int shim_sector_size(sqlite3_file* f) {
  return real_of(f)->pMethods->xSectorSize(real_of(f));
}
int shim_device_characteristics(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int shim_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}
int shim_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void shim_shm_barrier(sqlite3_file* f) {
  real_of(f)->pMethods->xShmBarrier(real_of(f));
}
int shim_shm_unmap(sqlite3_file* f, int del) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}

// Version 2: no memory-mapped I/O (xFetch), so every page goes through xRead.
const sqlite3_io_methods kShimMethods = {2,
                                         shim_close,
                                         shim_read,
                                         shim_write,
                                         shim_truncate,
                                         shim_sync,
                                         shim_file_size,
                                         shim_lock,
                                         shim_unlock,
                                         shim_check_reserved,
                                         shim_file_control,
                                         shim_sector_size,
                                         shim_device_characteristics,
                                         shim_shm_map,
                                         shim_shm_lock,
                                         shim_shm_barrier,
                                         shim_shm_unmap,
                                         nullptr,
                                         nullptr};

sqlite3_vfs* real_vfs() {
  static sqlite3_vfs* const real = sqlite3_vfs_find(nullptr);
  return real;
}

int shim_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* shim = reinterpret_cast<ShimFile*>(f);
  shim->real = reinterpret_cast<sqlite3_file*>(shim + 1);
  std::memset(shim->real, 0, static_cast<size_t>(real_vfs()->szOsFile));
  int rc = real_vfs()->xOpen(real_vfs(), name, shim->real, flags, out_flags);
  // SQLite closes the file (through our xClose) whenever pMethods is set.
  shim->base.pMethods = shim->real->pMethods ? &kShimMethods : nullptr;
  return rc;
}

sqlite3_vfs* shim_vfs() {
  static sqlite3_vfs vfs = [] {
    sqlite3_vfs v = *real_vfs();  // SQLite's own for everything but opening files
    v.zName = "comity-test-failing-sync";
    v.szOsFile = static_cast<int>(sizeof(ShimFile)) + real_vfs()->szOsFile;
    v.xOpen = shim_open;
    v.pNext = nullptr;
    return v;
  }();
  return &vfs;
}

// Opens a store through the shim; SQLite's own VFS is the default again after.
std::unique_ptr<Store> open_with_failing_sync(const std::string& path) {
  sqlite3_vfs* real = real_vfs();
  if (sqlite3_vfs_register(shim_vfs(), 1) != SQLITE_OK) throw std::runtime_error("cannot register the test VFS");
  std::unique_ptr<Store> store;
  try {
    store = open_sqlite_store(path);
  } catch (...) {
    sqlite3_vfs_register(real, 1);
    throw;
  }
  sqlite3_vfs_register(real, 1);
  return store;
}

// ---- The tests ----

bool eventually(const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

struct CommitterTest : ::testing::Test {
  test::TempDir dir;
  std::unique_ptr<Store> store = open_with_failing_sync((dir.path() / "c.db").string());
  std::mutex store_mu;
  int after_commits = 0;  // guarded by store_mu
  std::optional<GroupCommitter> committer{std::in_place, *store, store_mu, [this](Store&) { ++after_commits; }};

  ~CommitterTest() override {
    committer.reset();
    g_fail_sync = false;
  }

  void add_party(const std::string& id) {
    store->put_party({id, "issuing_authority", "DE", id}, test::seed_audit("create_party", id));
  }
  bool has_party(const std::string& id) {
    std::lock_guard<std::mutex> lock(store_mu);
    return store->party(id).has_value();
  }
};

// Four jobs in one batch, one of which fails (a duplicate id): it fails
// alone with its own error, the other three commit, in one COMMIT.
TEST_F(CommitterTest, AJobThatThrowsFailsAloneAndItsBatchCommitsInOneCommit) {
  {
    std::lock_guard<std::mutex> lock(store_mu);
    add_party("p-taken");
  }
  // A first job holds the committer inside its batch until the next four
  // are queued, so those four make one batch.
  std::latch entered(1), release(1);
  std::thread gate([&] {
    committer->durably([&] {
      entered.count_down();
      release.wait();
    });
  });
  entered.wait();
  const char* ids[] = {"p-1", "p-2", "p-taken", "p-3"};
  std::vector<std::exception_ptr> errors(4);
  std::vector<std::thread> callers;
  for (size_t i = 0; i < 4; ++i)
    callers.emplace_back([&, i] {
      try {
        committer->durably([&, i] {
          if (i == 2) add_party("p-half");  // written, then undone with its job
          add_party(ids[i]);
        });
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  ASSERT_TRUE(eventually([&] { return committer->waiting() == 4; }));
  const int syncs_before = g_syncs;
  release.count_down();
  gate.join();
  for (auto& t : callers) t.join();

  // The gate's batch wrote nothing, so its COMMIT had nothing to sync.
  EXPECT_EQ(g_syncs - syncs_before, 1) << "the four jobs were not made durable by one COMMIT";
  for (size_t i : {0u, 1u, 3u}) EXPECT_FALSE(errors[i]) << ids[i] << " failed";
  ASSERT_TRUE(errors[2]);
  try {
    std::rethrow_exception(errors[2]);
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code, StoreError::Code::Constraint) << e.what();
  }
  for (const char* id : {"p-1", "p-2", "p-3"}) EXPECT_TRUE(has_party(id)) << id;
  EXPECT_FALSE(has_party("p-half")) << "a job that threw kept what it wrote before";
  std::lock_guard<std::mutex> lock(store_mu);
  EXPECT_EQ(after_commits, 2);
}

// A COMMIT that fails (the disk refuses the fsync) fails every job of its
// batch with the COMMIT's error, stores none of them and skips the hook; a
// job that had failed on its own keeps its own error. The next COMMIT works.
TEST_F(CommitterTest, AFailedCommitFailsEveryJobOfItsBatch) {
  g_fail_sync = true;
  std::vector<std::exception_ptr> errors(3);
  std::vector<std::thread> callers;
  for (size_t i = 0; i < 3; ++i)
    callers.emplace_back([&, i] {
      try {
        committer->durably([&, i] {
          add_party("q-" + std::to_string(i));
          if (i == 2) throw Error(ErrorKind::Conflict, "the job's own failure");
        });
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  for (auto& t : callers) t.join();
  g_fail_sync = false;

  for (size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(errors[i]) << "job " << i << " was acknowledged though its COMMIT failed";
    try {
      std::rethrow_exception(errors[i]);
    } catch (const StoreError& e) {
      EXPECT_EQ(e.code, StoreError::Code::Io) << e.what();
    }
  }
  ASSERT_TRUE(errors[2]);
  try {
    std::rethrow_exception(errors[2]);
  } catch (const StoreError& e) {
    ADD_FAILURE() << "the job's own error was replaced by the COMMIT's: " << e.what();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind, ErrorKind::Conflict);
  }
  for (size_t i = 0; i < 3; ++i) EXPECT_FALSE(has_party("q-" + std::to_string(i))) << i;
  {
    std::lock_guard<std::mutex> lock(store_mu);
    EXPECT_EQ(after_commits, 0);
  }

  committer->durably([&] { add_party("q-after"); });
  EXPECT_TRUE(has_party("q-after"));
}

// Destruction commits what is queued before the thread ends.
TEST_F(CommitterTest, DestructionCommitsWhatIsQueued) {
  std::latch entered(1), release(1);
  std::thread gate([&] {
    committer->durably([&] {
      entered.count_down();
      release.wait();
    });
  });
  entered.wait();
  std::exception_ptr error;
  std::thread caller([&] {
    try {
      committer->durably([&] { add_party("r-1"); });
    } catch (...) {
      error = std::current_exception();
    }
  });
  ASSERT_TRUE(eventually([&] { return committer->waiting() == 1; }));
  std::thread destroy([&] { committer.reset(); });
  release.count_down();
  gate.join();
  caller.join();
  destroy.join();
  EXPECT_FALSE(error);
  EXPECT_TRUE(has_party("r-1"));
}

}  // namespace
}  // namespace comity
